#pragma once
// Classifier-free guidance (Ho & Salimans 2022) with a null class, and the denoiser closure
// that samplers call. Labels are int64 class indices; index `nullClass` (= number of classes)
// means "no condition". Guidance is combined in the model's own output space; every conversion
// to x0 / eps is affine in it with the same state, so the combination is the same in x0 or eps.

#include "core/api/config.h"
#include "core/diffusion/parameterization.h"
#include "core/diffusion/schedule.h"

#include <torch/types.h>

#include <functional>

namespace ddil {

// The network: raw output for states x (B, ...), times t (B) and labels (B).
using ModelFn = std::function<torch::Tensor(
    const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& labels)>;
// What samplers call: (x0, eps) estimates for states x at per-sample times t (B).
using DenoiseFn = std::function<Denoised(const torch::Tensor& x, const torch::Tensor& t)>;

struct GuidanceSpec {
    double scale = 1.0;
    GuidanceConvention convention = GuidanceConvention::UncondPlusW;

    static GuidanceSpec fromConfig(const GuidanceConfig& c) { return { c.scale, c.convention }; }
    // Weight k of the conditional output in  out = uncond + k (cond - uncond).
    double conditionalWeight() const;
    // False when the result is the plain conditional output (one network pass suffices).
    bool needsUnconditional() const { return conditionalWeight() != 1.0; }
};

torch::Tensor combineGuidance(
    const torch::Tensor& cond, const torch::Tensor& uncond, const GuidanceSpec& spec);

// Evaluates the model once on a doubled batch (labels, then the null class) when guidance needs
// the unconditional output, once on the plain batch otherwise.
DenoiseFn makeGuidedDenoiser(ModelFn model, const VpSchedule& schedule, Prediction prediction,
    torch::Tensor labels, GuidanceSpec guidance, int64_t nullClass);

} // namespace ddil
