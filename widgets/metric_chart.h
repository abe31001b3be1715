#pragma once
// One chart of the chart panel: the metrics whose names match its pattern, for every run shown
// (the live session first, then overlaid run folders), with zoom, pan, a log scale and a hover
// read-out. Smoothed charts draw each series raw (faint) and smoothed (bold).

#include "session/run_metrics.h"
#include "widgets/qcustomplot_include.h"

#include <QRegularExpression>

namespace ddil {

struct ChartSpec {
    QString title;
    QRegularExpression pattern; // metric names drawn (the first capture group, if any, labels it)
    bool smooth = false; // raw and debiased-EMA lines (loss curves)
    QString yLabel;
};

class MetricChart : public QCustomPlot {
    Q_OBJECT
public:
    MetricChart(ChartSpec spec, QWidget* parent = nullptr);

    const ChartSpec& spec() const { return m_spec; }
    // Redraws from `runs` (element 0 solid, overlays dashed); fits the axes to the data when
    // `rescale`, unless the user zoomed or panned (a double-click fits again). Queued replot.
    void showRuns(const QVector<const RunMetrics*>& runs, double smoothing, bool rescale);
    void setLogScale(bool on);
    bool logScale() const { return m_log; }
    // Series drawn (smoothed ones counted once) and their legend names.
    int seriesCount() const;
    QStringList seriesNames() const;
    // The data point nearest to a widget position, as "series: step S, value V" ("" if none
    // within 20 pixels).
    QString readoutAt(const QPointF& position) const;

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    ChartSpec m_spec;
    bool m_log = false;
    bool m_follow = true; // fit the axes to the data as it comes
    QCPTextElement* m_title = nullptr;
    QVector<QCPGraph*> m_namedGraphs; // the graph of each legend entry
};

// The charts' line colours: Okabe-Ito (colour-blind safe), then a few more; cycle past the end.
const QVector<QColor>& seriesColours();

// A readable legend name of a metric for a chart: the pattern's capture or the name without
// its "train/" / "eval/" prefix.
QString metricLabel(const ChartSpec& spec, const QString& metric);

} // namespace ddil
