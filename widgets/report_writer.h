#pragma once
// Export Report: one folder a researcher can attach to a note: every chart (PNG and PDF), each
// run's metrics (CSV), the sample sheet (PNG with metadata), and report.md with the latest
// evaluation of each run as a table and the charts inline.

#include <QString>

namespace ddil {

class ChartPanel;
class RunMetrics;
class SamplePanel;

struct ReportInput {
    QString folder;
    QString title;
    const ChartPanel* charts = nullptr;
    const SamplePanel* samples = nullptr;
};

// Markdown table: one row per run, one column per eval/ metric (the latest value of each).
QString metricsTable(const QVector<const RunMetrics*>& runs);

bool writeReport(const ReportInput& input, QString* error);

} // namespace ddil
