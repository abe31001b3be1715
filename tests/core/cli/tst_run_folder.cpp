// A run folder through everything that can happen to it: interrupts, kill -9, a full disk, a
// second process, leftovers of a kill, links, a log deleted mid-run, and resuming what finished.
#include "core/cli/exit_codes.h"
#include "core/io/tensorboard.h"
#include "tests/core/cli/cli_support.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <csignal>

using namespace ddil;
using namespace ddil::test;

class TestRunFolder : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString path(const char* name) { return m_dir.filePath(name); }

    // The tiny run with a million steps (it runs until stopped), written as `file`; its path.
    QString writeEndlessConfig(const char* file)
    {
        QByteArray endless = kTinyConfig;
        endless.replace("\"steps\": 40", "\"steps\": 1000000");
        writeFile(path(file), endless);
        return path(file);
    }

    // Starts `ddil run config --out out` and waits for its first metrics line (in training).
    void startTraining(QProcess& p, const QString& config, const QString& out)
    {
        p.start(ddil::test::ddilBinary(), { "run", config, "--out", out });
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(
            QFileInfo(out + "/metrics.jsonl").size() > 0, ddil::test::patienceMs(60000));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(ddil::test::ddilBinary()), "DDIL_BIN must point at the built ddil");
    }

    void interruptCheckpointsAndResumeFinishes()
    {
        // SIGINT finishes the current step, writes a checkpoint and exits 130.
        QProcess p;
        startTraining(p, writeEndlessConfig("long.json"), path("long"));
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(ddil::test::patienceMs(60000)));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), exit_code::kInterrupted);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains("interrupted at step") && err.contains("--resume"), qPrintable(err));
        QFile stateFile(path("long/state.json"));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        const QJsonObject state = QJsonDocument::fromJson(stateFile.readAll()).object();
        QCOMPARE(state["status"].toString(), QString("cancelled"));
        QCOMPARE(state["last_checkpoint"].toString(), QString("checkpoint.safetensors"));
        const int step = state["step"].toInt();
        QVERIFY(step > 0);

        // Resuming with the step budget cut to ten more steps finishes the same run.
        QByteArray shorter = kTinyConfig;
        shorter.replace("\"steps\": 40", "\"steps\": " + QByteArray::number(step + 10));
        writeFile(path("short.json"), shorter);
        const auto resumed
            = runDdil({ "run", path("short.json"), "--out", path("long"), "--resume" });
        QVERIFY2(resumed.code == exit_code::kOk, qPrintable(resumed.err));
        QVERIFY2(resumed.err.contains(QString("resuming at step %1").arg(step)),
            qPrintable(resumed.err));
        QVERIFY(resumed.err.contains("changed since the checkpoint: train.steps: 1000000 -> "));
        QVERIFY(resumed.out.contains(QString("at step %1").arg(step + 10)));
    }

    // kill -9 mid-run: --resume continues from the last checkpoint (losing only the steps since),
    // drops the metrics logged after it, and ends exactly where an uninterrupted run ends.
    void killNineThenResumeMatchesAnUninterruptedRun()
    {
        QByteArray config = kTinyConfig;
        config.replace("\"steps\": 40", "\"steps\": 6000");
        config.replace("\"log_every\": 10, \"checkpoint_every\": 20",
            "\"log_every\": 5, \"checkpoint_every\": 25");
        config.replace("\"eval\": {\"every\": 20", "\"eval\": {\"every\": 0");
        writeFile(path("killed.json"), config);
        QProcess p;
        p.start(ddil::test::ddilBinary(), { "run", path("killed.json"), "--out", path("killed") });
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(stateStep(path("killed")) >= 100, ddil::test::patienceMs(60000));
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(ddil::test::patienceMs(30000)));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        const int checkpointed = stateStep(path("killed"));
        QVERIFY(checkpointed % 25 == 0 && checkpointed >= 100);
        const auto beforeResume = ddil::test::loggedLosses(path("killed"));
        QVERIFY(!beforeResume.isEmpty() && beforeResume.last().first >= checkpointed);
        QVERIFY(beforeResume.last().first < 6000); // it was killed mid-run

        const auto resumed
            = runDdil({ "run", path("killed.json"), "--out", path("killed"), "--resume" });
        QVERIFY2(resumed.code == exit_code::kOk, qPrintable(resumed.err));
        // state.json follows the checkpoint's rename: a kill between the two leaves it one
        // checkpoint behind, and the resume starts at the newer one.
        QVERIFY2(resumed.err.contains(QString("resuming at step %1").arg(checkpointed))
                || resumed.err.contains(QString("resuming at step %1").arg(checkpointed + 25)),
            qPrintable(resumed.err));
        const auto whole = runDdil({ "run", path("killed.json"), "--out", path("whole") });
        QCOMPARE(whole.code, exit_code::kOk);
        const auto a = ddil::test::loggedLosses(path("killed")),
                   b = ddil::test::loggedLosses(path("whole"));
        QCOMPARE(a.size(), b.size()); // 1200 lines, none twice
        for (int i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].first, b[i].first);
            QVERIFY2(std::abs(a[i].second - b[i].second) <= 1e-6 * std::abs(b[i].second),
                qPrintable(QString("step %1").arg(a[i].first)));
        }

        // TensorBoard sees the same curve: the resume rebuilt the event file from the kept
        // lines, so no step is there twice and none is past a restart.
        const auto files = eventFilesIn(path("killed").toStdString());
        QCOMPARE(files.size(), size_t(1));
        QVector<QPair<int, double>> fromEvents;
        for (const auto& event : readEventFile(files.front()))
            for (const auto& [tag, value] : event.scalars)
                if (tag == "train/loss")
                    fromEvents.append({ int(event.step), value });
        QCOMPARE(fromEvents.size(), a.size());
        for (int i = 0; i < a.size(); ++i) {
            QCOMPARE(fromEvents[i].first, a[i].first);
            QCOMPARE(float(fromEvents[i].second), float(a[i].second));
        }
    }

    // A full disk, simulated with a file-size limit (RLIMIT_FSIZE; ddil ignores SIGXFSZ, so writes
    // past it fail with EFBIG as they would with ENOSPC): the run fails loudly with the file's
    // name, the previous checkpoint is untouched and still resumes, and state.json says why.
    void fullDiskFailsLoudlyAndKeepsThePreviousCheckpoint()
    {
        writeFile(path("full.json"), kTinyConfig); // 40 steps, a checkpoint every 20
        QCOMPARE(runDdil({ "run", path("full.json"), "--out", path("full"), "--quiet" }).code,
            exit_code::kOk);
        QFile checkpoint(path("full/checkpoint.safetensors"));
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        const QByteArray before = checkpoint.readAll();
        checkpoint.close();
        QVERIFY(before.size() > 40 * 1024);
        QByteArray longer = kTinyConfig;
        longer.replace("\"steps\": 40", "\"steps\": 80");
        writeFile(path("longer.json"), longer);
        // A limit that state.json fits but the rewritten logs do not: a resume that fails while
        // readying its logs says "failed" in state.json, not the status of its last stop.
        QProcess early;
        early.start("bash",
            { "-c", "ulimit -f 2; exec \"$0\" run \"$1\" --out \"$2\" --resume",
                ddil::test::ddilBinary(), path("longer.json"), path("full") });
        QVERIFY(early.waitForFinished(ddil::test::patienceMs(60000)));
        QCOMPARE(early.exitCode(), exit_code::kFile);
        {
            QFile stateFile(path("full/state.json"));
            QVERIFY(stateFile.open(QIODevice::ReadOnly));
            QCOMPARE(QJsonDocument::fromJson(stateFile.readAll()).object()["status"].toString(),
                QString("failed"));
        }
        QProcess p;
        p.start("bash",
            // 75 KiB: the metrics and TensorBoard files fit, the 83 KB checkpoint does not.
            // No `trap '' XFSZ`: ddil ignores the signal itself.
            { "-c", "ulimit -f 75; exec \"$0\" run \"$1\" --out \"$2\" --resume",
                ddil::test::ddilBinary(), path("longer.json"), path("full") });
        QVERIFY(p.waitForFinished(ddil::test::patienceMs(60000)));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), exit_code::kFile);
        QVERIFY2(err.contains(path("full/checkpoint.safetensors")) && err.contains("write failed"),
            qPrintable(err));
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        QVERIFY(checkpoint.readAll() == before); // not a byte changed
        checkpoint.close();
        QFile stateFile(path("full/state.json"));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        const QJsonObject state = QJsonDocument::fromJson(stateFile.readAll()).object();
        QCOMPARE(state["status"].toString(), QString("failed"));
        QVERIFY(state["message"].toString().contains("write failed"));
        // With room again, the run resumes from that checkpoint and finishes.
        const auto resumed
            = runDdil({ "run", path("longer.json"), "--out", path("full"), "--resume", "--quiet" });
        QVERIFY2(resumed.code == exit_code::kOk, qPrintable(resumed.err));
        QCOMPARE(stateStep(path("full")), 80);
    }

    // A name that is not a plain file name would put the run folder elsewhere: refused, with
    // the config's path, before anything is written.
    void nameWithASlashIsRefused()
    {
        QByteArray escape = kTinyConfig;
        escape.replace("\"name\": \"tiny\"", "\"name\": \"../../escape\"");
        writeFile(path("escape.json"), escape);
        const auto r = runDdil({ "run", path("escape.json") });
        QCOMPARE(r.code, exit_code::kInvalidConfig);
        QVERIFY2(r.err.contains(path("escape.json") + ": error: name: must be a plain file name"),
            qPrintable(r.err));
    }

    // One process per run folder: a second one is refused with the holder's PID and changes
    // nothing; the first goes on undisturbed.
    void aSecondProcessOnARunFolderIsRefused()
    {
        QProcess first;
        startTraining(first, writeEndlessConfig("held.json"), path("held"));
        // The lock is on the folder itself: no lock file whose deletion or replacement lets a
        // second writer in.
        QFile::remove(path("held/.lock"));
        writeFile(path("held/.lock"), "");
        for (const QStringList& extra :
            { QStringList {}, QStringList { "--resume" }, QStringList { "--restart" } }) {
            const auto second
                = runDdil(QStringList { "run", path("held.json"), "--out", path("held") } + extra);
            QCOMPARE(second.code, exit_code::kFile);
            QVERIFY2(second.err.contains(path("held") + ": in use by another process (PID "
                         + QString::number(first.processId()) + ")"),
                qPrintable(second.err));
        }
        ::kill(static_cast<pid_t>(first.processId()), SIGINT);
        QVERIFY(first.waitForFinished(ddil::test::patienceMs(60000)));
        QCOMPARE(first.exitCode(), exit_code::kInterrupted);
        // Every step logged once: the refused processes wrote nothing.
        const auto losses = ddil::test::loggedLosses(path("held"));
        for (int i = 1; i < losses.size(); ++i)
            QVERIFY(losses[i].first > losses[i - 1].first);
        // Released with the process: the folder resumes.
        QByteArray shorter = kTinyConfig;
        shorter.replace(
            "\"steps\": 40", "\"steps\": " + QByteArray::number(stateStep(path("held")) + 1));
        writeFile(path("held-short.json"), shorter);
        const auto resumed
            = runDdil({ "run", path("held-short.json"), "--out", path("held"), "--resume", "-q" });
        QVERIFY2(resumed.code == exit_code::kOk, qPrintable(resumed.err));
    }

    // What a kill left behind: temporary files of interrupted writes are removed on start and
    // resume; logs without a checkpoint are refused unless --resume or --restart says what to do.
    void runFoldersHealWhatAKillLeft()
    {
        writeFile(path("heal.json"), kTinyConfig);
        QVERIFY(QDir().mkpath(path("heal/samples")));
        writeFile(path("heal/.checkpoint.safetensors.tmp-99999"), QByteArray(1000, 'x'));
        writeFile(path("heal/samples/.step-20.png.tmp-99999"), "x");
        writeFile(path("heal/metrics.jsonl"), "{\"step\": 10, \"train/loss\": 0.5}\n");
        // Logs, no checkpoint: a plain run neither appends nor starts.
        auto r = runDdil({ "run", path("heal.json"), "--out", path("heal") });
        QCOMPARE(r.code, exit_code::kFile);
        QVERIFY2(
            r.err.contains("stopped before its first checkpoint") && r.err.contains("--restart"),
            qPrintable(r.err));
        QVERIFY(
            !QFile::exists(path("heal/.checkpoint.safetensors.tmp-99999"))); // removed all the same
        QVERIFY(!QFile::exists(path("heal/samples/.step-20.png.tmp-99999")));
        QCOMPARE(ddil::test::loggedLosses(path("heal")).size(), 1);
        // --resume starts it again from step 0 with its logs replaced; so does --restart.
        for (const char* how : { "--resume", "--restart" }) {
            writeFile(path("heal/metrics.jsonl"), "{\"step\": 10, \"train/loss\": 0.5}\n");
            QFile::remove(path("heal/checkpoint.safetensors"));
            writeFile(path("heal/.state.json.tmp-99998"), "{");
            r = runDdil({ "run", path("heal.json"), "--out", path("heal"), how });
            QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
            QVERIFY2(r.err.contains("removed .state.json.tmp-99998"), qPrintable(r.err));
            const auto losses = ddil::test::loggedLosses(path("heal"));
            QCOMPARE(losses.size(), 4); // steps 10, 20, 30, 40 of this run only
            QCOMPARE(losses.first().first, 10);
            QVERIFY(losses.first().second != 0.5);
        }
    }

    // A run folder whose samples/ or log is a link to elsewhere is refused before anything is
    // written through it.
    void linksInARunFolderAreRefused()
    {
        writeFile(path("linked.json"), kTinyConfig);
        QCOMPARE(runDdil({ "run", path("linked.json"), "--out", path("linked"), "-q" }).code,
            exit_code::kOk);
        QByteArray longer = kTinyConfig;
        longer.replace("\"steps\": 40", "\"steps\": 60");
        writeFile(path("linked-longer.json"), longer);
        QVERIFY(QDir().mkpath(path("elsewhere")));
        writeFile(path("elsewhere/metrics.jsonl"), "theirs\n");
        for (const char* name : { "samples", "metrics.jsonl" }) {
            const QString inFolder = path("linked/") + name;
            QVERIFY(QFileInfo(inFolder).isDir() ? QDir(inFolder).removeRecursively()
                                                : QFile::remove(inFolder));
            QVERIFY(QFile::link(
                path("elsewhere/") + (QString(name) == "samples" ? "" : name), inFolder));
            const auto r = runDdil(
                { "run", path("linked-longer.json"), "--out", path("linked"), "--resume" });
            QCOMPARE(r.code, exit_code::kFile);
            QVERIFY2(r.err.contains(inFolder + ": is a symbolic link"), qPrintable(r.err));
            QFile::remove(inFolder);
        }
        QCOMPARE(QDir(path("elsewhere")).entryList(QDir::Files), QStringList { "metrics.jsonl" });
        QFile theirs(path("elsewhere/metrics.jsonl"));
        QVERIFY(theirs.open(QIODevice::ReadOnly));
        QCOMPARE(theirs.readAll(), QByteArray("theirs\n"));
    }

    // metrics.jsonl deleted while the run writes it: the run fails loudly at its next line
    // instead of logging into a file no one can see.
    void aLogDeletedMidRunFailsLoudly()
    {
        QProcess p;
        startTraining(p, writeEndlessConfig("deleted.json"), path("deleted"));
        QVERIFY(QFile::remove(path("deleted/metrics.jsonl")));
        QVERIFY(p.waitForFinished(ddil::test::patienceMs(60000)));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), exit_code::kFile);
        QVERIFY2(err.contains(path("deleted/metrics.jsonl")
                     + ": deleted or replaced while the "
                       "run was writing it"),
            qPrintable(err));
        QFile stateFile(path("deleted/state.json"));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(stateFile.readAll()).object()["status"].toString(),
            QString("failed"));
    }

    // A finished run whose checkpoint went missing is not trained again from step 0 unasked.
    void aFinishedRunWithoutItsCheckpointIsNotRetrained()
    {
        writeFile(path("lost.json"), kTinyConfig);
        QCOMPARE(runDdil({ "run", path("lost.json"), "--out", path("lost"), "-q" }).code,
            exit_code::kOk);
        QVERIFY(QFile::remove(path("lost/checkpoint.safetensors")));
        const auto losses = ddil::test::loggedLosses(path("lost"));
        for (const QStringList& extra : { QStringList {}, QStringList { "--resume" } }) {
            const auto r
                = runDdil(QStringList { "run", path("lost.json"), "--out", path("lost") } + extra);
            QCOMPARE(r.code, exit_code::kFile);
            QVERIFY2(r.err.contains("the run finished, but its checkpoint.safetensors is missing")
                    && r.err.contains("--restart"),
                qPrintable(r.err));
            QCOMPARE(ddil::test::loggedLosses(path("lost")), losses); // its logs untouched
        }
        QCOMPARE(
            runDdil({ "run", path("lost.json"), "--out", path("lost"), "--restart", "-q" }).code,
            exit_code::kOk);
    }

    // --resume of a finished run says so and changes nothing in the folder.
    void resumingAFinishedRunChangesNothing()
    {
        writeFile(path("done.json"), kTinyConfig);
        QCOMPARE(runDdil({ "run", path("done.json"), "--out", path("done"), "-q" }).code,
            exit_code::kOk);
        const auto snapshot = [this] {
            QMap<QString, QByteArray> files;
            QDirIterator it(path("done"), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                QFile f(it.next());
                if (f.open(QIODevice::ReadOnly))
                    files[it.filePath()] = f.readAll();
            }
            return files;
        };
        const auto before = snapshot();
        QVERIFY(before.contains(path("done/checkpoint.safetensors")));
        const auto r = runDdil({ "run", path("done.json"), "--out", path("done"), "--resume" });
        QCOMPARE(r.code, exit_code::kOk);
        QVERIFY2(r.out.contains("finished already at step 40; nothing changed"), qPrintable(r.out));
        QVERIFY(snapshot() == before);
    }

    // SIGTERM at any moment, even while the program is still being loaded, ends `ddil` with
    // 130 and leaves nothing half-written: no checkpoint, or one that reads back whole.
    void sigtermFromTheFirstInstructionGives130()
    {
        writeEndlessConfig("term.json");
        for (const int delayMs : { 20, 100, 400, 1500 }) {
            const QString out = path("term") + QString::number(delayMs);
            QProcess p;
            p.start(ddil::test::ddilBinary(), { "run", path("term.json"), "--out", out, "-q" });
            QVERIFY(p.waitForStarted());
            QThread::msleep(static_cast<unsigned long>(delayMs));
            ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
            QVERIFY(p.waitForFinished(ddil::test::patienceMs(60000)));
            QCOMPARE(p.exitStatus(), QProcess::NormalExit);
            QCOMPARE(p.exitCode(), exit_code::kInterrupted);
            QDirIterator it(out, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                QVERIFY2(!it.fileName().contains(".tmp-") || delayMs < 1500, qPrintable(file));
                if (file.endsWith(".json"))
                    QVERIFY2(!QJsonDocument::fromJson([&] {
                        QFile f(file);
                        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
                    }())
                                 .isNull(),
                        qPrintable(file));
            }
            if (QFile::exists(out + "/checkpoint.safetensors")) {
                const auto sampled
                    = runDdil({ "sample", "--checkpoint", out + "/checkpoint.safetensors",
                        "--steps", "2", "--count", "4", "--out", out + "/s.npy" });
                QVERIFY2(sampled.code == exit_code::kOk, qPrintable(sampled.err));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestRunFolder)
#include "tst_run_folder.moc"
