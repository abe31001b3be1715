#include "core/metrics/distance2d.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <stdexcept>

namespace ddil {

torch::Tensor randomDirections(int64_t count, int64_t dim, torch::Generator& generator)
{
    auto v = torch::randn({ count, dim }, generator, torch::kFloat64);
    return v / v.norm(2, 1, true);
}

double slicedWasserstein(
    const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& directions)
{
    if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
        throw std::invalid_argument(
            "slicedWasserstein: need two (N, d) sets of the same dimension");
    if (a.size(0) != b.size(0) || a.size(0) == 0)
        throw std::invalid_argument("slicedWasserstein: both sets need the same, non-zero size");
    torch::NoGradGuard noGrad;
    const auto dirs = directions.to(torch::kFloat64).t(); // (d, K)
    const auto pa = std::get<0>(a.to(torch::kCPU, torch::kFloat64).matmul(dirs).sort(0));
    const auto pb = std::get<0>(b.to(torch::kCPU, torch::kFloat64).matmul(dirs).sort(0));
    return (pa - pb).abs().mean().item<double>();
}

namespace {
// Sum over all pairs of sum_h exp(-|x - y|^2 / (2 h^2)), in row blocks.
double kernelSum(
    const torch::Tensor& x, const torch::Tensor& y, const std::vector<double>& bandwidths)
{
    constexpr int64_t kBlock = 1024;
    double total = 0.0;
    const auto yy = (y * y).sum(1).unsqueeze(0);
    for (int64_t i = 0; i < x.size(0); i += kBlock) {
        const auto xb = x.slice(0, i, std::min(i + kBlock, x.size(0)));
        const auto d2
            = ((xb * xb).sum(1).unsqueeze(1) + yy - 2.0 * xb.matmul(y.t())).clamp_min(0.0);
        for (double h : bandwidths)
            total += torch::exp(-d2 / (2.0 * h * h)).sum().item<double>();
    }
    return total;
}
} // namespace

double mmdRbf(const torch::Tensor& a, const torch::Tensor& b, const std::vector<double>& bandwidths)
{
    if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1) || a.size(0) == 0 || b.size(0) == 0)
        throw std::invalid_argument("mmdRbf: need two non-empty (N, d) sets of the same dimension");
    torch::NoGradGuard noGrad;
    const auto x = a.to(torch::kCPU, torch::kFloat64);
    const auto y = b.to(torch::kCPU, torch::kFloat64);
    const double n = static_cast<double>(x.size(0)), m = static_cast<double>(y.size(0));
    const double mmd2 = kernelSum(x, x, bandwidths) / (n * n)
        + kernelSum(y, y, bandwidths) / (m * m) - 2.0 * kernelSum(x, y, bandwidths) / (n * m);
    // NaN stays NaN (std::max(0.0, NaN) is 0.0: a diverged model would score a perfect 0).
    return std::isnan(mmd2) ? mmd2 : std::sqrt(std::max(0.0, mmd2));
}

std::vector<std::pair<std::string, double>> distancesWithFloors(const torch::Tensor& samples,
    const torch::Tensor& reference, const torch::Tensor& other, const torch::Tensor& directions)
{
    return { { "eval/sliced_wasserstein", slicedWasserstein(samples, reference, directions) },
        { "eval/mmd", mmdRbf(samples, reference) },
        { "eval/sliced_wasserstein_floor", slicedWasserstein(other, reference, directions) },
        { "eval/mmd_floor", mmdRbf(other, reference) } };
}

} // namespace ddil
