#pragma once
// Distances between two point sets in R^d, used on 2-D toy samples.

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace ddil {

// count unit vectors in R^dim, uniformly distributed on the sphere.
torch::Tensor randomDirections(int64_t count, int64_t dim, torch::Generator& generator);

// Sliced 1-Wasserstein distance: the mean over `directions` (K, d) of the 1-D W1 distance
// between the projected sets. a and b are (N, d) with the same N.
double slicedWasserstein(
    const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& directions);

// Maximum mean discrepancy with a sum of Gaussian kernels exp(-|x - y|^2 / (2 h^2)) over the
// bandwidths h: the square root of the biased (V-statistic) MMD^2, so identical sets give 0.
// Computed in row blocks so large sets fit in memory.
double mmdRbf(const torch::Tensor& a, const torch::Tensor& b,
    const std::vector<double>& bandwidths = { 0.02, 0.05, 0.1, 0.2, 0.5 });

// The evaluation of 2-D samples: "eval/sliced_wasserstein" and "eval/mmd" to `reference`, each
// beside its floor ("..._floor": the same distance from `other`, an independent draw of real
// data, to `reference`), in that order.
std::vector<std::pair<std::string, double>> distancesWithFloors(const torch::Tensor& samples,
    const torch::Tensor& reference, const torch::Tensor& other, const torch::Tensor& directions);

} // namespace ddil
