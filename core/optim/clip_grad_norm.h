#pragma once
// Gradient clipping by the global 2-norm, as torch::nn::utils::clip_grad_norm_ (the same
// operations, so the same bits on the CPU), with the norms taken by one multi-tensor op and the
// total norm returned as a tensor on the device instead of read: clipping never waits for the
// device.

#include <torch/types.h>

#include <vector>

namespace ddil {

// Scales the gradients of `parameters` by min(1, maxNorm / (total + 1e-6)); returns the total
// norm before clipping (0-dim, on the gradients' device; 0 when no parameter has a gradient).
torch::Tensor clipGradNorm(const std::vector<torch::Tensor>& parameters, double maxNorm);

} // namespace ddil
