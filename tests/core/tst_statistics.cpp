// The statistics behind `ddil table --group-seeds`: Student t quantiles against published
// tables, Welch's interval against hand-computed examples, and the table's difference column
// on run folders with known metrics.
#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/run_table.h"
#include "core/metrics/statistics.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ddil;

namespace {
// A finished 2-D distillation run folder whose last evaluation scored `sw`.
void writeRun(const QString& dir, const RunConfig& config, double sw)
{
    QDir().mkpath(dir);
    auto write = [&](const char* name, const std::string& text) {
        QFile f(dir + "/" + name);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text.data(), static_cast<qint64>(text.size()));
    };
    write("config.json", configToJson(config));
    write("state.json", R"({"status": "finished", "step": 100, "elapsed_seconds": 60})");
    write("metrics.jsonl",
        "{\"step\": 100, \"eval/sliced_wasserstein\": " + std::to_string(sw)
            + ", \"eval/mmd\": 0.01}\n");
}
} // namespace

class TestStatistics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tQuantilesMatchTheTables()
    {
        // Two-sided 95% critical values (Student's t tables).
        QVERIFY(std::abs(studentTQuantile(0.975, 1) - 12.706205) < 1e-5);
        QVERIFY(std::abs(studentTQuantile(0.975, 3) - 3.182446) < 1e-5);
        QVERIFY(std::abs(studentTQuantile(0.975, 10) - 2.228139) < 1e-5);
        QVERIFY(std::abs(studentTQuantile(0.975, 1e6) - 1.959966) < 1e-4);
        QVERIFY(std::abs(studentTQuantile(0.025, 4) + 2.776445) < 1e-5);
        QVERIFY(std::abs(studentTCdf(0.0, 7) - 0.5) < 1e-12);
    }

    void welchIntervalMatchesAHandComputation()
    {
        // a = 1 2 3 4, b = 2 4 6: difference -1.5, s_a^2/n_a = 5/12, s_b^2/n_b = 4/3,
        // df = 1.75^2 / ((5/12)^2/3 + (4/3)^2/2) = 3.234719, t(0.975; df) = 3.055713,
        // half width 3.055713 sqrt(1.75) = 4.042328.
        const auto w = welchInterval({ 1, 2, 3, 4 }, { 2, 4, 6 });
        QVERIFY(w.defined);
        QCOMPARE(w.difference, -1.5);
        QVERIFY2(std::abs(w.df - 3.234719) < 1e-6, qPrintable(QString::number(w.df, 'g', 10)));
        QVERIFY2(std::abs(w.low + 5.542328) < 1e-5, qPrintable(QString::number(w.low, 'g', 10)));
        QVERIFY(std::abs(w.high - 2.542328) < 1e-5);
        QVERIFY(!w.excludesZero());
        // 80% power: (3.055713 + t(0.8; 3.234719) = 0.967349) x sqrt(1.75) = 5.322010.
        QVERIFY2(std::abs(w.detectable - 5.322010) < 1e-5,
            qPrintable(QString::number(w.detectable, 'g', 10)));
        // a = 10 11 12, b = 1 2 3: difference 9, df = 4, half width 2.776445 sqrt(2/3) = 2.266958.
        const auto apart = welchInterval({ 10, 11, 12 }, { 1, 2, 3 });
        QVERIFY(std::abs(apart.df - 4.0) < 1e-12);
        QVERIFY(std::abs(apart.low - 6.733042) < 1e-5);
        QVERIFY(std::abs(apart.high - 11.266958) < 1e-5);
        QVERIFY(apart.excludesZero());
        // One value, or no spread at all: no interval.
        QVERIFY(!welchInterval({ 1 }, { 2, 3 }).defined);
        QVERIFY(!welchInterval({ 2, 2 }, { 2, 2 }).defined);
        QVERIFY(!welchInterval({ 2, 2 }, { 2, 2 }).excludesZero());
    }

    void tableComparesEachRowWithItsMethodsBaseline()
    {
        QTemporaryDir tmp;
        RunConfig base;
        base.task = Task::Distill;
        base.distill.method = DistillMethod::Dmd2;
        base.distill.teacher = "/runs/teacher.pt"; // absolute: relative is each run folder's own
        base.name = "dmd2";
        auto ddil = base;
        ddil.name = "dmd2-ddil";
        ddil.distill.ddil.beta = { 0.5, 0.25, 0.25 };
        auto close = ddil;
        close.name = "dmd2-ddil-close";
        close.distill.ddil.beta = { 0.5, 0.5, 0.0 };
        TableRequest request;
        request.groupSeeds = true;
        request.teacherSamples = 0;
        const double baseSw[] = { 1, 2, 3, 4 }, ddilSw[] = { 10, 11, 12 }, closeSw[] = { 2, 4, 6 };
        auto add = [&](RunConfig c, const double* values, int n) {
            for (int i = 0; i < n; ++i) {
                c.seed = static_cast<std::uint64_t>(i);
                const auto dir
                    = tmp.filePath(QString::fromStdString(c.name) + "-seed=" + QString::number(i));
                writeRun(dir, c, values[i]);
                request.runDirs.push_back(dir.toStdString());
            }
        };
        add(base, baseSw, 4);
        add(ddil, ddilSw, 3);
        add(close, closeSw, 3);
        const auto table = buildRunTable(request);
        QCOMPARE(int(table.cells.size()), 3);
        const int delta = 9; // run ... seeds, n, sliced W1, then its difference
        QCOMPARE(QString::fromStdString(table.titles[delta]),
            QString("Δ sliced W1 to data vs baseline [95% CI]"));
        QCOMPARE(QString::fromStdString(table.cells[0][7]), QString("4"));
        QCOMPARE(QString::fromStdString(table.cells[0][delta]), QString("baseline"));
        // 10 11 12 against 1 2 3 4: +8.5, Welch df 4.96, marked.
        const auto w = welchInterval({ 10, 11, 12 }, { 1, 2, 3, 4 });
        const auto expected
            = QString("+8.5000 [%1, %2] *").arg(w.low, 0, 'f', 4).arg(w.high, 0, 'f', 4);
        QCOMPARE(QString::fromStdString(table.cells[1][delta]), expected);
        // 2 4 6 against 1 2 3 4: the hand example above, mirrored; not marked.
        QCOMPARE(
            QString::fromStdString(table.cells[2][delta]), QString("+1.5000 [-2.5423, 5.5423]"));
        const auto md = QString::fromStdString(table.markdown());
        QVERIFY2(md.contains("* marks the 1 interval that excludes 0"), qPrintable(md));
        // Without the DDIL row nothing is marked, and the note says so.
        TableRequest unmarked = request;
        unmarked.runDirs.erase(unmarked.runDirs.begin() + 4, unmarked.runDirs.begin() + 7);
        const auto unmarkedMd = QString::fromStdString(buildRunTable(unmarked).markdown());
        QVERIFY2(unmarkedMd.contains("; no interval excludes 0."), qPrintable(unmarkedMd));
        const auto csv = QString::fromStdString(table.csv());
        QVERIFY(csv.contains("sliced_wasserstein_diff,sliced_wasserstein_diff_low"));
        QVERIFY(!csv.contains("mmd_diff"));
        // The same differences for the chart: one per row with a baseline.
        QCOMPARE(int(table.differences.size()), 2);
        const auto& d = table.differences[0];
        QCOMPARE(QString::fromStdString(d.row + " vs " + d.baseline), QString("dmd2-ddil vs dmd2"));
        QVERIFY(d.defined && d.marked && d.low == w.low && d.high == w.high);
        QVERIFY(!table.differences[1].marked && table.differences[1].difference == 1.5);
        const auto png = tmp.filePath("delta.png").toStdString();
        writeDifferencePlot(table, png);
        QFile chart(QString::fromStdString(png));
        QVERIFY(chart.open(QIODevice::ReadOnly));
        QVERIFY(chart.read(8) == QByteArray("\x89PNG\r\n\x1a\n", 8));
        // Without seeds grouped there is nothing to chart: said, and nothing written.
        auto single = request;
        single.groupSeeds = false;
        const auto none = tmp.filePath("none.png").toStdString();
        QVERIFY_THROWS_EXCEPTION(ConfigError, writeDifferencePlot(buildRunTable(single), none));
        QVERIFY(!QFile::exists(QString::fromStdString(none)));
        // --delta picks the compared metrics; an unknown one is named.
        request.deltaMetrics = { "sliced_wasserstein", "mmd" };
        const auto both = buildRunTable(request);
        QCOMPARE(
            QString::fromStdString(both.titles[11]), QString("Δ MMD to data vs baseline [95% CI]"));
        QCOMPARE(
            QString::fromStdString(both.cells[1][11]), QString("+0.0000 (no interval: no spread)"));
        QVERIFY(QString::fromStdString(both.csv()).contains("mmd_diff,mmd_diff_low"));
        request.deltaMetrics = { "fid" };
        QVERIFY_THROWS_EXCEPTION(ConfigError, buildRunTable(request));
    }
};

QTEST_GUILESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
