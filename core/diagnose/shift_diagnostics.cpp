#include "core/diagnose/shift_diagnostics.h"

#include "core/distill/distillation_method.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/metrics/distance2d.h"
#include "core/metrics/feature_extractor.h"
#include "core/metrics/image_metrics.h"
#include "core/sampling/chunks.h"
#include "core/sampling/student_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

namespace {
// Seeds of the fixed raw-state projection and of the sliced Wasserstein directions.
constexpr uint64_t kProjectionSeed = 0x5EED5EEDull;

torch::Tensor forwardDiffuse(
    const VpSchedule& schedule, const torch::Tensor& x0, double tau, torch::Generator& generator)
{
    const auto eps = torch::randn(x0.sizes(), generator).to(x0.device());
    return schedule.alpha(tau) * x0 + schedule.sigma(tau) * eps;
}
} // namespace

torch::Tensor sampleWithLabels(
    const DataSource& data, const torch::Tensor& labels, torch::Generator& generator)
{
    const int64_t count = labels.size(0);
    std::vector<std::vector<int64_t>> waiting(data.numClasses());
    for (int64_t i = count - 1; i >= 0; --i)
        waiting[labels[i].item<int64_t>()].push_back(i);
    auto shape = data.sampleShape();
    shape.insert(shape.begin(), count);
    auto out = torch::empty(shape, torch::kFloat32);
    int64_t missing = count;
    for (int attempt = 0; attempt < 100 && missing > 0; ++attempt) {
        const auto pool = data.sample(std::max<int64_t>(count, 256), generator);
        const auto poolLabels = pool.labels.contiguous();
        const auto* y = poolLabels.data_ptr<int64_t>();
        std::vector<int64_t> to, from;
        for (int64_t j = 0; j < poolLabels.size(0) && missing > 0; ++j) {
            auto& slots = waiting[y[j]];
            if (slots.empty())
                continue;
            to.push_back(slots.back());
            from.push_back(j);
            slots.pop_back();
            --missing;
        }
        if (!to.empty())
            out.index_copy_(0, torch::tensor(to, torch::kInt64),
                pool.x.index_select(0, torch::tensor(from, torch::kInt64)));
    }
    if (missing > 0)
        throw std::runtime_error(data.describe() + ": too few samples of some class to match");
    return out;
}

TrajectoryStates collectTrajectoryStates(const StudentPolicy& policy, DenoiserNet& student,
    GuidedTeacher& teacher, const DataSource& data, const std::vector<double>& times, int64_t count,
    torch::Generator& generator, torch::Device device, int64_t chunk)
{
    torch::NoGradGuard noGrad;
    const auto real = data.sample(count, generator);
    const auto noise = torch::randn(real.x.sizes(), generator, torch::kFloat32);
    TrajectoryStates out;
    out.labels = real.labels.to(device);
    const int n = static_cast<int>(times.size()) - 1;
    const std::vector<double> stateTimes(times.begin(), times.end() - 1);

    StudentSampling sampling;
    sampling.chunk = chunk;
    sampling.keepStates = true;
    const auto rollout
        = sampleStudent(policy, student, noise, real.labels, times, generator, device, sampling);
    std::vector<std::vector<torch::Tensor>> teacherParts(n);
    forEachChunk(noise.to(device), out.labels, chunk, [&](const auto& z, const auto& y) {
        const auto trajectory = teacher.trajectory(z, stateTimes, y);
        for (int i = 0; i < n; ++i)
            teacherParts[i].push_back(trajectory[i].contiguous());
    });
    const auto realX = real.x.to(device);
    for (int i = 0; i < n; ++i) {
        StepStates step;
        step.k = n - i;
        step.tau = times[i];
        step.student = rollout.states[i];
        step.teacher = torch::cat(teacherParts[i]);
        step.data = forwardDiffuse(policy.schedule(), realX, step.tau, generator);
        out.steps.push_back(std::move(step));
    }
    // The floor: an independent draw of data with the same classes (class-conditional teacher
    // estimates at high noise differ by class composition alone otherwise).
    const auto otherX = sampleWithLabels(data, real.labels, generator).to(device);
    for (auto& step : out.steps)
        step.dataOther = forwardDiffuse(policy.schedule(), otherX, step.tau, generator);
    return out;
}

ShiftMeter::ShiftMeter(GuidedTeacher& teacher, FeatureExtractor* extractor,
    const std::vector<int64_t>& sampleShape, int projections, int64_t chunk)
    : m_teacher(teacher)
    , m_extractor(extractor)
    , m_chunk(chunk)
{
    int64_t dim = 1;
    for (auto s : sampleShape)
        dim *= s;
    auto gen = at::detail::createCPUGenerator(kProjectionSeed);
    if (sampleShape.size() == 1)
        m_directions = randomDirections(projections, dim, gen);
    else
        m_rawProjection = torch::randn({ dim, kRawProjectionDim }, gen) / std::sqrt(double(dim));
}

torch::Tensor ShiftMeter::teacherFeatures(
    const torch::Tensor& x, double tau, const torch::Tensor& labels)
{
    const auto x0 = mapChunks(x, labels, m_chunk, [&](const auto& xs, const auto& ys) {
        const auto t = torch::full({ xs.size(0) }, tau, xs.options());
        return m_teacher.denoise(xs, t, ys).x0;
    });
    return m_extractor->extract(x0.to(torch::kCPU)).features;
}

std::vector<StepShift> ShiftMeter::distances(const TrajectoryStates& states)
{
    torch::NoGradGuard noGrad;
    std::vector<StepShift> out;
    for (const auto& step : states.steps) {
        StepShift shift { step.k, step.tau, {} };
        // The four sets in the order student, teacher, data, other data.
        const std::vector<torch::Tensor> sets { step.student, step.teacher, step.data,
            step.dataOther };
        auto addPairs = [&](const std::string& metric, auto&& distance) {
            shift.values.emplace_back(metric + "_sf", distance(0, 2));
            shift.values.emplace_back(metric + "_st", distance(0, 1));
            shift.values.emplace_back(metric + "_tf", distance(1, 2));
            shift.values.emplace_back(metric + "_floor", distance(3, 2));
        };
        if (m_rawProjection.defined()) {
            if (m_extractor) {
                std::vector<GaussianStats> features;
                for (size_t i = 0; i < sets.size(); ++i)
                    features.push_back(
                        gaussianStats(teacherFeatures(sets[i], step.tau, states.labels)));
                addPairs(
                    "fd", [&](int a, int b) { return frechetDistance(features[a], features[b]); });
            }
            std::vector<GaussianStats> raw;
            for (const auto& set : sets)
                raw.push_back(
                    gaussianStats(set.flatten(1).to(torch::kCPU).matmul(m_rawProjection)));
            addPairs("rawfd", [&](int a, int b) { return frechetDistance(raw[a], raw[b]); });
        } else {
            std::vector<torch::Tensor> cpu;
            for (const auto& set : sets)
                cpu.push_back(set.to(torch::kCPU));
            addPairs("sw",
                [&](int a, int b) { return slicedWasserstein(cpu[a], cpu[b], m_directions); });
            addPairs("mmd", [&](int a, int b) { return mmdRbf(cpu[a], cpu[b]); });
        }
        out.push_back(std::move(shift));
    }
    return out;
}

void addLossGap(std::vector<StepShift>& shift, DistillationMethod& method, DenoiserNet& student,
    const TrajectoryStates& states, torch::Generator& generator, int64_t chunk)
{
    student.eval();
    for (size_t i = 0; i < states.steps.size(); ++i) {
        const auto& step = states.steps[i];
        auto meanLoss = [&](const torch::Tensor& x) {
            const auto losses
                = mapChunks(x, states.labels, chunk, [&](const auto& xs, const auto& ys) {
                      const auto t = torch::full({ xs.size(0) }, step.tau, xs.options());
                      return method.perSampleLoss(student, { xs, t, ys, {} }, generator);
                  });
            return losses.mean().item<double>();
        };
        const double onPolicy = meanLoss(step.student);
        const double offPolicy = meanLoss(step.data);
        shift[i].values.emplace_back("loss_s", onPolicy);
        shift[i].values.emplace_back("loss_f", offPolicy);
        shift[i].values.emplace_back("loss_gap", onPolicy - offPolicy);
    }
}

} // namespace ddil
