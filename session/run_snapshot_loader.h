#pragma once
// Sample grids for a run folder trained elsewhere (a headless `ddil run`): its checkpoint is
// sampled off the GUI thread by the core's RunSnapshotter, on a QThread of the loader's own.
// request() may be called as often as a followed run writes checkpoints: the newest request is
// served and older pending ones are dropped.

#include "core/api/snapshot.h"
#include "session/newest_request_thread.h"
#include "session/session_types.h"

#include <QObject>
#include <QString>

namespace ddil {

class RunSnapshotLoader : public QObject {
    Q_OBJECT
public:
    explicit RunSnapshotLoader(QObject* parent = nullptr);
    ~RunSnapshotLoader() override;

    // Samples `runDir`'s checkpoint; loaded() or failed() follows on this object's thread.
    void request(const QString& runDir, const ddil::SnapshotOptions& options);
    // Drops pending and running requests: their results are not delivered.
    void forget();

Q_SIGNALS:
    void loaded(const QString& runDir, const ddil::SnapshotView& snapshot);
    void failed(const QString& runDir, const QString& message);

private:
    class Worker;
    NewestRequestThread m_requests;
    Worker* m_worker = nullptr;
};

} // namespace ddil
