// The Fashion-MNIST distillation presets as a user runs them (`ddil run`), three times each for 20
// steps (DMD2, whose step rolls the student out six times: 10): every loss finite, and the three
// runs equal step for step. On Debian 13's LibTorch 2.6 oneDNN's convolutions read padding it never
// wrote, and these runs turned into NaN at random steps (core/runtime/cpu_convolution.h); repeated
// runs of one config are the test for memory read before it is written.
#include "core/cli/exit_codes.h"
#include "tests/test_support.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>
#include <vector>

using namespace ddil;

class TestPresets : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void presetsTrainFiniteAndRepeatable_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::newRow("pd") << "pd";
        QTest::newRow("lcm") << "lcm";
        QTest::newRow("dmd2") << "dmd2";
    }

    void presetsTrainFiniteAndRepeatable()
    {
        QFETCH(QString, preset);
        const QString source
            = test::sourceDir() + "/configs/fashion-mnist/distill/" + preset + ".json";
        QVERIFY(QFile::exists(source));
        // The preset itself, for 20 steps (DMD2: 10), every step logged; one thread so that the
        // three runs must agree bit for bit; a final evaluation of 160 samples instead of 2,000
        // (the FID needs more than its 128 feature dimensions). The three runs train side by side.
        const int steps = preset == "dmd2" ? 10 : 20;
        const QString config = m_dir.filePath(preset + "-short.json");
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(
            QJsonObject {
                { "schema_version", 1 },
                { "extends", source },
                { "runtime", QJsonObject { { "threads", 1 }, { "device", "cpu" } } },
                { "train",
                    QJsonObject {
                        { "steps", steps }, { "log_every", 1 }, { "checkpoint_every", 0 } } },
                { "eval", QJsonObject { { "count", 160 }, { "imitation_samples", 0 } } },
            })
                .toJson());
        f.close();
        std::vector<std::unique_ptr<QProcess>> runs;
        for (int run = 0; run < 3; ++run) {
            runs.push_back(std::make_unique<QProcess>());
            runs.back()->start(test::ddilBinary(),
                { "run", config, "--out", m_dir.filePath(QString("%1-run%2").arg(preset).arg(run)),
                    "--quiet" });
        }
        QVector<QPair<int, double>> first;
        for (int run = 0; run < 3; ++run) {
            auto& p = *runs[run];
            QVERIFY(p.waitForFinished(test::patienceMs(280000)));
            QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == exit_code::kOk,
                qPrintable(QString("run %1: %2")
                        .arg(run)
                        .arg(QString::fromUtf8(p.readAllStandardError()))));
            const auto losses = ddil::test::loggedLosses(
                m_dir.filePath(QString("%1-run%2").arg(preset).arg(run)));
            QCOMPARE(losses.size(), steps);
            for (const auto& [step, loss] : losses)
                QVERIFY2(
                    std::isfinite(loss), qPrintable(QString("step %1: %2").arg(step).arg(loss)));
            if (run == 0) {
                first = losses;
                continue;
            }
            for (int i = 0; i < losses.size(); ++i)
                QVERIFY2(losses[i] == first[i],
                    qPrintable(QString("run %1, step %2: loss %3, the first run's %4")
                            .arg(run)
                            .arg(losses[i].first)
                            .arg(losses[i].second, 0, 'g', 17)
                            .arg(first[i].second, 0, 'g', 17)));
        }
    }
};

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
