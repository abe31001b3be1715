#include "session/run_folder_follower.h"

#include "core/api/run.h"
#include "session/run_snapshot_loader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTimer>

namespace ddil {

RunFolderFollower::RunFolderFollower(QObject* parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
    , m_loader(new RunSnapshotLoader(this))
{
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &RunFolderFollower::poll);
    connect(m_loader, &RunSnapshotLoader::loaded, this,
        [this](const QString& runDir, const SnapshotView& view) {
            if (runDir == m_runDir && !(m_busy && m_busy()))
                Q_EMIT snapshotLoaded(view);
        });
    connect(m_loader, &RunSnapshotLoader::failed, this, &RunFolderFollower::snapshotFailed);
}

RunFolderFollower::Opened RunFolderFollower::open(
    const QString& runDir, const RunConfig& config, const SnapshotOptions& snapshots)
{
    close();
    Opened out;
    out.status = QString::fromStdString(runStatus(runDir.toStdString()));
    out.running = out.status == QLatin1String("running");
    // A run still training elsewhere is followed, never resumed beside itself.
    out.resumable = hasRunCheckpoint(runDir.toStdString())
        && out.status != QLatin1String("finished") && !out.running;
    m_runDir = runDir;
    m_resumable = out.resumable;
    m_config = config;
    m_snapshots = snapshots;
    if (out.running)
        m_timer->start();
    requestSnapshot();
    return out;
}

void RunFolderFollower::close()
{
    m_timer->stop();
    m_loader->forget();
    m_runDir.clear();
    m_resumable = false;
    m_config.reset();
    m_sampledCheckpoint = QDateTime();
}

bool RunFolderFollower::isFollowing() const
{
    return m_timer->isActive();
}

void RunFolderFollower::poll()
{
    Q_EMIT polled();
    requestSnapshot();
    const QString status = QString::fromStdString(runStatus(m_runDir.toStdString()));
    if (status != QLatin1String("running")) {
        m_timer->stop();
        Q_EMIT polled(); // the lines written since the last poll
        Q_EMIT stoppedFollowing(m_runDir, status);
    }
}

void RunFolderFollower::requestSnapshot()
{
    if (!m_config || m_config->task != Task::Distill || (m_busy && m_busy()))
        return;
    const QFileInfo checkpoint(QString::fromStdString(runCheckpointPath(m_runDir.toStdString())));
    if (!checkpoint.exists() || checkpoint.lastModified() == m_sampledCheckpoint)
        return;
    m_sampledCheckpoint = checkpoint.lastModified();
    m_loader->request(m_runDir, m_snapshots);
}

} // namespace ddil
