#include "core/optim/clip_grad_norm.h"

#include "core/runtime/torch_compat.h"

#include <ATen/ops/_foreach_norm.h>
#include <torch/utils.h>

namespace ddil {

torch::Tensor clipGradNorm(const std::vector<torch::Tensor>& parameters, double maxNorm)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> grads;
    for (const auto& p : parameters)
        if (p.grad().defined())
            grads.push_back(p.grad());
    if (grads.empty())
        return torch::zeros({}, torch::kFloat32);
    const auto norms = at::_foreach_norm(grads, 2.0);
    const auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2.0);
    const auto coef = torch::clamp(maxNorm / (total + 1e-6), c10::nullopt, 1.0);
    compat::foreachMul(grads, coef);
    return total;
}

} // namespace ddil
