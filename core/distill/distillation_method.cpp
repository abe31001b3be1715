#include "core/distill/distillation_method.h"

#include "core/diffusion/parameterization.h"
#include "core/distill/consistency_distillation.h"
#include "core/distill/dmd2_distillation.h"
#include "core/distill/progressive_distillation.h"
#include "core/distill/student_policy.h"
#include "core/models/denoiser_net.h"

#include <torch/types.h>

namespace ddil {

std::vector<double> DistillationMethod::studentTimes() const
{
    return ddil::studentTimes(m_ctx.config.distill, m_ctx.config.distill.student_steps);
}

std::shared_ptr<DenoiserNet> DistillationMethod::copyOfStudent(const DenoiserNet& from) const
{
    auto net
        = makeDenoiserNet(m_ctx.config.model, m_ctx.data.sampleShape(), m_ctx.data.numClasses());
    net->to(m_ctx.device);
    copyWeights(*net, from);
    return net;
}

std::unique_ptr<DistillationMethod> makeDistillationMethod(const DistillContext& context)
{
    switch (context.config.distill.method) {
    case DistillMethod::Progressive:
        return std::make_unique<ProgressiveDistillation>(context);
    case DistillMethod::Consistency:
        return std::make_unique<ConsistencyDistillation>(context);
    case DistillMethod::Dmd2:
        return std::make_unique<Dmd2Distillation>(context);
    }
    throw std::logic_error("unknown distillation method");
}

torch::Tensor progressiveTarget(const torch::Tensor& zt, const torch::Tensor& ztt,
    const torch::Tensor& alphaT, const torch::Tensor& sigmaT, const torch::Tensor& alphaTT,
    const torch::Tensor& sigmaTT)
{
    const auto ratio = sigmaTT / sigmaT;
    return (ztt - perSample(ratio, zt) * zt) / perSample(alphaTT - ratio * alphaT, zt);
}

torch::Tensor distributionMatchingGrad(
    const torch::Tensor& x, const torch::Tensor& realX0, const torch::Tensor& fakeX0)
{
    const auto pReal = x - realX0;
    const auto pFake = x - fakeX0;
    const auto normaliser = perSample(pReal.abs().flatten(1).mean(1), x);
    return torch::nan_to_num((pReal - pFake) / normaliser, 0.0, 0.0, 0.0);
}

} // namespace ddil
