#include "session/session_worker.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/run.h"

#include <algorithm>
#include <exception>

namespace ddil {

QImage sampleToImage(const float* values, int channels, int height, int width)
{
    const bool rgb = channels == 3;
    QImage image(width, height, rgb ? QImage::Format_RGB888 : QImage::Format_Grayscale8);
    const int plane = height * width;
    for (int y = 0; y < height; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < width; ++x) {
            for (int c = 0; c < (rgb ? 3 : 1); ++c) {
                const float v = values[c * plane + y * width + x];
                const float scaled = (std::clamp(v, -1.0f, 1.0f) + 1.0f) * 127.5f;
                line[x * (rgb ? 3 : 1) + c] = static_cast<uchar>(scaled + 0.5f);
            }
        }
    }
    return image;
}

namespace {
QVector<QPointF> toPoints(const std::vector<float>& xy)
{
    QVector<QPointF> points;
    points.reserve(static_cast<int>(xy.size() / 2));
    for (std::size_t i = 0; i + 1 < xy.size(); i += 2)
        points.append(QPointF(xy[i], xy[i + 1]));
    return points;
}
} // namespace

SnapshotView toSnapshotView(const Snapshot& snapshot, const QString& configHash)
{
    SnapshotView view;
    view.step = snapshot.step;
    view.seed = snapshot.seed;
    view.trainedSteps = snapshot.trainedSteps;
    view.teacherSteps = snapshot.teacherSteps;
    view.configHash = configHash;
    for (auto label : snapshot.labels)
        view.labels.append(static_cast<int>(label));
    for (const auto& set : snapshot.sets) {
        SampleSetView out;
        out.teacher = set.teacher;
        out.steps = set.steps;
        if (set.shape.size() == 4) {
            const int c = static_cast<int>(set.shape[1]), h = static_cast<int>(set.shape[2]),
                      w = static_cast<int>(set.shape[3]);
            for (std::int64_t i = 0; i < set.count(); ++i)
                out.images.append(sampleToImage(set.values.data() + i * set.itemSize(), c, h, w));
        } else {
            out.points = toPoints(set.values);
        }
        view.sets.append(out);
    }
    for (const auto& slice : snapshot.trajectory)
        view.trajectory.append({ slice.k, slice.tau, toPoints(slice.student),
            toPoints(slice.teacher), toPoints(slice.data) });
    return view;
}

SessionWorker::SessionWorker(CancelToken& cancel, LiveSettings& live)
    : m_cancel(cancel)
    , m_live(live)
{
}

void SessionWorker::flush(ScalarBatch& batch)
{
    if (batch.rows.isEmpty())
        return;
    Q_EMIT scalarsReported(batch);
    batch.rows.clear();
}

void SessionWorker::run(
    const RunConfig& config, const QString& runDir, bool resume, const SnapshotOptions& snapshots)
{
    const QString hash = QString::fromStdString(configHash(config));
    ScalarBatch batch;
    auto lastSent = std::chrono::steady_clock::now();
    RunHooks hooks;
    hooks.onStep = [&](const StepReport& report) {
        ScalarRow row;
        row.step = report.step;
        row.elapsed = report.elapsedSeconds;
        row.values.reserve(static_cast<int>(report.scalars.size()));
        for (const auto& [name, value] : report.scalars)
            row.values.append({ QString::fromStdString(name), value });
        batch.rows.append(std::move(row));
        batch.step = report.step;
        batch.totalSteps = report.totalSteps;
        batch.elapsed = report.elapsedSeconds;
        const auto now = std::chrono::steady_clock::now();
        if (now - lastSent >= kReportInterval || report.step == report.totalSteps) {
            flush(batch);
            lastSent = now;
        }
    };
    hooks.onEval = [&](const EvalReport& report) {
        flush(batch); // the steps before an evaluation arrive first
        ScalarRow row;
        row.step = report.step;
        row.elapsed = batch.elapsed;
        for (const auto& [name, value] : report.scalars)
            row.values.append({ QString::fromStdString(name), value });
        Q_EMIT evaluated(row);
    };
    hooks.onMessage
        = [&](const std::string& text) { Q_EMIT message(QString::fromStdString(text)); };
    hooks.onSnapshot = [&](const Snapshot& snapshot) {
        flush(batch);
        Q_EMIT snapshotTaken(toSnapshotView(snapshot, hash));
    };
    hooks.onCheckpoint = [&](std::int64_t step, const std::string& path) {
        Q_EMIT checkpointWritten(QString::fromStdString(path), step);
    };
    hooks.onPause = [&](bool paused) {
        flush(batch);
        Q_EMIT pausedChanged(paused);
    };

    RunOptions options;
    options.outDir = runDir.toStdString();
    options.resume = resume;
    options.live = &m_live;
    options.snapshots = snapshots;
    Q_EMIT started();
    // Exceptions stop here and become a failed run with a readable message (STYLE.md: threads).
    try {
        const RunResult result = runTraining(config, options, hooks, m_cancel);
        flush(batch);
        Q_EMIT finished(result.status == RunResult::Status::Cancelled, result.step);
    } catch (const std::bad_alloc&) {
        flush(batch);
        Q_EMIT failed(tr("Out of memory: lower the batch size or the model size"));
    } catch (const std::exception& e) {
        flush(batch);
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace ddil
