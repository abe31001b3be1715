#pragma once
// The real session: a SessionWorker in its own QThread running the core, controlled through a
// cancel token and the live settings (never through queued calls to the busy thread). Lives on
// the GUI thread; its destructor stops a run in progress and waits for the thread.

#include "core/api/cancel_token.h"
#include "core/api/live_settings.h"
#include "core/api/snapshot.h"
#include "session/session.h"

#include <QThread>

namespace ddil {

class SessionWorker;

class TrainingSession final : public Session {
    Q_OBJECT
public:
    explicit TrainingSession(QObject* parent = nullptr);
    ~TrainingSession() override;

    SessionState state() const override { return m_state; }
    void start(const RunConfig& config, const QString& runDir, bool resume) override;
    void pause() override;
    void resume() override;
    void stop() override;
    void setMixture(const MixtureSnapshot& mixture) override;
    void requestCheckpoint() override;
    RunConfig sessionConfig() const override;
    QString runDir() const override { return m_runDir; }

    // Sample snapshots of distillation sessions (every 0: none).
    void setSnapshotOptions(const SnapshotOptions& options) override { m_snapshots = options; }

private:
    void setState(SessionState state);

    QThread m_thread;
    SessionWorker* m_worker = nullptr; // owned by m_thread (deleted on its finish)
    CancelToken m_cancel;
    LiveSettings m_live;
    SessionState m_state = SessionState::Idle;
    RunConfig m_config;
    QString m_runDir;
    SnapshotOptions m_snapshots;
    std::vector<MixtureSnapshot> m_changesBefore; // in the config when it started
};

} // namespace ddil
