#pragma once
// The session interface the widgets see: start, pause, resume and stop a training run, steer
// its DDIL mixture, and receive its reports as value types on the GUI thread. TrainingSession
// runs the core on a worker thread; GUI tests drive the panels with scripted fakes.

#include "core/api/config.h"
#include "core/api/snapshot.h"
#include "session/session_types.h"

#include <QObject>
#include <QString>

namespace ddil {

class Session : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual SessionState state() const = 0;
    bool isActive() const
    {
        const auto s = state();
        return s == SessionState::Starting || s == SessionState::Running
            || s == SessionState::Paused || s == SessionState::Stopping;
    }
    // Trains `config` into `runDir` (created if missing); `resume` continues its checkpoint.
    virtual void start(const RunConfig& config, const QString& runDir, bool resume) = 0;
    virtual void pause() = 0;
    virtual void resume() = 0;
    // Finishes the current step, writes a checkpoint and ends the run as Cancelled.
    virtual void stop() = 0;
    // The mixture from the next step on.
    virtual void setMixture(const MixtureSnapshot& mixture) = 0;
    // Writes the run's checkpoint at the next step boundary (checkpointWritten follows).
    virtual void requestCheckpoint() = 0;
    // The config as started, with the mixture changes applied so far recorded in
    // distill.ddil.changes: what `ddil run` takes to replay the session.
    virtual RunConfig sessionConfig() const = 0;
    virtual QString runDir() const = 0;
    // Sample snapshots of the next start (sessions without samples ignore them).
    virtual void setSnapshotOptions(const SnapshotOptions&) { }
    // Processes events until the session is no longer active (tests and shutdown, after stop());
    // false on timeout.
    bool waitForIdle(int milliseconds);

Q_SIGNALS:
    void stateChanged(ddil::SessionState state);
    void scalarsReported(const ddil::ScalarBatch& batch);
    void evaluated(const ddil::ScalarRow& row);
    void snapshotTaken(const ddil::SnapshotView& snapshot);
    void checkpointWritten(const QString& path, qint64 step);
    void message(const QString& text);
    void failed(const QString& message);
};

} // namespace ddil
