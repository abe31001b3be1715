#include "session/training_session.h"

#include "session/session_worker.h"

namespace ddil {

TrainingSession::TrainingSession(QObject* parent)
    : Session(parent)
{
    registerSessionMetaTypes();
    qRegisterMetaType<RunConfig>();
    qRegisterMetaType<SnapshotOptions>();
    m_thread.setObjectName(QStringLiteral("ddil-training"));
    m_worker = new SessionWorker(m_cancel, m_live);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Worker thread -> GUI thread: every report arrives as a queued copy.
    connect(
        m_worker, &SessionWorker::started, this,
        [this] { setState(m_live.isPaused() ? SessionState::Paused : SessionState::Running); },
        Qt::QueuedConnection);
    connect(m_worker, &SessionWorker::scalarsReported, this, &Session::scalarsReported,
        Qt::QueuedConnection);
    connect(m_worker, &SessionWorker::evaluated, this, &Session::evaluated, Qt::QueuedConnection);
    connect(m_worker, &SessionWorker::snapshotTaken, this, &Session::snapshotTaken,
        Qt::QueuedConnection);
    connect(m_worker, &SessionWorker::checkpointWritten, this, &Session::checkpointWritten,
        Qt::QueuedConnection);
    connect(m_worker, &SessionWorker::message, this, &Session::message, Qt::QueuedConnection);
    connect(
        m_worker, &SessionWorker::pausedChanged, this,
        [this](bool paused) {
            if (m_state == SessionState::Stopping)
                return;
            setState(paused ? SessionState::Paused : SessionState::Running);
        },
        Qt::QueuedConnection);
    connect(
        m_worker, &SessionWorker::finished, this,
        [this](bool cancelled, qint64 step) {
            Q_EMIT message(cancelled ? tr("Stopped at step %1; checkpoint written").arg(step)
                                     : tr("Finished at step %1").arg(step));
            setState(cancelled ? SessionState::Cancelled : SessionState::Finished);
        },
        Qt::QueuedConnection);
    connect(
        m_worker, &SessionWorker::failed, this,
        [this](const QString& text) {
            setState(SessionState::Failed);
            Q_EMIT failed(text);
        },
        Qt::QueuedConnection);
    m_thread.start();
}

TrainingSession::~TrainingSession()
{
    m_cancel.cancel();
    m_live.setPaused(false);
    m_thread.quit();
    m_thread.wait();
}

void TrainingSession::setState(SessionState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void TrainingSession::start(const RunConfig& config, const QString& runDir, bool resume)
{
    if (isActive())
        return;
    m_cancel.reset();
    m_live.reset();
    m_config = config;
    m_changesBefore = config.distill.ddil.changes;
    m_runDir = runDir;
    setState(SessionState::Starting);
    // GUI thread -> worker thread: the run starts when the worker's event loop picks it up.
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, config, runDir, resume, snapshots = m_snapshots] {
            worker->run(config, runDir, resume, snapshots);
        },
        Qt::QueuedConnection);
}

void TrainingSession::pause()
{
    if (m_state == SessionState::Running || m_state == SessionState::Starting)
        m_live.setPaused(true);
}

void TrainingSession::resume()
{
    m_live.setPaused(false);
}

void TrainingSession::stop()
{
    if (!isActive())
        return;
    m_cancel.cancel();
    m_live.setPaused(false);
    setState(SessionState::Stopping);
}

void TrainingSession::setMixture(const MixtureSnapshot& mixture)
{
    m_live.setMixture(mixture);
}

void TrainingSession::requestCheckpoint()
{
    m_live.requestCheckpoint();
}

RunConfig TrainingSession::sessionConfig() const
{
    RunConfig config = m_config;
    config.distill.ddil.changes = m_changesBefore;
    for (const auto& change : m_live.applied())
        config.distill.ddil.changes.push_back(change);
    return config;
}

} // namespace ddil
