#pragma once
// Sample-quality metrics on feature vectors (rows of (N, D) tensors), the small-scale stand-ins
// of the paper's FID, density/coverage, LPIPS diversity and CLIP score (../shared/DDIL.md §6).
// All sums in float64; the pairwise ones blockwise, so 10k x 10k sets fit in memory.

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ddil {

// Mean and covariance (unbiased, float64) of a feature set.
struct GaussianStats {
    torch::Tensor mean; // (D)
    torch::Tensor cov; // (D, D)
    int64_t count = 0;
};
// Throws ConfigError when there are not more samples than feature dimensions (the covariance
// would be singular and the Fréchet distance meaningless).
GaussianStats gaussianStats(const torch::Tensor& features);

// ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), both roots by symmetric
// eigendecomposition (eigenvalues clamped at 0).
double frechetDistance(const GaussianStats& a, const GaussianStats& b);

// Unbiased MMD^2 with the polynomial kernel k(x, y) = (x.y / D + 1)^3 (Binkowski et al. 2018).
double polynomialMmdUnbiased(const torch::Tensor& x, const torch::Tensor& y);
// KID: the mean and standard deviation of polynomialMmdUnbiased over `subsets` random subsets of
// min(subsetSize, |x|, |y|) rows of each set.
struct KidResult {
    double mean = 0.0;
    double std = 0.0;
};
KidResult kernelInceptionDistance(const torch::Tensor& real, const torch::Tensor& fake, int subsets,
    int64_t subsetSize, torch::Generator& generator);

// Precision and recall (Kynkäänniemi et al. 2019) with k-NN balls of kPr neighbours; density
// and coverage (Naeem et al. 2020) with kDc neighbours.
struct PrdcResult {
    double precision = 0.0;
    double recall = 0.0;
    double density = 0.0;
    double coverage = 0.0;
};
PrdcResult precisionRecallDensityCoverage(const torch::Tensor& real, const torch::Tensor& fake,
    int64_t kPr = 3, int64_t kDc = 5, int64_t block = 512);

// The distance of each row to its k-th nearest other row (blockwise).
torch::Tensor kNearestRadii(const torch::Tensor& features, int64_t k, int64_t block = 512);

// Mean pairwise Euclidean distance between rows of the same label, averaged over the labels
// that occur at least twice.
double meanIntraClassDistance(const torch::Tensor& features, const torch::Tensor& labels);

// The share of samples whose predicted class is their conditioning class, and the histogram of
// predicted classes with its entropy in bits (log2(numClasses) when every class is equally
// frequent: full mode coverage).
struct ClassConsistency {
    double consistency = 0.0;
    std::vector<int64_t> histogram;
    double entropyBits = 0.0;
};
ClassConsistency classConsistency(
    const torch::Tensor& predicted, const torch::Tensor& conditioning, int64_t numClasses);

} // namespace ddil
