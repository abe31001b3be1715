// The statistics behind `ddil table --group-seeds`: Student t quantiles against published
// tables, Welch's interval against hand-computed examples, and the table's difference column
// on run folders with known metrics.
#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/run_groups.h"
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
// A DMD2 distillation config named `name` with DDIL priors `beta` (the teacher path absolute:
// relative is each run folder's own).
RunConfig dmd2Config(const std::string& name, std::vector<double> beta = { 1, 0, 0 })
{
    RunConfig c;
    c.task = Task::Distill;
    c.distill.method = DistillMethod::Dmd2;
    c.distill.teacher = "/runs/teacher.pt";
    c.name = name;
    c.distill.ddil.beta = std::move(beta);
    return c;
}

// --group-seeds without teacher rows.
TableRequest groupedRequest()
{
    TableRequest request;
    request.groupSeeds = true;
    request.teacherSamples = 0;
    return request;
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

    void pairedIntervalMatchesAHandComputation()
    {
        // d = a - b = 0.5 0.6 0.1 0.9 0.5: mean 0.52, s^2 = 0.328 / 4 = 0.082, se = sqrt(0.082 / 5)
        // = 0.128062, t(0.975; 4) = 2.776445: [0.164442, 0.875558].
        const std::vector<double> a { 2, 3, 4, 5, 6.5 }, b { 1.5, 2.4, 3.9, 4.1, 6 };
        const auto p = pairedInterval(a, b);
        QVERIFY(p.defined && p.kind == IntervalKind::Paired && p.pairs == 5);
        QVERIFY(std::abs(p.difference - 0.52) < 1e-12);
        QCOMPARE(p.df, 4.0);
        QVERIFY(std::abs(p.standardError - 0.128062) < 1e-6);
        QVERIFY2(std::abs(p.low - 0.164442) < 1e-5, qPrintable(QString::number(p.low, 'g', 10)));
        QVERIFY(std::abs(p.high - 0.875558) < 1e-5);
        QVERIFY(p.excludesZero());
        // Two-sided p of t = 0.52 / 0.128062 = 4.060518 with 4 degrees of freedom, from the
        // closed form of Student's t CDF at 4 df: F(t) = 1/2 + t (t^2 + 6) / (2 (t^2 + 4)^1.5).
        const double t = 4.060518, cdf = 0.5 + t * (t * t + 6) / (2 * std::pow(t * t + 4, 1.5));
        QVERIFY2(std::abs(p.pValue - 2 * (1 - cdf)) < 1e-6,
            qPrintable(QString::number(p.pValue, 'g', 10))); // 0.015342
        // The same values read as independent groups: the spread between seeds swamps the
        // difference, and Welch's interval contains 0.
        const auto w = welchInterval(a, b);
        QVERIFY(w.kind == IntervalKind::Welch && !w.excludesZero() && w.pValue > 0.5);
        // Smallest detectable: (2.776445 + t(0.8; 4) = 0.940965) x 0.128062 = 0.476061, and its
        // 95% interval from chi-square(4): x sqrt(4 / 11.143287) and x sqrt(4 / 0.484419).
        QVERIFY(std::abs(p.detectable - 0.476061) < 1e-5);
        QVERIFY2(std::abs(p.detectableLow - 0.285224) < 1e-5,
            qPrintable(QString::number(p.detectableLow, 'g', 10)));
        QVERIFY2(std::abs(p.detectableHigh - 1.367987) < 1e-5,
            qPrintable(QString::number(p.detectableHigh, 'g', 10)));
        // Unequal sizes are no pairs; one pair or no spread gives no interval.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pairedInterval({ 1, 2 }, { 1 }));
        QVERIFY(!pairedInterval({ 1 }, { 2 }).defined);
        QVERIFY(!pairedInterval({ 3, 4 }, { 2, 3 }).defined);
    }

    void chiSquareQuantilesMatchTheTables()
    {
        QVERIFY(std::abs(chiSquareQuantile(0.975, 4) - 11.143287) < 1e-5);
        QVERIFY(std::abs(chiSquareQuantile(0.025, 4) - 0.484419) < 1e-5);
        QVERIFY(std::abs(chiSquareQuantile(0.95, 1) - 3.841459) < 1e-5);
        QVERIFY(std::abs(chiSquareQuantile(0.5, 2) - 1.386294) < 1e-5); // 2 ln 2
        QVERIFY(std::abs(chiSquareQuantile(0.05, 30) - 18.492661) < 1e-4);
    }

    void holmAdjustmentMatchesAHandExample()
    {
        // Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06
        // (never below the previous one); NaN is no test and does not count in m.
        const auto nan = std::nan("");
        const auto h = holmAdjusted({ 0.01, 0.04, nan, 0.03, 0.005 });
        const std::vector<double> expected { 0.03, 0.06, nan, 0.06, 0.02 };
        for (size_t i = 0; i < h.size(); ++i) {
            if (std::isnan(expected[i]))
                QVERIFY(std::isnan(h[i]));
            else
                QVERIFY2(std::abs(h[i] - expected[i]) < 1e-12, qPrintable(QString::number(h[i])));
        }
        // Capped at 1.
        QCOMPARE(holmAdjusted({ 0.6, 0.7 })[1], 1.0);
        QVERIFY(holmAdjusted({}).empty());
    }

    // Rows holding the baseline's seeds with the same evaluation are paired by seed; a row
    // evaluated otherwise falls back to Welch's; Holm adjusts over the table's comparisons.
    void tablePairsRowsBySeedAndAdjustsWithHolm()
    {
        QTemporaryDir tmp;
        const auto base = dmd2Config("dmd2"), ddil = dmd2Config("dmd2-ddil", { 0.5, 0.25, 0.25 });
        auto other = dmd2Config("dmd2-ddil-other-evaluation", { 0, 0.5, 0.5 });
        other.eval.count = base.eval.count + 1000;
        auto request = groupedRequest();
        auto add = [&](RunConfig c, std::vector<double> values) {
            for (size_t i = 0; i < values.size(); ++i) {
                c.seed = i;
                const auto dir = tmp.filePath(
                    QString::fromStdString(c.name) + "-seed=" + QString::number(int(i)));
                writeRun(dir, c, values[i]);
                request.runDirs.push_back(dir.toStdString());
            }
        };
        add(base, { 2, 3, 4, 5, 6.5 });
        add(ddil, { 2.5, 3.6, 4.1, 5.9, 7 }); // the paired example: d = 0.5 0.6 0.1 0.9 0.5
        add(other, { 3, 4, 5, 6, 7.5 }); // +1 everywhere, but another evaluation: Welch
        const auto table = buildRunTable(request);
        const int delta = 9;
        QCOMPARE(QString::fromStdString(table.titles[delta + 1]),
            QString("Δ sliced W1 to data: p, Holm-adjusted p (interval)"));
        QCOMPARE(
            QString::fromStdString(table.cells[1][delta]), QString("+0.5200 [0.1644, 0.8756] *"));
        // p = 0.015342 (paired) and Welch's p for +1 with se = sqrt(2 x 3.2 / 5)... read back from
        // the interval itself; Holm: 2 x 0.015342 = 0.031, then max(0.031, p_Welch).
        QCOMPARE(QString::fromStdString(table.cells[1][delta + 1]),
            QString("p = 0.015, Holm = 0.031 † (paired, n = 5)"));
        const auto w = welchInterval({ 3, 4, 5, 6, 7.5 }, { 2, 3, 4, 5, 6.5 });
        const auto welchP = QString::number(w.pValue, 'f', 2);
        QCOMPARE(QString::fromStdString(table.cells[2][delta + 1]),
            QString("p = %1, Holm = %1 (Welch)").arg(welchP));
        QCOMPARE(int(table.differences.size()), 2);
        QVERIFY(table.differences[0].paired && !table.differences[1].paired);
        QVERIFY(std::abs(table.differences[0].pHolm - 2 * table.differences[0].pValue) < 1e-12);
        QCOMPARE(table.differences[1].pHolm, table.differences[1].pValue);
        const auto md = QString::fromStdString(table.markdown());
        QVERIFY2(md.contains("adjusted over the table's 2 comparisons; † marks the 1 that stay"),
            qPrintable(md));
        const auto csv = QString::fromStdString(table.csv());
        QVERIFY2(csv.contains(",paired,5,0.015342,0.030684,"), qPrintable(csv));
        QVERIFY(csv.contains("sliced_wasserstein_diff_detectable_low"));
        // Seeds that differ between the rows cannot pair: Welch.
        request.runDirs.erase(request.runDirs.begin() + 5); // dmd2-ddil seed 0
        const auto unpaired = buildRunTable(request);
        QVERIFY(!unpaired.differences[0].paired);
        QVERIFY(QString::fromStdString(unpaired.cells[1][delta + 1]).endsWith("(Welch)"));
    }

    void tableComparesEachRowWithItsMethodsBaseline()
    {
        QTemporaryDir tmp;
        const auto base = dmd2Config("dmd2"), ddil = dmd2Config("dmd2-ddil", { 0.5, 0.25, 0.25 });
        const auto close = dmd2Config("dmd2-ddil-close", { 0.5, 0.5, 0.0 });
        auto request = groupedRequest();
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
            QString::fromStdString(both.titles[12]), QString("Δ MMD to data vs baseline [95% CI]"));
        QCOMPARE(
            QString::fromStdString(both.cells[1][12]), QString("+0.0000 (no interval: no spread)"));
        QVERIFY(QString::fromStdString(both.csv()).contains("mmd_diff,mmd_diff_low"));
        request.deltaMetrics = { "fid" };
        QVERIFY_THROWS_EXCEPTION(ConfigError, buildRunTable(request));
    }

    // The groups `ddil table --group-seeds` makes are groupRunFolders' (the comparison view's):
    // configs equal but for seed, name and runtime; named without the "-seed=N" parts.
    void runFoldersGroupAsTheTableGroupsThem()
    {
        QTemporaryDir tmp;
        auto request = groupedRequest();
        std::vector<std::string> dirs;
        auto add = [&](RunConfig c, std::uint64_t seed, int threads, double sw) {
            c.seed = seed;
            c.runtime.threads = threads;
            c.name += "-seed=" + std::to_string(seed) + "-steps=2";
            const auto dir = tmp.filePath(QString::fromStdString(c.name));
            writeRun(dir, c, sw);
            dirs.push_back(dir.toStdString());
        };
        add(dmd2Config("dmd2"), 0, 1, 2.0);
        add(dmd2Config("dmd2-ddil", { 0.5, 0.25, 0.25 }), 0, 1, 2.5);
        add(dmd2Config("dmd2"), 1, 2, 3.0); // another seed and thread count: the same group
        add(dmd2Config("dmd2-ddil", { 0.5, 0.25, 0.25 }), 1, 1, 3.6);
        auto lr = dmd2Config("dmd2-lr");
        lr.train.lr *= 2; // another config: a group of its own, named as its one run
        add(lr, 0, 1, 9.0);
        const auto groups = groupRunFolders(dirs);
        QCOMPARE(int(groups.size()), 3);
        QCOMPARE(QString::fromStdString(groups[0].name), QString("dmd2-steps=2"));
        QVERIFY(groups[0].dirs == std::vector<std::string>({ dirs[0], dirs[2] }));
        QVERIFY(groups[0].seeds == std::vector<std::uint64_t>({ 0, 1 }));
        QCOMPARE(QString::fromStdString(groups[1].name), QString("dmd2-ddil-steps=2"));
        QCOMPARE(QString::fromStdString(groups[2].name), QString("dmd2-lr-seed=0-steps=2"));
        request.runDirs = dirs;
        const auto table = buildRunTable(request);
        QCOMPARE(int(table.cells.size()), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(
                QString::fromStdString(table.cells[i][0]), QString::fromStdString(groups[i].name));
        // A chosen baseline: every other row against it (dmd2 {2, 3} vs dmd2-ddil {2.5, 3.6}).
        request.baseline = "dmd2-ddil-steps=2";
        const auto chosen = buildRunTable(request);
        QCOMPARE(QString::fromStdString(chosen.cells[1][9]), QString("baseline"));
        QCOMPARE(QString::fromStdString(
                     chosen.differences.front().row + " vs " + chosen.differences.front().baseline),
            QString("dmd2-steps=2 vs dmd2-ddil-steps=2"));
        QVERIFY(std::abs(chosen.differences.front().difference + 0.55) < 1e-12);
        QVERIFY(chosen.differences.front().paired);
        request.baseline = "no-such-row";
        QVERIFY_THROWS_EXCEPTION(ConfigError, buildRunTable(request));
        // A folder without a config is named.
        try {
            groupRunFolders({ tmp.filePath("missing").toStdString() });
            QFAIL("a folder without config.json was grouped");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains("missing: not a run folder"));
        }
    }

    // The band of a group's curves, by hand: steps 0, 10, 20 of runs {1, 2, 4} and {3, 4, 6}
    // (and a third run that logged step 20 only, 8).
    void seedBandMatchesAHandComputation()
    {
        const std::vector<StepCurve> curves { { { 0, 1 }, { 10, 2 }, { 20, 4 } },
            { { 0, 3 }, { 10, 4 }, { 20, 6 } }, { { 20, 8 } } };
        const auto sd = seedBand(curves, BandKind::StandardDeviation);
        QVERIFY(sd.steps == std::vector<std::int64_t>({ 0, 10, 20 }));
        QVERIFY(sd.runs == std::vector<int>({ 2, 2, 3 }));
        QCOMPARE(sd.mean[0], 2.0);
        QVERIFY(std::abs(sd.low[0] - (2 - std::sqrt(2.0))) < 1e-12);
        QVERIFY(std::abs(sd.high[1] - (3 + std::sqrt(2.0))) < 1e-12);
        QCOMPARE(sd.mean[2], 6.0); // {4, 6, 8}: sd 2
        QVERIFY(std::abs(sd.high[2] - 8.0) < 1e-12);
        // 95% interval of the mean: t(0.975, 1) = 12.7062 x sqrt(2) / sqrt(2); at step 20
        // t(0.975, 2) = 4.3027 x 2 / sqrt(3).
        const auto ci = seedBand(curves, BandKind::Interval95);
        QVERIFY(std::abs(ci.high[0] - (2 + 12.7062047)) < 1e-6);
        QVERIFY(std::abs(ci.low[2] - (6 - 4.30265273 * 2 / std::sqrt(3.0))) < 1e-6);
        // A step logged by fewer than minRuns runs is left out; NaN values do not count.
        const auto three = seedBand(curves, BandKind::StandardDeviation, 3);
        QVERIFY(three.steps == std::vector<std::int64_t>({ 20 }));
        const auto nan = seedBand({ { { 0, 1 } }, { { 0, std::nan("") } } }, BandKind::Interval95);
        QVERIFY(nan.steps.empty());
        const auto one
            = seedBand({ { { 0, 1 } }, { { 0, std::nan("") } } }, BandKind::Interval95, 1);
        QVERIFY(one.runs == std::vector<int>({ 1 }) && one.low[0] == 1 && one.high[0] == 1);
    }
};

QTEST_GUILESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
