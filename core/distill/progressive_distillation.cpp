#include "core/distill/progressive_distillation.h"

#include "core/api/errors.h"
#include "core/checkpoint/strict_load.h"
#include "core/diffusion/parameterization.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace ddil {

ProgressiveDistillation::ProgressiveDistillation(const DistillContext& context)
    : DistillationMethod(context)
{
    const auto& d = context.config.distill;
    while ((d.student_steps << m_rounds) < d.pd.start_steps)
        ++m_rounds;
    m_stepsPerRound = std::max<int64_t>(1, (context.config.train.steps + m_rounds - 1) / m_rounds);
}

int ProgressiveDistillation::studentSteps() const
{
    return m_ctx.config.distill.pd.start_steps >> (m_round + 1);
}

std::vector<double> ProgressiveDistillation::studentTimes() const
{
    return ddil::studentTimes(m_ctx.config.distill, studentSteps());
}

torch::Tensor ProgressiveDistillation::dataTimes(int64_t count, torch::Generator& generator) const
{
    // Salimans & Ho train on the student's own discrete grid.
    const int n = studentSteps();
    return (torch::randint(1, n + 1, { count }, generator, torch::kInt64).to(torch::kFloat32)) / n;
}

Denoised ProgressiveDistillation::teacherDenoise(
    const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& labels)
{
    if (!m_roundTeacher)
        return m_ctx.teacher.denoise(x, t, labels);
    torch::NoGradGuard noGrad;
    const auto& schedule = m_ctx.policy.schedule();
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    m_images += x.size(0);
    // The previous student has the guidance distilled in: one plain pass.
    const auto x0 = m_ctx.policy.x0(*m_roundTeacher, x, t, labels);
    const auto& r = m_ctx.config.distill.reflection;
    const ProjectionSpec projection = r.apply_to == ReflectTarget::Student
        ? ProjectionSpec {}
        : ProjectionSpec { r.projection, r.percentile };
    return reflectDenoised({ x0, epsFromX0(x, x0, alpha, sigma) }, x, alpha, sigma, projection);
}

std::pair<torch::Tensor, torch::Tensor> ProgressiveDistillation::perSampleLosses(
    DenoiserNet& net, const StateBatch& states)
{
    const auto& schedule = m_ctx.policy.schedule();
    const double dt = 1.0 / studentSteps();
    const auto& z = states.x;
    const auto t = states.t;
    const auto tMid = (t - 0.5 * dt).clamp_min(0.0);
    const auto tEnd = (t - dt).clamp_min(0.0);
    const auto alphaT = schedule.alpha(t), sigmaT = schedule.sigma(t);
    const auto alphaMid = schedule.alpha(tMid), sigmaMid = schedule.sigma(tMid);
    const auto alphaEnd = schedule.alpha(tEnd), sigmaEnd = schedule.sigma(tEnd);

    torch::Tensor target;
    {
        torch::NoGradGuard noGrad;
        // Two teacher DDIM steps: t -> t' -> t''.
        const auto d1 = teacherDenoise(z, t, states.labels);
        const auto zMid = perSample(alphaMid, z) * d1.x0 + perSample(sigmaMid, z) * d1.eps;
        const auto d2 = teacherDenoise(zMid, tMid, states.labels);
        const auto zEnd = perSample(alphaEnd, z) * d2.x0 + perSample(sigmaEnd, z) * d2.eps;
        target = progressiveTarget(z, zEnd, alphaT, sigmaT, alphaEnd, sigmaEnd);
    }
    const auto prediction = m_ctx.policy.x0(net, z, t, states.labels);
    const auto snr = torch::exp(schedule.logSnr(t));
    const auto weight = m_ctx.config.distill.pd.weighting == PdWeighting::TruncatedSnr
        ? snr.clamp_min(1.0)
        : snr + 1.0;
    const auto unweighted = (prediction - target).pow(2).flatten(1).mean(1);
    return { weight * unweighted, unweighted };
}

LossTerms ProgressiveDistillation::loss(const StateBatch& states, torch::Generator&)
{
    const auto [weighted, unweighted] = perSampleLosses(m_ctx.student, states);
    return { weighted.mean(), { { "pd/unweighted_mse", unweighted.mean().detach() } },
        { { "pd/round", static_cast<double>(m_round + 1) },
            { "pd/student_steps", static_cast<double>(studentSteps()) } } };
}

torch::Tensor ProgressiveDistillation::perSampleLoss(
    DenoiserNet& net, const StateBatch& states, torch::Generator&)
{
    torch::NoGradGuard noGrad;
    return perSampleLosses(net, states).first;
}

void ProgressiveDistillation::afterStep(int64_t step)
{
    // A new round: the student EMA of the round just finished becomes the teacher.
    if (step % m_stepsPerRound != 0 || m_round + 1 >= m_rounds)
        return;
    ++m_round;
    m_roundTeacher = copyOfStudent(m_ctx.studentEma);
    freeze(*m_roundTeacher);
}

void ProgressiveDistillation::save(torch::serialize::OutputArchive& archive) const
{
    archive.write("pd_round", c10::IValue(static_cast<int64_t>(m_round)));
    if (m_roundTeacher) {
        torch::serialize::OutputArchive sub;
        m_roundTeacher->save(sub);
        archive.write("pd_round_teacher", sub);
    }
}

void ProgressiveDistillation::load(torch::serialize::InputArchive& archive)
{
    c10::IValue round;
    if (!archive.try_read("pd_round", round))
        return;
    if (!round.isInt() || round.toInt() < 0 || round.toInt() > 64)
        throw CheckpointError("\"pd_round\" is not a round number from 0 to 64");
    m_round = static_cast<int>(round.toInt());
    torch::serialize::InputArchive sub;
    if (m_round > 0 && archive.try_read("pd_round_teacher", sub)) {
        m_roundTeacher = copyOfStudent(m_ctx.studentEma);
        loadModuleStrictly(sub, *m_roundTeacher, "\"pd_round_teacher\" weights");
        m_roundTeacher->to(m_ctx.device);
        freeze(*m_roundTeacher);
    }
}

} // namespace ddil
