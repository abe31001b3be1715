#include "core/distill/student_policy.h"

#include "core/diffusion/parameterization.h"
#include "core/distill/guided_teacher.h"
#include "core/runtime/device.h"

#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

torch::Tensor consistencyCSkip(const torch::Tensor& t, double sigmaData, double timeScale)
{
    const auto st = t * (1000.0 * timeScale);
    return sigmaData * sigmaData / (st * st + sigmaData * sigmaData);
}

torch::Tensor consistencyCOut(const torch::Tensor& t, double sigmaData, double timeScale)
{
    const auto st = t * (1000.0 * timeScale);
    return st / torch::sqrt(st * st + sigmaData * sigmaData);
}

std::vector<double> studentTimes(const DistillConfig& distill, int steps)
{
    std::vector<double> times;
    if (!distill.timesteps.empty() && steps == distill.student_steps) {
        times = distill.timesteps;
    } else {
        for (int k = steps; k >= 1; --k)
            times.push_back(static_cast<double>(k) / steps);
    }
    times.push_back(0.0);
    return times;
}

StudentPolicy::StudentPolicy(const RunConfig& config)
    : m_config(config)
    , m_schedule(VpSchedule::fromConfig(config.diffusion))
{
    setReflection(config.distill.reflection);
}

void StudentPolicy::setReflection(const ReflectionConfig& reflection)
{
    m_config.distill.reflection = reflection;
    m_projection = reflection.apply_to != ReflectTarget::Teacher
        ? ProjectionSpec { reflection.projection, reflection.percentile }
        : ProjectionSpec {};
}

bool StudentPolicy::renoises() const
{
    return m_config.distill.method != DistillMethod::Progressive;
}

torch::Tensor StudentPolicy::x0(DenoiserNet& net, const torch::Tensor& x, const torch::Tensor& t,
    const torch::Tensor& labels, const torch::Tensor& scale) const
{
    const bool lcm = takesGuidanceScale();
    torch::Tensor w;
    if (lcm)
        w = scale.defined() ? scale : torch::full({ x.size(0) }, samplingScale(), t.options());
    const auto alpha = m_schedule.alpha(t), sigma = m_schedule.sigma(t);
    const auto raw = net.forward(x, t, labels, w);
    const auto estimate = projectX0(
        fromPrediction(m_config.diffusion.prediction, raw, x, alpha, sigma).x0, m_projection);
    if (!lcm)
        return estimate;
    const auto& c = m_config.distill.lcm;
    return perSample(consistencyCSkip(t, c.sigma_data, c.time_scale), x) * x
        + perSample(consistencyCOut(t, c.sigma_data, c.time_scale), x) * estimate;
}

StepDraws StepDraws::rows(int64_t begin, int64_t end) const
{
    return { teacherRows.defined() ? teacherRows.slice(0, begin, end) : torch::Tensor(),
        noise.defined() ? noise.slice(0, begin, end) : torch::Tensor() };
}

StepDraws drawStep(const StudentPolicy& policy, const RolloutOptions& options, size_t stepIndex,
    const std::vector<int64_t>& stateShape, double next, torch::Generator& generator,
    torch::Device device)
{
    StepDraws draws;
    const int64_t b = stateShape.front();
    if (options.teacher && static_cast<int>(stepIndex) < options.teacherFirstSteps)
        draws.teacherRows = torch::ones({ b }, torch::kBool);
    else if (options.teacher && options.pTeach > 0.0)
        draws.teacherRows = torch::rand({ b }, generator) < options.pTeach;
    if (policy.renoises() && next > 0.0)
        draws.noise = toDevice(torch::randn(stateShape, generator), device);
    return draws;
}

torch::Tensor studentStep(const StudentPolicy& policy, DenoiserNet& net, const torch::Tensor& x,
    const torch::Tensor& labels, double t, double next, const StepDraws& draws,
    GuidedTeacher* teacher, int64_t* teacherSteps, const torch::Tensor& scale)
{
    torch::NoGradGuard noGrad;
    const auto& schedule = policy.schedule();
    const auto device = x.device();
    const auto& teacherMask = draws.teacherRows;
    auto studentIdx = teacherMask.defined()
        ? toDevice(torch::nonzero(teacherMask.logical_not()).flatten(), device)
        : torch::Tensor();
    auto studentX = studentIdx.defined() ? x.index_select(0, studentIdx) : x;
    auto studentLabels = studentIdx.defined() ? labels.index_select(0, studentIdx) : labels;
    const auto rowScale = scale.defined() ? toDevice(scale, device) : torch::Tensor();
    torch::Tensor studentScale;
    if (rowScale.defined())
        studentScale = studentIdx.defined() ? rowScale.index_select(0, studentIdx) : rowScale;
    torch::Tensor result = torch::empty_like(x);
    if (studentX.size(0) > 0) {
        const auto tt = torch::full({ studentX.size(0) }, t, x.options());
        const auto x0 = policy.x0(net, studentX, tt, studentLabels, studentScale);
        torch::Tensor stepped;
        if (next <= 0.0)
            stepped = x0;
        else if (policy.renoises())
            stepped = schedule.alpha(next) * x0
                + schedule.sigma(next)
                    * (studentIdx.defined() ? draws.noise.index_select(0, studentIdx)
                                            : draws.noise);
        else
            stepped = schedule.alpha(next) * x0
                + schedule.sigma(next)
                    * epsFromX0(studentX, x0, schedule.alpha(tt), schedule.sigma(tt));
        if (studentIdx.defined())
            result.index_copy_(0, studentIdx, stepped);
        else
            result = stepped;
    }
    if (teacherMask.defined()) {
        const auto teacherIdx = toDevice(torch::nonzero(teacherMask).flatten(), device);
        if (teacherIdx.size(0) > 0) {
            result.index_copy_(0, teacherIdx,
                teacher->solve(x.index_select(0, teacherIdx), t, next,
                    labels.index_select(0, teacherIdx),
                    rowScale.defined() ? rowScale.index_select(0, teacherIdx) : torch::Tensor()));
            if (teacherSteps)
                *teacherSteps += teacherIdx.size(0);
        }
    }
    return result;
}

Rollout rolloutStudent(const StudentPolicy& policy, DenoiserNet& net, const torch::Tensor& xStart,
    const torch::Tensor& labels, const std::vector<double>& times, torch::Generator& generator,
    const RolloutOptions& options)
{
    torch::NoGradGuard noGrad;
    const std::vector<int64_t> shape(xStart.sizes().begin(), xStart.sizes().end());
    Rollout out;
    auto x = xStart;
    for (size_t i = 0; i + 1 < times.size(); ++i) {
        if (options.cancel && options.cancel->isCancelled()) {
            out.cancelled = true;
            return out;
        }
        out.states.push_back(x);
        const auto draws
            = drawStep(policy, options, i, shape, times[i + 1], generator, xStart.device());
        x = studentStep(policy, net, x, labels, times[i], times[i + 1], draws, options.teacher,
            &out.teacherSteps, options.scale);
    }
    out.x0 = x;
    return out;
}

} // namespace ddil
