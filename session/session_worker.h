#pragma once
// The worker QObject that lives in the session's QThread and runs the core's runTraining().
// Its slots run on the worker thread; every signal carries value types only. Per-step reports
// are batched and sent at most every kReportInterval.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/api/live_settings.h"
#include "core/api/snapshot.h"
#include "session/session_types.h"

#include <QObject>
#include <QString>

#include <chrono>

namespace ddil {

struct Snapshot;

// Pixels of one sample (C, H, W) in [-1, 1] as an 8-bit image (grey or RGB), deep-copied.
QImage sampleToImage(const float* values, int channels, int height, int width);
// The core's snapshot as the GUI shows it.
SnapshotView toSnapshotView(const Snapshot& snapshot, const QString& configHash);

class SessionWorker : public QObject {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kReportInterval { 100 };

    // `cancel` and `live` belong to the controller and outlive the worker's runs.
    SessionWorker(CancelToken& cancel, LiveSettings& live);

public Q_SLOTS:
    // Worker thread. Emits finished() or failed() at the end, never throws.
    void run(const ddil::RunConfig& config, const QString& runDir, bool resume,
        const ddil::SnapshotOptions& snapshots);

Q_SIGNALS:
    void started();
    void scalarsReported(const ddil::ScalarBatch& batch);
    void evaluated(const ddil::ScalarRow& row);
    void snapshotTaken(const ddil::SnapshotView& snapshot);
    void checkpointWritten(const QString& path, qint64 step);
    void pausedChanged(bool paused);
    void message(const QString& text);
    void finished(bool cancelled, qint64 step);
    void failed(const QString& message);

private:
    void flush(ScalarBatch& batch);

    CancelToken& m_cancel;
    LiveSettings& m_live;
};

} // namespace ddil

Q_DECLARE_METATYPE(ddil::RunConfig)
Q_DECLARE_METATYPE(ddil::SnapshotOptions)
