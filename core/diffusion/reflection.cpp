#include "core/diffusion/reflection.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ddil {

torch::Tensor projectX0(const torch::Tensor& x0, const ProjectionSpec& spec)
{
    switch (spec.kind) {
    case ProjectionKind::None:
        return x0;
    case ProjectionKind::Static:
        return x0.clamp(-1.0, 1.0);
    case ProjectionKind::Dynamic: {
        if (!(spec.percentile > 0.0 && spec.percentile <= 1.0))
            throw std::invalid_argument("dynamic projection: percentile must be in (0, 1]");
        const auto flat = x0.abs().flatten(1);
        const auto s
            = std::get<0>(torch::kthvalue(flat,
                              std::max<int64_t>(1,
                                  static_cast<int64_t>(std::ceil(spec.percentile * flat.size(1)))),
                              1))
                  .clamp_min(1.0);
        const auto bound = perSample(s, x0);
        return torch::maximum(torch::minimum(x0, bound), -bound) / bound;
    }
    }
    throw std::logic_error("unknown projection kind");
}

Denoised reflectDenoised(const Denoised& d, const torch::Tensor& x, const torch::Tensor& alpha,
    const torch::Tensor& sigma, const ProjectionSpec& spec)
{
    if (spec.kind == ProjectionKind::None)
        return d;
    const auto x0 = projectX0(d.x0, spec);
    return { x0, epsFromX0(x, x0, alpha, sigma) };
}

DenoiseFn reflectedDenoiser(DenoiseFn inner, const VpSchedule& schedule, ProjectionSpec spec)
{
    if (spec.kind == ProjectionKind::None)
        return inner;
    return
        [inner = std::move(inner), schedule, spec](const torch::Tensor& x, const torch::Tensor& t) {
            return reflectDenoised(inner(x, t), x, schedule.alpha(t), schedule.sigma(t), spec);
        };
}

} // namespace ddil
