#include "core/diffusion/guidance.h"

#include <torch/types.h>

#include <stdexcept>

namespace ddil {

double GuidanceSpec::conditionalWeight() const
{
    switch (convention) {
    case GuidanceConvention::UncondPlusW:
        return scale;
    case GuidanceConvention::CondPlusW:
        return 1.0 + scale;
    }
    throw std::logic_error("unknown guidance convention");
}

torch::Tensor combineGuidance(
    const torch::Tensor& cond, const torch::Tensor& uncond, const GuidanceSpec& spec)
{
    return uncond + spec.conditionalWeight() * (cond - uncond);
}

DenoiseFn makeGuidedDenoiser(ModelFn model, const VpSchedule& schedule, Prediction prediction,
    torch::Tensor labels, GuidanceSpec guidance, int64_t nullClass)
{
    return [model = std::move(model), schedule, prediction, labels = std::move(labels), guidance,
               nullClass](const torch::Tensor& x, const torch::Tensor& t) {
        if (labels.size(0) != x.size(0))
            throw std::invalid_argument("guided denoiser: label count does not match the batch");
        torch::Tensor output;
        if (guidance.needsUnconditional()) {
            const auto both = model(torch::cat({ x, x }), torch::cat({ t, t }),
                torch::cat({ labels, torch::full_like(labels, nullClass) }));
            const auto halves = both.chunk(2, 0);
            output = combineGuidance(halves[0], halves[1], guidance);
        } else {
            output = model(x, t, labels);
        }
        return fromPrediction(prediction, output, x, schedule.alpha(t), schedule.sigma(t));
    };
}

} // namespace ddil
