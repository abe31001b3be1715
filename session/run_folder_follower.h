#pragma once
// An opened run folder (File → Open Run Folder, `ddil-workbench RUN_DIR`): whether the next
// Start continues it, and, while a headless `ddil run` still trains it, following it: every
// second polled() (the charts read its new metrics lines) until its state.json is no longer
// "running", and for a distillation run its checkpoint's grids sampled off the GUI thread
// (RunSnapshotLoader) whenever a new checkpoint appears.

#include "core/api/config.h"
#include "core/api/snapshot.h"
#include "session/session_types.h"

#include <QDateTime>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QTimer;

namespace ddil {

class RunSnapshotLoader;

class RunFolderFollower : public QObject {
    Q_OBJECT
public:
    explicit RunFolderFollower(QObject* parent = nullptr);

    struct Opened {
        QString status; // state.json's status ("" without one)
        bool running = false; // being trained elsewhere: followed
        bool resumable = false; // a checkpoint of an unfinished run: Start continues it
    };
    // Opens `runDir`, whose config.json holds `config`; grids are sampled with `snapshots`.
    Opened open(const QString& runDir, const RunConfig& config, const SnapshotOptions& snapshots);
    // Forgets the folder: no following, no resuming, no grids still to come.
    void close();

    // The folder the next Start continues, or "" (a new run).
    QString resumeDir() const { return m_resumable ? m_runDir : QString(); }
    QString runDir() const { return m_runDir; }
    bool isFollowing() const;

    // While this returns true (a session of the window's own runs), no grids are requested.
    void setBusy(std::function<bool()> busy) { m_busy = std::move(busy); }

Q_SIGNALS:
    void polled(); // the followed folder may have new metrics lines
    void stoppedFollowing(const QString& runDir, const QString& status);
    void snapshotLoaded(const ddil::SnapshotView& snapshot);
    void snapshotFailed(const QString& runDir, const QString& message);

private:
    void poll();
    // Samples the checkpoint's grids when it is newer than the last one sampled.
    void requestSnapshot();

    QTimer* m_timer = nullptr;
    RunSnapshotLoader* m_loader = nullptr;
    QString m_runDir;
    bool m_resumable = false;
    std::optional<RunConfig> m_config;
    SnapshotOptions m_snapshots;
    QDateTime m_sampledCheckpoint; // the checkpoint's time when last sampled
    std::function<bool()> m_busy;
};

} // namespace ddil
