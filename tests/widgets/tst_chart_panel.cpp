// The chart panel, offscreen: live points reach the charts (raw and smoothed), run folders
// overlay with a legend, the hover read-out names the nearest point, exports write files, and
// the smoothing is TensorBoard's.
#include "session/run_metrics.h"
#include "tests/test_support.h"
#include "widgets/chart_panel.h"
#include "widgets/metric_chart.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;

namespace {
ScalarBatch batchOf(int first, int count)
{
    ScalarBatch batch;
    for (int s = first; s < first + count; ++s) {
        ScalarRow row;
        row.step = s;
        row.values = { { "train/loss", 1.0 / s }, { "train/lcm/consistency_loss", 2.0 / s },
            { "train/lr", 1e-3 }, { "train/ddil/share_data", 0.5 },
            { "train/ddil/share_teacher", 0.2 }, { "train/ddil/share_student", 0.3 } };
        batch.rows.append(row);
    }
    batch.step = first + count - 1;
    batch.totalSteps = 100;
    return batch;
}

void writeRunFolder(const QString& dir, double scale)
{
    QDir().mkpath(dir);
    QFile f(dir + "/metrics.jsonl");
    QVERIFY(f.open(QIODevice::WriteOnly));
    for (int s = 10; s <= 50; s += 10)
        f.write(QStringLiteral("{\"step\":%1,\"elapsed\":1.0,\"train/loss\":%2}\n")
                .arg(s)
                .arg(scale / s)
                .toUtf8());
    f.write("{\"step\":50,\"elapsed\":2.0,\"eval/fid\":3.5,\"eval/precision\":0.7}\n");
    f.write("{\"step\":60,\"elap"); // a line cut short by a crash
}
} // namespace

class TestChartPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { ddil::test::isolateSettings(); }

    void smoothingIsTensorBoardsDebiasedEma()
    {
        // w = 0.5: 1, (0.5*0.5 + 0.5*3)/(1-0.25) = 2.333.., ...
        const auto out = smoothDebiased({ 1.0, 3.0, 3.0 }, 0.5);
        QCOMPARE(out[0], 1.0);
        QVERIFY(std::abs(out[1] - (0.25 + 1.5) / 0.75) < 1e-12);
        QVERIFY(std::abs(out[2] - (0.875 + 1.5) / 0.875) < 1e-12);
        QCOMPARE(smoothDebiased({ 4.0, 2.0 }, 0.0), (QVector<double> { 4.0, 2.0 }));
        const auto withNan = smoothDebiased({ 1.0, qQNaN(), 1.0 }, 0.9);
        QVERIFY(qIsNaN(withNan[1]));
        QCOMPARE(withNan[2], 1.0);
    }

    void livePointsReachTheChartsRawAndSmoothed()
    {
        ChartPanel panel;
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.showTab(0);
        panel.resetLive("session");
        QSignalSpy shares(&panel, &ChartPanel::sharesReported);
        panel.appendScalars(batchOf(1, 40));
        panel.appendScalars(batchOf(41, 20));
        QCOMPARE(shares.count(), 2);
        QCOMPARE(shares.last().at(2).toDouble(), 0.3);
        panel.refresh();
        MetricChart* loss = panel.chart("chart0");
        QCOMPARE(loss->seriesCount(), 1);
        QCOMPARE(loss->graphCount(), 2); // raw and smoothed
        QCOMPARE(loss->graph(0)->dataCount(), 60);
        QCOMPARE(loss->graph(0)->data()->at(59)->value, 1.0 / 60);
        // The smoothed line lags the falling raw one.
        QVERIFY(loss->graph(1)->data()->at(59)->value > 1.0 / 60);
        QCOMPARE(panel.chart("chart1")->seriesNames(), QStringList { "lcm/consistency_loss" });
        // A resumed run's steps replace what was logged after them.
        panel.appendScalars(batchOf(30, 5));
        QCOMPARE(panel.live().find("train/loss")->steps.size(), 34);
    }

    void evaluationsAndShiftLinesGoToTheirCharts()
    {
        ChartPanel panel;
        ScalarRow row;
        row.step = 100;
        row.values = { { "eval/fid", 4.2 }, { "eval/precision", 0.6 }, { "eval/recall", 0.5 },
            { "shift/fd_sf/k4", 3.8 }, { "shift/fd_sf/k2", 4.8 }, { "shift/fd_st/k4", 0.2 },
            { "shift/loss_gap/k4", 0.01 }, { "intervene/j1/fid", 2.0 },
            { "intervene/p0.5/fid", 2.2 }, { "intervene/j1/recall", 0.4 } };
        panel.appendRow(row);
        panel.showTab(2);
        panel.refresh();
        MetricChart* shift = panel.chart("chart8");
        QCOMPARE(shift->seriesNames(), (QStringList { "k2", "k4" }));
        QCOMPARE(panel.chart("chart9")->seriesNames(), QStringList { "k4" });
        QCOMPARE(panel.chart("chart11")->seriesNames(), (QStringList { "j1", "p0.5" }));
        panel.showTab(1);
        QCOMPARE(panel.chart("chart4")->seriesNames(), QStringList { "fid" });
        QCOMPARE(panel.chart("chart5")->seriesCount(), 2);
    }

    void runFoldersOverlayWithALegendAndHoverReadout()
    {
        QTemporaryDir dir;
        writeRunFolder(dir.filePath("baseline"), 2.0);
        writeRunFolder(dir.filePath("ddil"), 1.0);
        ChartPanel panel;
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QString error;
        QVERIFY(panel.addOverlay(dir.filePath("baseline"), &error));
        QVERIFY(panel.addOverlay(dir.filePath("ddil"), &error));
        QVERIFY(!panel.addOverlay(dir.filePath("missing"), &error));
        QVERIFY(error.contains("metrics.jsonl"));
        QCOMPARE(panel.overlayCount(), 2);
        panel.showTab(0);
        panel.setSmoothing(0.0);
        panel.refresh();
        MetricChart* loss = panel.chart("chart0");
        QCOMPARE(loss->seriesNames(), (QStringList { "baseline · loss", "ddil · loss" }));
        QCOMPARE(loss->graph(1)->data()->at(0)->value, 2.0 / 10); // smoothing 0: raw
        loss->replot();
        // Hover over baseline's point at step 30.
        const QPointF at(loss->xAxis->coordToPixel(30), loss->yAxis->coordToPixel(2.0 / 30));
        QCOMPARE(loss->readoutAt(at), QString("baseline · loss: step 30, 0.066667"));
        QCOMPARE(loss->readoutAt(QPointF(1, 1)), QString());
        panel.setLogScale(true);
        QCOMPARE(loss->yAxis->scaleType(), QCPAxis::stLogarithmic);
        panel.clearOverlays();
        QCOMPARE(loss->seriesCount(), 0);
    }

    void exportsPngPdfAndCsv()
    {
        QTemporaryDir dir;
        ChartPanel panel;
        panel.resetLive("my session");
        panel.appendScalars(batchOf(1, 10));
        QString error;
        const QStringList charts = panel.exportCharts(dir.filePath("charts"), true, &error);
        QVERIFY2(charts.contains(dir.filePath("charts/Loss.png")), qPrintable(charts.join(",")));
        QVERIFY(charts.contains(dir.filePath("charts/Loss.pdf")));
        QVERIFY(QImage(dir.filePath("charts/Loss.png")).width() == 900);
        QFile pdf(dir.filePath("charts/Loss.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(4) == "%PDF");
        const QStringList csv = panel.exportCsv(dir.filePath("metrics"), &error);
        QCOMPARE(csv, QStringList { dir.filePath("metrics/my_session.csv") });
        QFile file(csv.first());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 11);
        QVERIFY(lines[0].startsWith("step,train/ddil/share_data"));
        QVERIFY(lines[2].startsWith("2,0.5,"));
        QVERIFY(lines[2].contains(",0.5,")); // train/loss at step 2
    }
};

QTEST_MAIN(TestChartPanel)
#include "tst_chart_panel.moc"
