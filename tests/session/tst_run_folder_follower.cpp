// RunFolderFollower: which opened run folders the next Start continues, which are followed while
// a headless run still trains them, and that closing forgets the folder.
#include "session/run_folder_follower.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;

namespace {
void writeText(const QString& path, const QByteArray& text)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

RunConfig teacherConfig()
{
    RunConfig config;
    config.task = Task::Teacher; // no grids to sample: the follower's timer alone is tested
    return config;
}
} // namespace

class TestRunFolderFollower : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resumesOnlyAnUnfinishedRunWithACheckpoint_data()
    {
        QTest::addColumn<QByteArray>("status");
        QTest::addColumn<bool>("checkpoint");
        QTest::addColumn<bool>("resumable");
        QTest::addColumn<bool>("following");
        QTest::newRow("cancelled with checkpoint")
            << QByteArray("cancelled") << true << true << false;
        QTest::newRow("failed with checkpoint") << QByteArray("failed") << true << true << false;
        QTest::newRow("cancelled, no checkpoint")
            << QByteArray("cancelled") << false << false << false;
        QTest::newRow("finished") << QByteArray("finished") << true << false << false;
        QTest::newRow("running elsewhere") << QByteArray("running") << true << false << true;
    }
    void resumesOnlyAnUnfinishedRunWithACheckpoint()
    {
        QFETCH(QByteArray, status);
        QFETCH(bool, checkpoint);
        QFETCH(bool, resumable);
        QFETCH(bool, following);
        QTemporaryDir dir;
        writeText(dir.filePath("state.json"), R"({"status": ")" + status + R"(", "step": 3})");
        if (checkpoint)
            writeText(dir.filePath("checkpoint.safetensors"), "not read by the follower");
        RunFolderFollower follower;
        const auto opened = follower.open(dir.path(), teacherConfig(), {});
        QCOMPARE(opened.status, QString::fromLatin1(status));
        QCOMPARE(opened.resumable, resumable);
        QCOMPARE(opened.running, following);
        QCOMPARE(follower.isFollowing(), following);
        QCOMPARE(follower.resumeDir(), resumable ? dir.path() : QString());
        follower.close();
        QVERIFY(!follower.isFollowing());
        QVERIFY(follower.resumeDir().isEmpty());
        QVERIFY(follower.runDir().isEmpty());
    }

    void followsUntilTheRunStopsRunning()
    {
        QTemporaryDir dir;
        writeText(dir.filePath("state.json"), R"({"status": "running", "step": 3})");
        RunFolderFollower follower;
        QSignalSpy polled(&follower, &RunFolderFollower::polled);
        QSignalSpy stopped(&follower, &RunFolderFollower::stoppedFollowing);
        follower.open(dir.path(), teacherConfig(), {});
        QTRY_VERIFY_WITH_TIMEOUT(polled.count() >= 1, 5000); // every second while running
        QCOMPARE(stopped.count(), 0);
        writeText(dir.filePath("state.json"), R"({"status": "finished", "step": 9})");
        QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 5000);
        QCOMPARE(stopped.front().at(0).toString(), dir.path());
        QCOMPARE(stopped.front().at(1).toString(), QString("finished"));
        QVERIFY(!follower.isFollowing());
        const int after = polled.count();
        QTest::qWait(1500);
        QCOMPARE(polled.count(), after); // no polling once it stopped
    }
};

QTEST_GUILESS_MAIN(TestRunFolderFollower)
#include "tst_run_folder_follower.moc"
