// DistillTrainer's snapshots: the EMA student at several step counts and the teacher from one
// noise batch (the session's sample grids), and for 2-D data the states along the trajectories.
#include "core/runtime/device.h"
#include "core/sampling/chunks.h"
#include "core/sampling/student_sampler.h"
#include "core/train/distill_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>

namespace ddil {

namespace {
std::vector<float> toFloats(const torch::Tensor& t)
{
    const auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return { cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel() };
}

SampleSet toSampleSet(const torch::Tensor& samples, bool teacher, int steps)
{
    return { teacher, steps, { samples.sizes().begin(), samples.sizes().end() },
        toFloats(samples) };
}
} // namespace

std::optional<Snapshot> DistillTrainer::takeSnapshot(const SnapshotOptions& options)
{
    torch::NoGradGuard noGrad;
    const int64_t count = std::max(1, options.count);
    const auto trained = m_method->studentTimes();
    const int n = static_cast<int>(trained.size()) - 1;
    Snapshot out;
    out.step = step();
    out.seed = options.seed;
    out.trainedSteps = n;
    out.teacherSteps = m_teacher->steps();

    auto gen = at::detail::createCPUGenerator(options.seed);
    const auto labels = torch::arange(count, torch::kInt64).remainder(m_data->numClasses());
    auto shape = m_data->sampleShape();
    shape.insert(shape.begin(), count);
    const auto noise = torch::randn(shape, gen, torch::kFloat32);
    out.labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + count);
    const uint64_t rolloutSeed = options.seed + 1;

    StudentSampling sampling;
    sampling.chunk = sampleChunk(m_config.runtime.sample_chunk, m_device);
    std::vector<int> counts = options.studentSteps;
    counts.push_back(n);
    std::sort(counts.begin(), counts.end());
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    m_ema->eval();
    for (int steps : counts) {
        if (steps < 1)
            continue;
        const auto times = steps == n ? trained : studentTimes(m_config.distill, steps);
        auto rolloutGen = at::detail::createCPUGenerator(rolloutSeed);
        const auto student = sampleStudent(
            *m_policy, *m_ema, noise, labels, times, rolloutGen, m_device, sampling);
        out.sets.push_back(toSampleSet(student.x0, false, steps));
    }
    const std::pair<uint64_t, int> key { options.seed, static_cast<int>(count) };
    if (!m_snapshotTeacher || m_snapshotKey != key) {
        const auto teacher = mapChunks(noise.to(m_device), labels.to(m_device), sampling.chunk,
            [&](const torch::Tensor& z, const torch::Tensor& y) {
                return m_teacher->solve(z, 1.0, 0.0, y);
            });
        m_snapshotTeacher = toSampleSet(teacher, true, m_teacher->steps());
        m_snapshotKey = key;
    }
    out.sets.push_back(*m_snapshotTeacher);

    if (m_data->sampleShape().size() == 1) {
        auto trajectoryGen = at::detail::createCPUGenerator(options.seed + 2);
        const auto states = collectTrajectoryStates(*m_policy, *m_ema, *m_teacher, *m_data, trained,
            count, trajectoryGen, m_device, sampling.chunk);
        for (const auto& s : states.steps)
            out.trajectory.push_back(
                { s.k, s.tau, toFloats(s.student), toFloats(s.teacher), toFloats(s.data) });
    }
    return out;
}

} // namespace ddil
