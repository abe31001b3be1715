#pragma once
// eps / x0 / v parameterisations and their exact conversions (Salimans & Ho 2022, App. D):
// x = alpha x0 + sigma eps, v = alpha eps - sigma x0, so x0 = alpha x - sigma v and
// eps = sigma x + alpha v. alpha and sigma are per-sample tensors of shape (B) or scalars
// broadcast over the sample dimensions.

#include "core/api/enums.h"

#include <torch/types.h>

namespace ddil {

struct Denoised {
    torch::Tensor x0;
    torch::Tensor eps;
};

// Reshapes a per-sample (B) tensor to (B, 1, ..., 1) so it broadcasts against `like`.
torch::Tensor perSample(const torch::Tensor& values, const torch::Tensor& like);

torch::Tensor x0FromEps(const torch::Tensor& x, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma);
torch::Tensor epsFromX0(const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& alpha,
    const torch::Tensor& sigma);
torch::Tensor vFromX0Eps(const torch::Tensor& x0, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma);

// The model's raw output, read as `kind`, turned into (x0, eps) at state x.
Denoised fromPrediction(Prediction kind, const torch::Tensor& output, const torch::Tensor& x,
    const torch::Tensor& alpha, const torch::Tensor& sigma);
// The training target of `kind` for a state built from (x0, eps).
torch::Tensor predictionTarget(Prediction kind, const torch::Tensor& x0, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma);

} // namespace ddil
