#include "core/distill/consistency_distillation.h"

#include "core/checkpoint/strict_load.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/runtime/device.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace ddil {

ConsistencyDistillation::ConsistencyDistillation(const DistillContext& context)
    : DistillationMethod(context)
{
    m_target = copyOfStudent(context.student);
    freeze(*m_target);
    int64_t dim = 1;
    for (auto s : context.data.sampleShape())
        dim *= s;
    const auto& c = context.config.distill.lcm;
    // Song & Dhariwal 2023 (improved consistency training): c = 0.00054 sqrt(d).
    m_huberC = c.huber_c > 0.0 ? c.huber_c : 0.00054 * std::sqrt(static_cast<double>(dim));
}

torch::Tensor ConsistencyDistillation::dataTimes(int64_t count, torch::Generator& generator) const
{
    const int n = m_ctx.config.distill.lcm.solver_steps;
    return torch::randint(1, n + 1, { count }, generator, torch::kInt64).to(torch::kFloat32) / n;
}

std::pair<torch::Tensor, torch::Tensor> ConsistencyDistillation::perSampleLosses(DenoiserNet& net,
    const StateBatch& states, torch::Generator& generator, const DataParallel& shard)
{
    const auto& c = m_ctx.config.distill.lcm;
    const auto& schedule = m_ctx.policy.schedule();
    const int64_t b = states.x.size(0);
    const auto& z = states.x;
    auto w = toDevice(c.w_min + (c.w_max - c.w_min) * shard.randRows(b, generator), z.device());
    // A rolled-out state keeps the w it was made with; data states (NaN) take the drawn one.
    if (states.w.defined())
        w = torch::where(torch::isnan(states.w), w, states.w);
    const auto tPrev = (states.t - 1.0 / c.solver_steps).clamp_min(0.0);

    torch::Tensor target;
    {
        torch::NoGradGuard noGrad;
        // Skipping-step solver: one guided teacher DDIM step from t to t_n.
        const auto d = m_ctx.teacher.denoise(z, states.t, states.labels, w);
        const auto zPrev = perSample(schedule.alpha(tPrev), z) * d.x0
            + perSample(schedule.sigma(tPrev), z) * d.eps;
        target = m_ctx.policy.x0(*m_target, zPrev, tPrev, states.labels, w);
    }
    const auto prediction = m_ctx.policy.x0(net, z, states.t, states.labels, w);
    const auto squared = (prediction - target).pow(2).flatten(1);
    if (c.loss == ConsistencyLoss::L2)
        return { squared.mean(1), squared.detach().mean(1) };
    const auto sq = squared.sum(1);
    return { torch::sqrt(sq + m_huberC * m_huberC) - m_huberC, squared.detach().mean(1) };
}

LossTerms ConsistencyDistillation::loss(const StateBatch& states, torch::Generator& generator)
{
    const auto [perSampleLoss, mse]
        = perSampleLosses(m_ctx.student, states, generator, m_ctx.parallel);
    m_images += states.x.size(0); // the target network's evaluations
    return { perSampleLoss.mean(), { { "lcm/mse", mse.mean() } }, {} };
}

torch::Tensor ConsistencyDistillation::perSampleLoss(
    DenoiserNet& net, const StateBatch& states, torch::Generator& generator)
{
    torch::NoGradGuard noGrad;
    return perSampleLosses(net, states, generator, DataParallel::single()).first;
}

void ConsistencyDistillation::afterStep(int64_t)
{
    emaUpdate(*m_target, m_ctx.student, m_ctx.config.distill.lcm.target_ema);
}

void ConsistencyDistillation::save(torch::serialize::OutputArchive& archive) const
{
    torch::serialize::OutputArchive sub;
    m_target->save(sub);
    archive.write("lcm_target", sub);
}

void ConsistencyDistillation::load(torch::serialize::InputArchive& archive)
{
    torch::serialize::InputArchive sub;
    if (archive.try_read("lcm_target", sub)) {
        loadModuleStrictly(sub, *m_target, "\"lcm_target\" weights");
        m_target->to(m_ctx.device);
    }
}

} // namespace ddil
