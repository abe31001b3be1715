#pragma once
// Sample snapshots of a distillation run in progress (the workbench's sample panel): the EMA
// student at several step counts beside the teacher, all from the same noise and classes, and
// for 2-D data the states S_k, T_k and F_k at each student step. Torch-free.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ddil {

struct SnapshotOptions {
    int every = 0; // training steps between snapshots (0: none); also at the start and the end
    int count = 64; // samples per sampler
    std::uint64_t seed = 0; // the noise and the classes; the same for every snapshot
    std::vector<int> studentSteps { 1, 2, 4, 8 }; // the student's trained N is always added
};

// One sampler's samples of the snapshot noise: images (n, C, H, W) in [-1, 1] or points (n, 2).
struct SampleSet {
    bool teacher = false;
    int steps = 0;
    std::vector<std::int64_t> shape;
    std::vector<float> values;

    std::int64_t count() const { return shape.empty() ? 0 : shape[0]; }
    std::int64_t itemSize() const
    {
        std::int64_t n = 1;
        for (std::size_t i = 1; i < shape.size(); ++i)
            n *= shape[i];
        return n;
    }
};

// 2-D data: the states entering student step k (at tau_k), (n, 2) each.
struct TrajectorySlice {
    int k = 0;
    double tau = 0.0;
    std::vector<float> student, teacher, data;
};

struct Snapshot {
    std::int64_t step = 0; // training steps done
    std::uint64_t seed = 0;
    int trainedSteps = 0; // the student's N
    int teacherSteps = 0; // the teacher's M
    std::vector<std::int64_t> labels; // the class of each sample (the same in every set)
    std::vector<SampleSet> sets; // the student at each step count (ascending), then the teacher
    std::vector<TrajectorySlice> trajectory; // 2-D data only; k = N ... 1
};

// Snapshots of a distillation run folder's checkpoint, for runs trained elsewhere (a headless
// `ddil run`, finished or still training): config.json and the teacher are loaded once, and each
// take() reads the run's checkpoint again (the teacher's samples are computed once). On the CPU.
class RunSnapshotter {
public:
    // ConfigError when the folder holds no readable distillation config; IoError or
    // CheckpointError when its teacher cannot be loaded.
    explicit RunSnapshotter(const std::string& runDir);
    ~RunSnapshotter();
    RunSnapshotter(const RunSnapshotter&) = delete;
    RunSnapshotter& operator=(const RunSnapshotter&) = delete;

    // The EMA student of the folder's current checkpoint; IoError when there is none yet.
    Snapshot take(const SnapshotOptions& options);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace ddil
