#include "widgets/report_writer.h"

#include "session/run_metrics.h"
#include "widgets/chart_panel.h"
#include "widgets/sample_panel.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

namespace ddil {

QString metricsTable(const QVector<const RunMetrics*>& runs)
{
    QStringList columns;
    for (const RunMetrics* run : runs)
        for (const QString& name : run->names())
            if (name.startsWith(QLatin1String("eval/")) && !columns.contains(name))
                columns << name;
    if (columns.isEmpty())
        return {};
    QString out;
    QTextStream s(&out);
    s << "| run | step |";
    for (const QString& c : columns)
        s << ' ' << c.mid(5) << " |";
    s << "\n|---|---|";
    for (int i = 0; i < columns.size(); ++i)
        s << "---|";
    s << '\n';
    for (const RunMetrics* run : runs) {
        double step = 0;
        QStringList cells;
        for (const QString& c : columns) {
            const MetricSeries* series = run->find(c);
            if (!series || series->values.isEmpty()) {
                cells << QString();
                continue;
            }
            step = std::max(step, series->steps.last());
            cells << QString::number(series->values.last(), 'g', 4);
        }
        s << "| " << run->label() << " | " << step << " |";
        for (const QString& cell : cells)
            s << ' ' << cell << " |";
        s << '\n';
    }
    return out;
}

bool writeReport(const ReportInput& input, QString* error)
{
    if (error)
        error->clear();
    const QDir dir(input.folder);
    if (!QDir().mkpath(input.folder)) {
        if (error)
            *error = QCoreApplication::translate("Report", "cannot create %1").arg(input.folder);
        return false;
    }
    const QStringList charts
        = input.charts->exportCharts(dir.filePath(QStringLiteral("charts")), true, error);
    if (charts.isEmpty() && error && !error->isEmpty())
        return false;
    const QStringList csv = input.charts->exportCsv(dir.filePath(QStringLiteral("metrics")), error);
    if (csv.isEmpty() && error && !error->isEmpty())
        return false;
    bool samples = false;
    if (input.samples && input.samples->current()) {
        if (!input.samples->exportPng(dir.filePath(QStringLiteral("samples.png")), error))
            return false;
        samples = true;
    }

    const QVector<const RunMetrics*> runs = input.charts->shownRuns();
    QString text;
    QTextStream s(&text);
    s << "# " << input.title << "\n\n";
    s << QCoreApplication::translate("Report", "Exported by DDIL Workbench on %1.")
             .arg(QDateTime::currentDateTime().toString(Qt::ISODate))
      << "\n\n";
    s << QCoreApplication::translate(
        "Report", "`config.json` repeats the session headless: `ddil run config.json`.")
      << "\n\n";
    const QString table = metricsTable(runs);
    if (!table.isEmpty())
        s << "## " << QCoreApplication::translate("Report", "Latest evaluation") << "\n\n"
          << table << '\n';
    if (samples)
        s << "## " << QCoreApplication::translate("Report", "Samples") << "\n\n"
          << "![samples](samples.png)\n\n";
    if (!charts.isEmpty()) {
        s << "## " << QCoreApplication::translate("Report", "Charts") << "\n\n";
        for (const QString& chart : charts)
            if (chart.endsWith(QLatin1String(".png")))
                s << "![" << QFileInfo(chart).baseName() << "](charts/"
                  << QFileInfo(chart).fileName() << ")\n\n";
    }
    QFile file(dir.filePath(QStringLiteral("report.md")));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.toUtf8()) < 0) {
        if (error)
            *error = QCoreApplication::translate("Report", "cannot write %1: %2")
                         .arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

} // namespace ddil
