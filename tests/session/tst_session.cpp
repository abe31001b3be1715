// The real session through the main window, offscreen: a tiny toy distillation starts, reports,
// takes a mixture change, pauses, stops with a checkpoint; its exported config loads back equal
// and a headless run of it reproduces the session's losses; the session form validates as you
// type; worker errors reach a dialog and leave the window alive.
#include "core/api/config_io.h"
#include "core/api/run.h"
#include "session/run_metrics.h"
#include "session/training_session.h"
#include "tests/core/distill_fixture.h"
#include "widgets/chart_panel.h"
#include "widgets/main_window.h"
#include "widgets/mixture_panel.h"
#include "widgets/run_controls.h"
#include "widgets/sample_panel.h"
#include "widgets/session_form.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;

namespace {
RunConfig tinySession(int steps)
{
    auto c = test::toyDistillConfig(DistillMethod::Dmd2);
    c.name = "gui-session";
    c.train.steps = steps;
    c.train.batch_size = 64;
    c.train.log_every = 5;
    c.train.checkpoint_every = 0;
    c.eval.every = 0;
    c.eval.count = 64;
    c.runtime.threads = 1;
    c.distill.ddil.beta = { 0.5, 0.25, 0.25 };
    c.distill.ddil.buffer_capacity = 128;
    c.distill.ddil.refresh_every = 4;
    c.distill.dmd2.fake_updates = 1;
    return c;
}

QString writeConfig(const QString& path, const RunConfig& c)
{
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(QByteArray::fromStdString(configToJson(c)));
    return path;
}

// train/loss at each step, as the charts received it.
std::vector<double> liveLosses(const ChartPanel& charts)
{
    const MetricSeries* s = charts.live().find("train/loss");
    return s ? std::vector<double>(s->values.begin(), s->values.end()) : std::vector<double> {};
}
} // namespace

class TestSession : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        test::isolateSettings();
        QSettings().setValue("runs/root", m_dir.filePath("runs"));
        QSettings().setValue("samples/perRun", 4);
    }

    void aSessionRunsIsSteeredAndItsExportReproducesIt()
    {
        TrainingSession training;
        MainWindow w(training);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openConfig(writeConfig(m_dir.filePath("tiny.json"), tinySession(40))));
        QVERIFY(w.runControls()->startAction()->isEnabled());
        w.mixture()->setSendDelay(0);
        QSignalSpy states(w.session(), &Session::stateChanged);
        // Change the mixture once training is under way: it reaches the worker and is recorded.
        bool changed = false;
        connect(w.session(), &Session::scalarsReported, this, [&](const ScalarBatch& batch) {
            if (!changed && batch.step >= 8) {
                changed = true;
                w.mixture()->setPrior(2, 0.7);
            }
        });
        w.runControls()->startAction()->trigger();
        QVERIFY(w.session()->isActive());
        QVERIFY(!w.form()->isEnabled()); // the form is locked while training
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Finished, 120000);
        QVERIFY(changed);
        const std::vector<double> session = liveLosses(*w.charts());
        QCOMPARE(int(session.size()), 40);
        QCOMPARE(w.runControls()->progressBar()->value(), 40);
        // Snapshots at the start, every 10 steps and at the end; the slider has them all.
        QCOMPARE(w.samples()->snapshotCount(), 5);
        QCOMPARE(w.samples()->current()->step, qint64(40));
        // The realised shares were shown beside the set priors.
        QVERIFY(w.mixture()->findChild<QLabel*>("realised2")->text() != "–");

        const RunConfig recorded = w.session()->sessionConfig();
        QCOMPARE(int(recorded.distill.ddil.changes.size()), 1);
        QVERIFY(std::abs(recorded.distill.ddil.changes[0].beta[2] - 0.7) < 1e-9);
        QVERIFY(recorded.distill.ddil.changes[0].step >= 8);

        // Export, then load: an equal config.
        const QString exported = m_dir.filePath("exported.json");
        QString error;
        QVERIFY2(w.exportConfig(exported, &error), qPrintable(error));
        const ConfigLoadResult loaded = loadConfigFile(exported.toStdString());
        QVERIFY(loaded.ok());
        QVERIFY(loaded.config == recorded);

        // The headless run of the exported config gives the GUI session's losses.
        std::vector<double> headless;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) { headless.push_back(r.scalars.front().second); };
        RunOptions options;
        options.outDir = m_dir.filePath("headless").toStdString();
        CancelToken cancel;
        runTraining(loaded.config, options, hooks, cancel);
        QCOMPARE(headless.size(), session.size());
        for (std::size_t i = 0; i < session.size(); ++i)
            QVERIFY2(std::abs(headless[i] - session[i]) <= 1e-5 * std::abs(session[i]),
                qPrintable(
                    QString("step %1: %2 vs %3").arg(i + 1).arg(headless[i]).arg(session[i])));

        // And so does the `ddil` command on the exported file: the same metrics log as the GUI's.
        QProcess ddil;
        ddil.start(
            test::ddilBinary(), { "run", exported, "--out", m_dir.filePath("cli"), "--quiet" });
        QVERIFY(ddil.waitForFinished(120000));
        QCOMPARE(ddil.exitCode(), 0);
        RunMetrics gui, cli;
        QVERIFY(gui.loadJsonLines(w.session()->runDir() + "/metrics.jsonl", &error));
        QVERIFY(cli.loadJsonLines(m_dir.filePath("cli/metrics.jsonl"), &error));
        QCOMPARE(cli.find("train/loss")->steps, gui.find("train/loss")->steps);
        for (int i = 0; i < gui.find("train/loss")->values.size(); ++i) {
            const double a = gui.find("train/loss")->values[i];
            const double b = cli.find("train/loss")->values[i];
            QVERIFY2(std::abs(a - b) <= 1e-5 * std::abs(a), qPrintable(QString::number(i)));
        }
        // The mixture change is logged at the same step in both.
        QVERIFY(gui.find("ddil/set_beta_student"));
        QCOMPARE(
            cli.find("ddil/set_beta_student")->steps, gui.find("ddil/set_beta_student")->steps);

        // Export Report writes charts, metrics, samples and the config.
        const QString report = m_dir.filePath("report");
        QVERIFY2(w.exportReport(report, &error), qPrintable(error));
        for (const char* file :
            { "report.md", "config.json", "samples.png", "charts/Loss.png", "charts/Loss.pdf" })
            QVERIFY2(QFile::exists(report + "/" + file), file);
    }

    void pauseHoldsTheRunAndStopCheckpoints()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openConfig(writeConfig(m_dir.filePath("long.json"), tinySession(100000))));
        QVERIFY(w.startSession());
        QTRY_VERIFY_WITH_TIMEOUT(w.charts()->live().lastStep() >= 3, 60000);
        w.runControls()->pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Paused, 20000);
        QVERIFY(w.runControls()->pauseAction()->isChecked());
        QTest::qWait(300);
        const qint64 held = w.charts()->live().lastStep();
        QTest::qWait(500);
        QCOMPARE(w.charts()->live().lastStep(), held);
        // A checkpoint asked for while paused is written at once.
        QSignalSpy checkpoints(w.session(), &Session::checkpointWritten);
        w.session()->requestCheckpoint();
        QTRY_COMPARE_WITH_TIMEOUT(checkpoints.count(), 1, 20000);
        QCOMPARE(checkpoints.first().at(1).toLongLong(), held);
        w.runControls()->pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Running, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(w.charts()->live().lastStep() > held, 20000);
        w.runControls()->stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Cancelled, 60000);
        const QString dir = w.session()->runDir();
        QVERIFY(QFile::exists(dir + "/checkpoint.safetensors"));
        QCOMPARE(QString::fromStdString(runStatus(dir.toStdString())), QString("cancelled"));
        QVERIFY(w.runControls()->startAction()->isEnabled());
    }

    void aStoppedRunFolderOpensAndContinues()
    {
        QString dir;
        {
            TrainingSession training;
            MainWindow w(training);
            QVERIFY(w.openConfig(writeConfig(m_dir.filePath("resumable.json"), tinySession(30))));
            QVERIFY(w.startSession());
            QTRY_VERIFY_WITH_TIMEOUT(w.charts()->live().lastStep() >= 6, 60000);
            w.session()->stop();
            QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Cancelled, 60000);
            dir = w.session()->runDir();
        }
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openRunFolder(dir));
        QCOMPARE(w.form()->config().name, std::string("gui-session"));
        // The charts show what the folder logged (train lines every 5 steps).
        QVERIFY(w.charts()->live().find("train/loss"));
        const qint64 stoppedAt = w.charts()->live().lastStep();
        QVERIFY(w.startSession());
        QCOMPARE(w.session()->runDir(), dir);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == SessionState::Finished, 60000);
        // One curve: the resumed steps follow the logged ones without going back.
        const MetricSeries* loss = w.charts()->live().find("train/loss");
        QCOMPARE(loss->steps.last(), 30.0);
        for (int i = 1; i < loss->steps.size(); ++i)
            QVERIFY(loss->steps[i] > loss->steps[i - 1]);
        QVERIFY(stoppedAt >= 5);
        QCOMPARE(QString::fromStdString(runStatus(dir.toStdString())), QString("finished"));
        // Not a run folder: refused with a message, the session stays as it was.
        QVERIFY(!w.openRunFolder(m_dir.filePath("not-a-run")));
        QVERIFY(w.findChild<QMessageBox*>("errorBox")->text().contains("not a run folder"));
        QCOMPARE(w.session()->runDir(), dir);
    }

    // A run folder a headless `ddil run` is still writing: its charts follow the complete lines
    // it appends until its state leaves "running"; it is never resumed beside itself.
    void aRunningHeadlessFolderIsFollowed()
    {
        const QString dir = m_dir.filePath("headless-running");
        QDir().mkpath(dir);
        writeConfig(dir + "/config.json", tinySession(100));
        auto writeText = [](const QString& path, const QByteArray& text, bool append) {
            QFile f(path);
            QVERIFY(
                f.open(append ? QIODevice::Append : QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(text);
        };
        writeText(dir + "/state.json", R"({"status": "running", "step": 10})", false);
        writeText(dir + "/checkpoint.safetensors", "not read", false);
        writeText(dir + "/metrics.jsonl",
            "{\"step\":5,\"train/loss\":0.5}\n{\"step\":10,\"train/loss\":0.4}\n", false);
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openRunFolder(dir));
        QCOMPARE(w.charts()->live().lastStep(), qint64(10));
        writeText(
            dir + "/metrics.jsonl", "{\"step\":15,\"train/loss\":0.3}\n{\"step\":20,\"tra", true);
        QTRY_COMPARE_WITH_TIMEOUT(w.charts()->live().lastStep(), qint64(15), 5000);
        QTest::qWait(1200);
        QCOMPARE(w.charts()->live().lastStep(), qint64(15)); // the half line waits
        writeText(dir + "/metrics.jsonl", "in/loss\":0.2}\n", true);
        QTRY_COMPARE_WITH_TIMEOUT(w.charts()->live().lastStep(), qint64(20), 5000);
        QCOMPARE(w.charts()->live().find("train/loss")->values.last(), 0.2);
        // Finished: following stops; later lines are not read.
        writeText(dir + "/state.json", R"({"status": "finished", "step": 20})", false);
        QTest::qWait(2500);
        writeText(dir + "/metrics.jsonl", "{\"step\":25,\"train/loss\":0.1}\n", true);
        QTest::qWait(1500);
        QCOMPARE(w.charts()->live().lastStep(), qint64(20));
        // Start on a folder that is training elsewhere begins a new run instead of resuming it.
        writeText(dir + "/state.json", R"({"status": "running", "step": 25})", false);
        QVERIFY(w.openRunFolder(dir));
        QVERIFY(w.startSession());
        QVERIFY(w.session()->runDir() != dir);
        w.session()->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!w.session()->isActive(), 60000);
    }

    // A run trained headless: opening its folder samples its checkpoint off the GUI thread, so
    // its teacher and student grids show as a session's would.
    void aHeadlessDistillRunShowsItsGrids()
    {
        const QString config = writeConfig(m_dir.filePath("headless.json"), tinySession(12));
        const QString dir = m_dir.filePath("headless-finished");
        QProcess ddil;
        ddil.start(test::ddilBinary(), { "run", config, "--out", dir, "--quiet" });
        QVERIFY(ddil.waitForFinished(120000));
        QCOMPARE(ddil.exitCode(), 0);
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openRunFolder(dir));
        QTRY_COMPARE_WITH_TIMEOUT(w.samples()->snapshotCount(), 1, 60000);
        const SnapshotView* shown = w.samples()->current();
        QCOMPARE(shown->step, qint64(12));
        QVERIFY(shown->teacher() != nullptr);
        QCOMPARE(shown->trainedSteps, int(tinySession(12).distill.student_steps));
        QVERIFY(shown->student(shown->trainedSteps) != nullptr);
        QCOMPARE(shown->student(shown->trainedSteps)->points.size(), 1000); // 2-D: 1000 points
        QCOMPARE(shown->trajectory.size(), shown->trainedSteps);
    }

    void workerErrorsShowADialogAndTheWindowLives()
    {
        TrainingSession training;
        MainWindow w(training);
        auto c = tinySession(10);
        c.distill.teacher = m_dir.filePath("not-a-checkpoint.safetensors").toStdString();
        QFile bad(QString::fromStdString(c.distill.teacher));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("garbage");
        bad.close();
        QVERIFY(w.openConfig(writeConfig(m_dir.filePath("bad-teacher.json"), c)));
        QSignalSpy failed(w.session(), &Session::failed);
        QVERIFY(w.startSession());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY(failed.first().first().toString().contains("not-a-checkpoint.safetensors"));
        QVERIFY(w.session()->state() == SessionState::Failed);
        auto* box = w.findChild<QMessageBox*>("errorBox");
        QVERIFY(box);
        QVERIFY(box->text().contains("not-a-checkpoint.safetensors"));
        box->accept();
        QVERIFY(w.runControls()->startAction()->isEnabled());
    }

    void theFormValidatesAsYouTypeAtTheField()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openConfig(writeConfig(m_dir.filePath("form.json"), tinySession(10))));
        SessionForm* form = w.form();
        QVERIFY(!form->hasErrors());
        // N = 3 does not divide the teacher's 32 steps.
        auto* steps = qobject_cast<QSpinBox*>(form->fieldFor("distill.student_steps"));
        steps->setValue(3);
        QVERIFY(form->hasErrors());
        const QString error = form->fieldError("distill.ddil.teacher_steps");
        QVERIFY2(error.contains("multiple of distill.student_steps"), qPrintable(error));
        QVERIFY(form->fieldFor("distill.ddil.teacher_steps")
                ->toolTip()
                .startsWith("distill.ddil.teacher_steps: "));
        QVERIFY(!w.runControls()->startAction()->isEnabled());
        QVERIFY(!w.config().has_value());
        auto* teacherSteps = qobject_cast<QSpinBox*>(form->fieldFor("distill.ddil.teacher_steps"));
        teacherSteps->setValue(33);
        QVERIFY(!form->hasErrors());
        QVERIFY(w.runControls()->startAction()->isEnabled());
        QCOMPARE(w.config()->distill.student_steps, 3);
        // A learning rate out of range is named with its path.
        qobject_cast<QDoubleSpinBox*>(form->fieldFor("train.lr"))->setValue(0.0);
        QVERIFY(!form->hasErrors()); // 0 is allowed
    }
};

QTEST_MAIN(TestSession)
#include "tst_session.moc"
