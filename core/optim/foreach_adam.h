#pragma once
// Adam and AdamW whose step is a handful of multi-tensor (_foreach) operations over all of a
// group's parameters instead of about ten kernels per parameter: on CUDA that is a few launches
// per step instead of thousands. On the CPU the multi-tensor ops run the per-tensor operations
// of LibTorch's own step in the same order, so the result is the same bit for bit (tested).
// The state (AdamParamState / AdamWParamState) and its checkpoint format are LibTorch's: a
// checkpoint written by either optimiser loads in the other.

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

namespace ddil {

class ForeachAdam final : public torch::optim::Adam {
public:
    using torch::optim::Adam::Adam;
    torch::Tensor step(LossClosure closure = nullptr) override;
};

class ForeachAdamW final : public torch::optim::AdamW {
public:
    using torch::optim::AdamW::AdamW;
    torch::Tensor step(LossClosure closure = nullptr) override;
};

} // namespace ddil
