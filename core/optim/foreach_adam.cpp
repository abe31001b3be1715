#include "core/optim/foreach_adam.h"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_addcdiv.h>
#include <ATen/ops/_foreach_addcmul.h>
#include <ATen/ops/_foreach_div.h>
#include <ATen/ops/_foreach_mul.h>
#include <ATen/ops/_foreach_sqrt.h>
#include <torch/utils.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace ddil {

namespace {
// The optimiser state's key for a parameter: its TensorImpl's address, as a string in LibTorch
// 1.13 (c10::guts::to_string of the pointer, which is operator<<) and as the pointer itself in 2.x
// (whichever the map's key type is). The string branch names nothing that 2.x lacks: 2.x removed
// c10::guts::to_string, and a name that does not depend on the template is looked up even in the
// discarded branch of an if constexpr.
template <typename Map>
typename Map::key_type stateKey(const Map&, const torch::Tensor& p)
{
    if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
        std::ostringstream key;
        key << p.unsafeGetTensorImpl();
        return key.str();
    } else {
        return static_cast<typename Map::key_type>(p.unsafeGetTensorImpl());
    }
}

// One step of Adam (decoupled = false: the weight decay is added to the gradient) or AdamW
// (decoupled: the parameters shrink by lr * weight_decay first), the operations of LibTorch's
// Adam::step / AdamW::step in their order, each over the whole group at once.
template <typename Options, typename State, typename StateMap>
void foreachStep(
    std::vector<torch::optim::OptimizerParamGroup>& groups, StateMap& states, bool decoupled)
{
    for (auto& group : groups) {
        const auto& options = static_cast<const Options&>(group.options());
        TORCH_CHECK(!options.amsgrad(), "the multi-tensor Adam has no AMSGrad");
        std::vector<torch::Tensor> params, grads, expAvgs, expAvgSqs;
        std::vector<c10::Scalar> correction2, stepSizes;
        const auto [beta1, beta2] = options.betas();
        for (auto& p : group.params()) {
            if (!p.grad().defined())
                continue;
            TORCH_CHECK(!p.grad().is_sparse(), "Adam does not support sparse gradients");
            const auto key = stateKey(states, p);
            auto found = states.find(key);
            if (found == states.end()) {
                auto state = std::make_unique<State>();
                state->step(0);
                state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                found = states.emplace(key, std::move(state)).first;
            }
            auto& state = static_cast<State&>(*found->second);
            state.step(state.step() + 1);
            const double bias1 = 1 - std::pow(beta1, state.step());
            const double bias2 = 1 - std::pow(beta2, state.step());
            correction2.emplace_back(std::sqrt(bias2));
            stepSizes.emplace_back(-options.lr() / bias1);
            params.push_back(p);
            grads.push_back(p.grad());
            expAvgs.push_back(state.exp_avg());
            expAvgSqs.push_back(state.exp_avg_sq());
        }
        if (params.empty())
            continue;
        if (options.weight_decay() != 0) {
            if (decoupled)
                at::_foreach_mul_(params, 1 - options.lr() * options.weight_decay());
            else
                grads = at::_foreach_add(grads, params, options.weight_decay());
        }
        at::_foreach_mul_(expAvgs, beta1);
        at::_foreach_add_(expAvgs, grads, 1 - beta1);
        at::_foreach_mul_(expAvgSqs, beta2);
        at::_foreach_addcmul_(expAvgSqs, grads, grads, 1 - beta2);
        auto denominators = at::_foreach_sqrt(expAvgSqs);
        at::_foreach_div_(denominators, correction2);
        at::_foreach_add_(denominators, options.eps());
        at::_foreach_addcdiv_(params, expAvgs, denominators, stepSizes);
    }
}

// The closure's loss (computed with gradients on), then one step over every group.
template <typename Options, typename State, typename StateMap>
torch::Tensor stepWithClosure(std::vector<torch::optim::OptimizerParamGroup>& groups,
    StateMap& states, bool decoupled, const torch::optim::Optimizer::LossClosure& closure)
{
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        at::AutoGradMode enableGrad(true);
        loss = closure();
    }
    foreachStep<Options, State>(groups, states, decoupled);
    return loss;
}
} // namespace

torch::Tensor ForeachAdam::step(LossClosure closure)
{
    return stepWithClosure<torch::optim::AdamOptions, torch::optim::AdamParamState>(
        param_groups_, state_, /*decoupled=*/false, closure);
}

torch::Tensor ForeachAdamW::step(LossClosure closure)
{
    return stepWithClosure<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(
        param_groups_, state_, /*decoupled=*/true, closure);
}

} // namespace ddil
