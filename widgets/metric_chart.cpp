#include "widgets/metric_chart.h"

#include <QToolTip>

#include <cmath>
#include <limits>

namespace ddil {

const QVector<QColor>& seriesColours()
{
    static const QVector<QColor> colours { QColor(0, 114, 178), QColor(230, 159, 0),
        QColor(0, 158, 115), QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
        QColor(240, 228, 66), QColor(0, 0, 0), QColor(120, 120, 120), QColor(150, 80, 40) };
    return colours;
}

namespace {
Qt::PenStyle runStyle(int run)
{
    static const Qt::PenStyle styles[]
        = { Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine, Qt::DashDotDotLine };
    return styles[run % 5];
}
} // namespace

QString metricLabel(const ChartSpec& spec, const QString& metric)
{
    const auto match = spec.pattern.match(metric);
    if (match.hasMatch() && match.lastCapturedIndex() >= 1 && !match.captured(1).isEmpty())
        return match.captured(1);
    QString label = metric;
    for (const char* prefix : { "train/", "eval/" })
        if (label.startsWith(QLatin1String(prefix)))
            label = label.mid(static_cast<int>(qstrlen(prefix)));
    return label;
}

MetricChart::MetricChart(ChartSpec spec, QWidget* parent)
    : QCustomPlot(parent)
    , m_spec(std::move(spec))
{
    setObjectName(m_spec.title);
    setMinimumSize(260, 190);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setNoAntialiasingOnDrag(true);
    plotLayout()->insertRow(0);
    m_title = new QCPTextElement(this, m_spec.title, QFont(font().family(), 10, QFont::Bold));
    plotLayout()->addElement(0, 0, m_title);
    xAxis->setLabel(tr("training step"));
    yAxis->setLabel(m_spec.yLabel);
    legend->setVisible(true);
    legend->setFont(QFont(font().family(), 8));
    legend->setBrush(QColor(255, 255, 255, 200));
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    setToolTip(tr("Drag to pan, wheel to zoom, double-click to fit; hover for values"));
}

void MetricChart::showRuns(const QVector<const RunMetrics*>& runs, double smoothing, bool rescale)
{
    clearGraphs();
    m_namedGraphs.clear();
    const bool several = runs.size() > 1;
    for (int r = 0; r < runs.size(); ++r) {
        const RunMetrics* run = runs[r];
        int colour = 0;
        for (const QString& name : run->names()) {
            if (!m_spec.pattern.match(name).hasMatch())
                continue;
            const MetricSeries* series = run->find(name);
            QColor c = seriesColours()[colour++ % seriesColours().size()];
            const QString label = several
                ? QStringLiteral("%1 · %2").arg(run->label(), metricLabel(m_spec, name))
                : metricLabel(m_spec, name);
            QCPGraph* named = nullptr;
            if (m_spec.smooth) {
                QCPGraph* raw = addGraph();
                QColor faint = c;
                faint.setAlpha(60);
                raw->setPen(QPen(faint, 1, runStyle(r)));
                raw->setData(series->steps, series->values, true);
                raw->removeFromLegend();
                named = addGraph();
                named->setPen(QPen(c, 2, runStyle(r)));
                named->setData(series->steps, smoothDebiased(series->values, smoothing), true);
            } else {
                named = addGraph();
                named->setPen(QPen(c, 1.6, runStyle(r)));
                named->setScatterStyle(series->steps.size() < 60
                        ? QCPScatterStyle(QCPScatterStyle::ssDisc, 4)
                        : QCPScatterStyle());
                named->setData(series->steps, series->values, true);
            }
            named->setName(label);
            m_namedGraphs.append(named);
        }
    }
    legend->setVisible(!m_namedGraphs.isEmpty());
    if (rescale && m_follow) {
        rescaleAxes();
        if (m_log && yAxis->range().lower <= 0)
            yAxis->setRangeLower(1e-6);
    }
    replot(QCustomPlot::rpQueuedReplot);
}

void MetricChart::setLogScale(bool on)
{
    m_log = on;
    yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on)
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    rescaleAxes();
    replot(QCustomPlot::rpQueuedReplot);
}

int MetricChart::seriesCount() const
{
    return static_cast<int>(m_namedGraphs.size());
}

QStringList MetricChart::seriesNames() const
{
    QStringList names;
    for (const QCPGraph* graph : m_namedGraphs)
        names << graph->name();
    return names;
}

QString MetricChart::readoutAt(const QPointF& position) const
{
    double best = 20.0;
    QString text;
    for (const QCPGraph* graph : m_namedGraphs) {
        const auto data = graph->data();
        if (data->isEmpty())
            continue;
        const double step = xAxis->pixelToCoord(position.x());
        auto it = data->findBegin(step, true);
        for (int n = 0; n < 2 && it != data->constEnd(); ++n, ++it) {
            if (!std::isfinite(it->value))
                continue;
            const double dx = xAxis->coordToPixel(it->key) - position.x();
            const double dy = yAxis->coordToPixel(it->value) - position.y();
            const double d = std::hypot(dx, dy);
            if (d < best) {
                best = d;
                text = tr("%1: step %2, %3")
                           .arg(graph->name())
                           .arg(it->key, 0, 'f', 0)
                           .arg(it->value, 0, 'g', 5);
            }
        }
    }
    return text;
}

void MetricChart::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    const QString text = readoutAt(event->position());
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void MetricChart::mousePressEvent(QMouseEvent* event)
{
    m_follow = false;
    QCustomPlot::mousePressEvent(event);
}

void MetricChart::wheelEvent(QWheelEvent* event)
{
    m_follow = false;
    QCustomPlot::wheelEvent(event);
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent* event)
{
    QCustomPlot::mouseDoubleClickEvent(event);
    m_follow = true;
    rescaleAxes();
    replot(QCustomPlot::rpQueuedReplot);
}

} // namespace ddil
