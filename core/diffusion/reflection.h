#pragma once
// The reflected formulation (Lou & Ermon 2023, as DDIL uses it; ../shared/DDIL.md §3): keep the
// process inside the data domain [-1, 1]^d by projecting every x0 estimate and re-deriving eps
// from the projected x0, so targets and rollouts see one consistent process.
//   static  : x0 <- clamp(x0, -1, 1)
//   dynamic : s = max(1, quantile(|x0| per sample, p)), x0 <- clamp(x0, -s, s) / s  (Imagen)

#include "core/api/enums.h"
#include "core/diffusion/guidance.h"
#include "core/diffusion/parameterization.h"
#include "core/diffusion/schedule.h"

#include <torch/types.h>

namespace ddil {

struct ProjectionSpec {
    ProjectionKind kind = ProjectionKind::None;
    double percentile = 0.995; // p of the dynamic projection, in (0, 1]
};

// Π(x0) for a batch (B, ...); the dynamic threshold is computed per sample.
torch::Tensor projectX0(const torch::Tensor& x0, const ProjectionSpec& spec);

// (Π(x0), (x - alpha Π(x0)) / sigma) at state x; unchanged when the kind is None.
Denoised reflectDenoised(const Denoised& d, const torch::Tensor& x, const torch::Tensor& alpha,
    const torch::Tensor& sigma, const ProjectionSpec& spec);

// `inner` with every estimate reflected: what samplers and rollouts call.
DenoiseFn reflectedDenoiser(DenoiseFn inner, const VpSchedule& schedule, ProjectionSpec spec);

} // namespace ddil
