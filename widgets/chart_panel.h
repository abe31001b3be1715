#pragma once
// Live charts of a session: losses (raw and smoothed), sample quality, covariate shift per
// student step and the realised source shares, in tabs; run folders can be overlaid (baseline
// against DDIL) and everything exported as PNG, PDF and CSV. Redraws at most ten times a
// second, and only the visible tab.

#include "session/run_metrics.h"
#include "session/session_types.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QLabel;
class QSlider;
class QTabWidget;
class QTimer;

namespace ddil {

class MetricChart;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChartPanel(QWidget* parent = nullptr);
    ~ChartPanel() override;

    // The live session's series (drawn first).
    const RunMetrics& live() const { return m_live; }
    void resetLive(const QString& label);
    // Replaces the live series with a run folder's metrics.jsonl (an opened run).
    bool loadLive(const QString& runDir, QString* error);
    // Adds the lines that run folder logged since (a headless run still training); the rows
    // added, -1 when unreadable or no folder is loaded.
    int pollRunFolder();
    // Loads a run folder's metrics.jsonl as an overlay; false with `error` set when unreadable.
    bool addOverlay(const QString& runDir, QString* error);
    void clearOverlays();
    int overlayCount() const { return static_cast<int>(m_overlays.size()); }
    // The runs drawn: the live session (when it has data), then the overlays.
    QVector<const RunMetrics*> shownRuns() const;

    void setSmoothing(double weight); // 0 ... 0.999
    double smoothing() const { return m_smoothing; }
    void setLogScale(bool on);

    QList<MetricChart*> charts() const;
    MetricChart* chart(const QString& objectName) const;
    void showTab(int index);

    // Writes every chart as <name>.png (and .pdf), and each run's metrics as <run>.csv, into
    // `folder`; returns the files written, empty with `error` set on failure.
    QStringList exportCharts(const QString& folder, bool pdf, QString* error) const;
    QStringList exportCsv(const QString& folder, QString* error) const;

public Q_SLOTS:
    void appendScalars(const ddil::ScalarBatch& batch);
    void appendRow(const ddil::ScalarRow& row);
    // Redraws the visible charts now (also called by the 10 Hz timer when data came in).
    void refresh();

Q_SIGNALS:
    // The latest realised shares (data, teacher, student) from the step reports.
    void sharesReported(double data, double teacher, double student);

private:
    void addTab(const QString& title, const QVector<int>& chartIndexes);

    RunMetrics m_live;
    QString m_liveFile; // the loaded run folder's metrics.jsonl, and how far it was read
    qint64 m_liveOffset = 0;
    std::vector<std::unique_ptr<RunMetrics>> m_overlays;
    QVector<MetricChart*> m_charts;
    QTabWidget* m_tabs = nullptr;
    QSlider* m_smoothSlider = nullptr;
    QLabel* m_smoothLabel = nullptr;
    QCheckBox* m_logBox = nullptr;
    QTimer* m_timer = nullptr;
    double m_smoothing = 0.6;
    bool m_dirty = false;
};

} // namespace ddil
