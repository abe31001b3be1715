#pragma once
// The comparison of many runs (View → Compare Runs…, `ddil-workbench --compare DIR…`): the run
// folders of a sweep or a reproduction grouped by seed as `ddil table --group-seeds` groups
// them, each group's mean curve of a chosen scalar with a band (sd, or the 95% interval of the
// mean), ticked on and off; under it the table of final metrics with each group's difference to
// a chosen baseline and its interval (paired where the table pairs). Folders still being
// written are read again every two seconds while the window is shown. The chart exports as PNG,
// the table as CSV or Markdown.

#include "session/run_comparison.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QTableWidget;
class QTimer;

namespace ddil {

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    // Opens the run folders in `roots` (each a run folder or a folder holding some); false with
    // `error` set when there is none or a config cannot be read (the view keeps what it showed).
    bool openFolders(const QStringList& roots, QString* error);
    const RunComparison& comparison() const { return m_comparison; }

    QString metric() const;
    void setMetric(const QString& metric);
    BandKind bandKind() const;
    void setBandKind(BandKind kind);
    // The group every other group is compared with in the table ("": each method's first).
    QString baseline() const;
    void setBaseline(const QString& group);
    void setGroupShown(int group, bool shown);
    bool groupShown(int group) const;

    // What is drawn: per group shown, its mean curve and band (the graphs of the chart).
    struct DrawnGroup {
        QString name;
        SeedBand band;
    };
    const QVector<DrawnGroup>& drawn() const { return m_drawn; }
    const QTableWidget* table() const { return m_table; }
    QString tableMessage() const; // why there is no table ("" when there is one)
    qint64 lastRefreshMs() const { return m_lastRefreshMs; }

    // Writes the chart (PNG) or the table (.csv; anything else: Markdown). False with `error`.
    bool exportChart(const QString& path, QString* error) const;
    bool exportTable(const QString& path, QString* error) const;

public Q_SLOTS:
    // Reads the folders again; redraws when they changed.
    void refresh();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void chooseFolders();
    void chooseChartFile();
    void chooseTableFile();
    void fillControls();
    void redrawChart();
    void redrawTable();

    RunComparison m_comparison;
    RunTable m_lastTable;
    QString m_tableMessage;
    QVector<DrawnGroup> m_drawn;
    QListWidget* m_groups = nullptr;
    QComboBox* m_metric = nullptr;
    QComboBox* m_band = nullptr;
    QComboBox* m_baseline = nullptr;
    QCustomPlot* m_chart = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_status = nullptr;
    QTimer* m_timer = nullptr;
    qint64 m_lastRefreshMs = 0;
    bool m_filling = false;
};

} // namespace ddil
