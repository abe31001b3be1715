#include "core/diffusion/parameterization.h"

#include <torch/types.h>

#include <stdexcept>

namespace ddil {

torch::Tensor perSample(const torch::Tensor& values, const torch::Tensor& like)
{
    if (values.dim() == 0 || like.dim() <= 1)
        return values;
    std::vector<int64_t> shape(like.dim(), 1);
    shape[0] = values.size(0);
    return values.reshape(shape);
}

torch::Tensor x0FromEps(const torch::Tensor& x, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma)
{
    return (x - perSample(sigma, x) * eps) / perSample(alpha, x);
}

torch::Tensor epsFromX0(const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& alpha,
    const torch::Tensor& sigma)
{
    return (x - perSample(alpha, x) * x0) / perSample(sigma, x);
}

torch::Tensor vFromX0Eps(const torch::Tensor& x0, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma)
{
    return perSample(alpha, x0) * eps - perSample(sigma, x0) * x0;
}

Denoised fromPrediction(Prediction kind, const torch::Tensor& output, const torch::Tensor& x,
    const torch::Tensor& alpha, const torch::Tensor& sigma)
{
    const auto a = perSample(alpha, x);
    const auto s = perSample(sigma, x);
    switch (kind) {
    case Prediction::Eps:
        return { (x - s * output) / a, output };
    case Prediction::X0:
        return { output, (x - a * output) / s };
    case Prediction::V:
        return { a * x - s * output, s * x + a * output };
    }
    throw std::logic_error("unknown prediction kind");
}

torch::Tensor predictionTarget(Prediction kind, const torch::Tensor& x0, const torch::Tensor& eps,
    const torch::Tensor& alpha, const torch::Tensor& sigma)
{
    switch (kind) {
    case Prediction::Eps:
        return eps;
    case Prediction::X0:
        return x0;
    case Prediction::V:
        return vFromX0Eps(x0, eps, alpha, sigma);
    }
    throw std::logic_error("unknown prediction kind");
}

} // namespace ddil
