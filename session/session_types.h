#pragma once
// Value types that cross from the training thread to the GUI thread (STYLE.md: threads), and
// their metatype registration. Pixels are deep-copied into QImage on the worker.

#include <QImage>
#include <QMetaType>
#include <QPointF>
#include <QString>
#include <QVector>

#include <utility>

namespace ddil {

// One step's (or one evaluation's) scalars: "train/loss", "eval/fid", "shift/fd_sf/k4", ...
struct ScalarRow {
    qint64 step = 0;
    double elapsed = 0.0; // seconds of training so far
    QVector<std::pair<QString, double>> values;
};

// Per-step reports collected on the worker and sent about ten times a second.
struct ScalarBatch {
    QVector<ScalarRow> rows;
    qint64 step = 0; // the latest step done
    qint64 totalSteps = 0;
    double elapsed = 0.0;
};

// One sampler's samples in a snapshot: images (one per sample) or 2-D points.
struct SampleSetView {
    bool teacher = false;
    int steps = 0;
    QVector<QImage> images;
    QVector<QPointF> points;
};

// 2-D data: the states S_k, T_k and F_k entering student step k.
struct TrajectorySliceView {
    int k = 0;
    double tau = 0.0;
    QVector<QPointF> student, teacher, data;
};

struct SnapshotView {
    qint64 step = 0;
    quint64 seed = 0;
    int trainedSteps = 0;
    int teacherSteps = 0;
    QString configHash;
    QVector<int> labels;
    QVector<SampleSetView> sets; // the student at each step count (ascending), then the teacher
    QVector<TrajectorySliceView> trajectory;

    bool isImages() const { return !sets.isEmpty() && !sets.front().images.isEmpty(); }
    // The student's set at `steps`, or null.
    const SampleSetView* student(int steps) const;
    const SampleSetView* teacher() const;
};

enum class SessionState { Idle, Starting, Running, Paused, Stopping, Finished, Cancelled, Failed };
QString sessionStateName(SessionState state);

void registerSessionMetaTypes();

} // namespace ddil

Q_DECLARE_METATYPE(ddil::ScalarBatch)
Q_DECLARE_METATYPE(ddil::ScalarRow)
Q_DECLARE_METATYPE(ddil::SnapshotView)
Q_DECLARE_METATYPE(ddil::SessionState)
