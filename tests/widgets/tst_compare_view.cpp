// The comparison view, offscreen: run folders group as `ddil table --group-seeds` groups them,
// each group's band is the hand-computed mean ± sd (or 95% interval) of its runs, groups tick
// off, a folder still being written is read again, the table compares with a chosen baseline,
// the exports write files, and re-reading 25 summaries stays within the main window's stall.
#include "core/api/config_io.h"
#include "core/api/run_table.h"
#include "tests/test_support.h"
#include "widgets/compare_view.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ddil;

namespace {
// A 2-D distillation run folder: train/loss at steps 10, 20, 30 = scale x (1, 2, 3), and, when
// finished, a final evaluation scoring `sw`.
void writeRun(const QString& dir, const std::string& name, std::uint64_t seed,
    std::vector<double> beta, double scale, double sw, bool finished)
{
    RunConfig c;
    c.task = Task::Distill;
    c.distill.method = DistillMethod::Consistency;
    c.distill.teacher = "/runs/teacher.safetensors";
    c.distill.ddil.beta = std::move(beta);
    c.name = name + "-seed=" + std::to_string(seed);
    c.seed = seed;
    QDir().mkpath(dir);
    auto write = [&](const char* file, const QByteArray& text) {
        QFile f(dir + "/" + file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
    };
    write("config.json", QByteArray::fromStdString(configToJson(c)));
    write("state.json",
        finished ? R"({"status": "finished", "step": 30, "elapsed_seconds": 60})"
                 : R"({"status": "running", "step": 20})");
    QByteArray lines;
    for (int s = 1; s <= (finished ? 3 : 2); ++s)
        lines += QStringLiteral("{\"step\":%1,\"elapsed\":1.0,\"train/loss\":%2}\n")
                     .arg(10 * s)
                     .arg(scale * s)
                     .toUtf8();
    if (finished)
        lines += QStringLiteral("{\"step\":30,\"eval/sliced_wasserstein\":%1,\"eval/mmd\":0.01}\n")
                     .arg(sw)
                     .toUtf8();
    write("metrics.jsonl", lines);
}
} // namespace

class TestCompareView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { ddil::test::isolateSettings(); }

    void groupsBandsTableAndExports()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath("sweep");
        // Two arms of two seeds each, one folder deeper, as a reproduction folder has them.
        writeRun(root + "/lcm/lcm-seed=0", "lcm", 0, { 1, 0, 0 }, 1.0, 0.020, true);
        writeRun(root + "/lcm/lcm-seed=1", "lcm", 1, { 1, 0, 0 }, 3.0, 0.024, true);
        writeRun(
            root + "/ddil/lcm-ddil-seed=0", "lcm-ddil", 0, { 0.5, 0.25, 0.25 }, 2.0, 0.018, true);
        writeRun(
            root + "/ddil/lcm-ddil-seed=1", "lcm-ddil", 1, { 0.5, 0.25, 0.25 }, 2.0, 0.021, true);
        CompareView view;
        QString error;
        QVERIFY2(view.openFolders({ root }, &error), qPrintable(error));
        const auto& groups = view.comparison().groups();
        QCOMPARE(groups.size(), 2);

        // The grouping is the table's: same rows, same names, same order.
        TableRequest request;
        request.groupSeeds = true;
        request.teacherSamples = 0;
        for (const auto& g : groups)
            for (const auto& r : g.runs)
                request.runDirs.push_back(r.dir.toStdString());
        const auto table = buildRunTable(request);
        QCOMPARE(int(table.cells.size()), groups.size());
        for (int i = 0; i < groups.size(); ++i)
            QCOMPARE(QString::fromStdString(table.cells[i][0]), groups[i].name);
        QCOMPARE(groups[0].name, QString("lcm-ddil")); // folders in path order: ddil/ first

        // The band of train/loss, by hand. lcm: steps 10, 20, 30 of {1, 3}, {2, 6}, {3, 9}.
        view.setMetric("train/loss");
        view.setBandKind(BandKind::StandardDeviation);
        QCOMPARE(view.drawn().size(), 2);
        const auto& lcm = view.drawn()[1].band;
        QCOMPARE(view.drawn()[1].name, QString("lcm"));
        QVERIFY(lcm.steps == std::vector<std::int64_t>({ 10, 20, 30 }));
        QCOMPARE(lcm.mean[1], 4.0);
        QVERIFY(std::abs(lcm.high[1] - (4 + 2 * std::sqrt(2.0))) < 1e-12); // sd of {2, 6}
        view.setBandKind(BandKind::Interval95); // t(0.975, 1) x sd / sqrt(2)
        QVERIFY(std::abs(view.drawn()[1].band.low[2] - (6 - 12.7062047 * 3)) < 1e-5);
        // lcm-ddil's two seeds agree: no spread, the band is the line.
        QCOMPARE(view.drawn()[0].band.low, view.drawn()[0].band.mean);

        // Ticked off, a group is not drawn; the choice survives a refresh.
        view.setGroupShown(0, false);
        QCOMPARE(view.drawn().size(), 1);
        QCOMPARE(view.drawn()[0].name, QString("lcm"));

        // The table: every group against the chosen baseline, paired by seed.
        view.setBaseline("lcm");
        QVERIFY2(view.tableMessage().isEmpty(), qPrintable(view.tableMessage()));
        const QTableWidget* shown = view.table();
        QCOMPARE(shown->rowCount(), 2);
        QCOMPARE(shown->item(1, 0)->text(), QString("lcm"));
        QCOMPARE(shown->item(1, 9)->text(), QString("baseline"));
        QVERIFY2(
            shown->item(0, 9)->text().startsWith("-0.0025"), qPrintable(shown->item(0, 9)->text()));
        QVERIFY(shown->item(0, 10)->text().contains("paired, n = 2"));

        // A run still being written: a new seed appears (regrouped), then its next line.
        writeRun(root + "/lcm/lcm-seed=2", "lcm", 2, { 1, 0, 0 }, 5.0, 0, false);
        view.refresh();
        QCOMPARE(view.comparison().groups()[1].runs.size(), 3);
        QVERIFY(!view.groupShown(0) && view.groupShown(1));
        QCOMPARE(view.drawn()[0].band.runs, std::vector<int>({ 3, 3, 2 }));
        QFile more(root + "/lcm/lcm-seed=2/metrics.jsonl");
        QVERIFY(more.open(QIODevice::Append));
        more.write("{\"step\":30,\"elapsed\":1.0,\"train/loss\":15}\n");
        more.close();
        view.refresh();
        QCOMPARE(view.drawn()[0].band.runs, std::vector<int>({ 3, 3, 3 }));
        QCOMPARE(view.drawn()[0].band.mean[2], 9.0); // {3, 9, 15}
        // The unfinished run stays out of the table (final metrics only).
        QCOMPARE(shown->item(1, 7)->text(), QString("2"));

        // Exports: PNG, CSV (by suffix) and Markdown.
        QVERIFY2(view.exportChart(tmp.filePath("chart.png"), &error), qPrintable(error));
        QFile png(tmp.filePath("chart.png"));
        QVERIFY(png.open(QIODevice::ReadOnly) && png.read(4) == QByteArray("\x89PNG", 4));
        QVERIFY2(view.exportTable(tmp.filePath("table.csv"), &error), qPrintable(error));
        QFile csv(tmp.filePath("table.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly) && csv.readLine().startsWith("run,method"));
        QVERIFY(view.exportTable(tmp.filePath("table.md"), &error));
        QFile md(tmp.filePath("table.md"));
        QVERIFY(md.open(QIODevice::ReadOnly) && md.readLine().startsWith("| run |"));

        // Nothing to compare: said, and the view keeps what it showed.
        QVERIFY(!view.openFolders({ tmp.filePath("empty") }, &error));
        QVERIFY(error.contains("no run folder"));
        QCOMPARE(view.comparison().groups().size(), 2);
    }

    // A reproduction-sized folder, 5 arms x 5 seeds of 300 logged steps each: reading it again
    // while nothing changed blocks the GUI thread for less than the main window's worst
    // measured stall (README: 21 ms).
    void readingAReproductionAgainIsCheap()
    {
        QTemporaryDir tmp;
        for (int arm = 0; arm < 5; ++arm)
            for (std::uint64_t seed = 0; seed < 5; ++seed) {
                const std::string name = "arm" + std::to_string(arm);
                const QString dir = tmp.filePath(
                    QString::fromStdString(name + "/" + name + "-seed=") + QString::number(seed));
                writeRun(
                    dir, name, seed, { 1.0 - 0.1 * arm, 0.05 * arm, 0.05 * arm }, 1.0, 0.02, true);
                QFile f(dir + "/metrics.jsonl");
                QVERIFY(f.open(QIODevice::Append));
                for (int s = 31; s <= 330; ++s)
                    f.write(QStringLiteral("{\"step\":%1,\"elapsed\":%2,\"train/loss\":%3,"
                                           "\"train/lr\":0.0001}\n")
                            .arg(s)
                            .arg(0.5 * s)
                            .arg(1.0 / s)
                            .toUtf8());
            }
        CompareView view;
        QString error;
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(view.openFolders({ tmp.path() }, &error), qPrintable(error));
        const qint64 openMs = clock.elapsed();
        QCOMPARE(view.comparison().runCount(), 25);
        QCOMPARE(view.comparison().groups().size(), 5);
        qint64 worst = 0;
        for (int i = 0; i < 5; ++i) {
            clock.restart();
            view.refresh();
            worst = std::max(worst, clock.elapsed());
        }
        qInfo("25 runs: opened in %lld ms, read again in at most %lld ms", openMs, worst);
        QVERIFY2(worst < 21, qPrintable(QString::number(worst)));
    }
};

QTEST_MAIN(TestCompareView)
#include "tst_compare_view.moc"
