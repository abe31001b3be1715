#include "core/metrics/image_metrics.h"

#include "core/api/errors.h"

#include <ATen/ops/linalg_eigh.h> // at::linalg_*: LibTorch 1.13 and 2.x (2.x has no <torch/linalg.h>)
#include <ATen/ops/linalg_eigvalsh.h>
#include <torch/types.h>

#include <cmath>

namespace ddil {

namespace {
torch::Tensor asDouble(const torch::Tensor& x)
{
    return x.to(torch::kCPU, torch::kFloat64).contiguous();
}

// Symmetric square root by eigendecomposition, negative eigenvalues (round-off) clamped to 0.
torch::Tensor symmetricSqrt(const torch::Tensor& m)
{
    const auto [values, vectors] = at::linalg_eigh(m, "L");
    return torch::matmul(vectors * values.clamp_min(0.0).sqrt().unsqueeze(0), vectors.t());
}

// Pairwise Euclidean distances (a rows x b rows), exact in float64.
torch::Tensor pairwiseDistances(const torch::Tensor& a, const torch::Tensor& b)
{
    const auto sq = a.pow(2).sum(1, true) + b.pow(2).sum(1).unsqueeze(0) - 2.0 * a.matmul(b.t());
    return sq.clamp_min(0.0).sqrt();
}
} // namespace

GaussianStats gaussianStats(const torch::Tensor& featuresIn)
{
    const auto f = asDouble(featuresIn);
    const int64_t n = f.size(0), d = f.size(1);
    if (n <= d)
        throw ConfigError("the Fréchet distance needs more samples than feature dimensions: got "
            + std::to_string(n) + " samples of " + std::to_string(d)
            + "-dimensional features (use at least " + std::to_string(d + 1)
            + "; a few times more for a stable value)");
    const auto mean = f.mean(0);
    const auto centred = f - mean;
    return { mean, centred.t().matmul(centred) / double(n - 1), n };
}

double frechetDistance(const GaussianStats& a, const GaussianStats& b)
{
    const double meanTerm = (a.mean - b.mean).pow(2).sum().item<double>();
    const auto rootA = symmetricSqrt(a.cov);
    const auto middle = rootA.matmul(b.cov).matmul(rootA);
    const auto middleSym = 0.5 * (middle + middle.t()); // exact symmetry for eigh
    const auto eig = at::linalg_eigvalsh(middleSym, "L");
    const double traceRoot = eig.clamp_min(0.0).sqrt().sum().item<double>();
    const double value
        = meanTerm + a.cov.trace().item<double>() + b.cov.trace().item<double>() - 2.0 * traceRoot;
    return std::max(0.0, value);
}

double polynomialMmdUnbiased(const torch::Tensor& xIn, const torch::Tensor& yIn)
{
    const auto x = asDouble(xIn), y = asDouble(yIn);
    const int64_t m = x.size(0), n = y.size(0);
    const double d = static_cast<double>(x.size(1));
    if (m < 2 || n < 2)
        throw ConfigError("KID needs at least 2 samples in each set");
    auto kernel = [d](const torch::Tensor& a, const torch::Tensor& b) {
        return (a.matmul(b.t()) / d + 1.0).pow(3);
    };
    const auto kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y);
    const double sxx = (kxx.sum() - kxx.diagonal().sum()).item<double>() / double(m * (m - 1));
    const double syy = (kyy.sum() - kyy.diagonal().sum()).item<double>() / double(n * (n - 1));
    const double sxy = kxy.sum().item<double>() / double(m * n);
    return sxx + syy - 2.0 * sxy;
}

KidResult kernelInceptionDistance(const torch::Tensor& real, const torch::Tensor& fake, int subsets,
    int64_t subsetSize, torch::Generator& generator)
{
    const int64_t size = std::min({ subsetSize, real.size(0), fake.size(0) });
    // Subsets as large as both sets are the sets themselves: one estimate, no spread.
    if (size == real.size(0) && size == fake.size(0))
        subsets = 1;
    std::vector<double> values;
    for (int s = 0; s < std::max(1, subsets); ++s) {
        const auto ri = torch::randperm(real.size(0), generator, torch::kInt64).slice(0, 0, size);
        const auto fi = torch::randperm(fake.size(0), generator, torch::kInt64).slice(0, 0, size);
        values.push_back(polynomialMmdUnbiased(real.index_select(0, ri), fake.index_select(0, fi)));
    }
    double mean = 0.0, var = 0.0;
    for (double v : values)
        mean += v;
    mean /= double(values.size());
    for (double v : values)
        var += (v - mean) * (v - mean);
    return { mean, values.size() > 1 ? std::sqrt(var / double(values.size() - 1)) : 0.0 };
}

torch::Tensor kNearestRadii(const torch::Tensor& featuresIn, int64_t k, int64_t block)
{
    const auto f = asDouble(featuresIn);
    const int64_t n = f.size(0);
    if (k >= n)
        throw ConfigError("k-NN radii with k = " + std::to_string(k) + " need more than "
            + std::to_string(k) + " samples, got " + std::to_string(n));
    std::vector<torch::Tensor> parts;
    for (int64_t begin = 0; begin < n; begin += block) {
        const auto d = pairwiseDistances(f.slice(0, begin, std::min(n, begin + block)), f);
        // The smallest distance is each row to itself; the (k + 1)-th is its k-th neighbour.
        parts.push_back(
            std::get<0>(d.topk(k + 1, 1, /*largest=*/false, /*sorted=*/true)).select(1, k));
    }
    return torch::cat(parts);
}

PrdcResult precisionRecallDensityCoverage(const torch::Tensor& realIn, const torch::Tensor& fakeIn,
    int64_t kPr, int64_t kDc, int64_t block)
{
    const auto real = asDouble(realIn), fake = asDouble(fakeIn);
    const auto realRadiiPr = kNearestRadii(real, kPr, block);
    const auto realRadiiDc = kNearestRadii(real, kDc, block);
    const auto fakeRadiiPr = kNearestRadii(fake, kPr, block);
    const int64_t nReal = real.size(0), nFake = fake.size(0);
    double precisionCount = 0.0, densitySum = 0.0;
    auto recalled = torch::zeros({ nReal }, torch::kBool);
    auto nearestFake = torch::full({ nReal }, INFINITY, torch::kFloat64);
    for (int64_t begin = 0; begin < nFake; begin += block) {
        const int64_t end = std::min(nFake, begin + block);
        const auto d = pairwiseDistances(fake.slice(0, begin, end), real); // (b, nReal)
        precisionCount += d.le(realRadiiPr.unsqueeze(0)).any(1).sum().item<double>();
        densitySum += d.le(realRadiiDc.unsqueeze(0)).sum().item<double>();
        recalled.logical_or_(d.le(fakeRadiiPr.slice(0, begin, end).unsqueeze(1)).any(0));
        nearestFake = torch::minimum(nearestFake, std::get<0>(d.min(0)));
    }
    PrdcResult r;
    r.precision = precisionCount / double(nFake);
    r.recall = recalled.to(torch::kFloat64).mean().item<double>();
    r.density = densitySum / (double(kDc) * double(nFake));
    r.coverage = nearestFake.le(realRadiiDc).to(torch::kFloat64).mean().item<double>();
    return r;
}

double meanIntraClassDistance(const torch::Tensor& featuresIn, const torch::Tensor& labels)
{
    const auto f = asDouble(featuresIn);
    const auto lab = labels.to(torch::kCPU, torch::kInt64);
    const auto classes = std::get<0>(torch::_unique(lab));
    double total = 0.0;
    int counted = 0;
    for (int64_t i = 0; i < classes.size(0); ++i) {
        const auto members = f.index_select(0, lab.eq(classes[i]).nonzero().squeeze(1));
        const int64_t n = members.size(0);
        if (n < 2)
            continue;
        total += pairwiseDistances(members, members).sum().item<double>() / double(n * (n - 1));
        ++counted;
    }
    if (counted == 0)
        throw ConfigError("diversity needs at least two samples of one class");
    return total / counted;
}

ClassConsistency classConsistency(
    const torch::Tensor& predicted, const torch::Tensor& conditioning, int64_t numClasses)
{
    const auto p = predicted.to(torch::kCPU, torch::kInt64);
    const auto c = conditioning.to(torch::kCPU, torch::kInt64);
    ClassConsistency out;
    out.consistency = p.eq(c).to(torch::kFloat64).mean().item<double>();
    const auto hist = torch::bincount(p, {}, numClasses);
    out.histogram.assign(hist.data_ptr<int64_t>(), hist.data_ptr<int64_t>() + numClasses);
    const double n = static_cast<double>(p.size(0));
    for (int64_t count : out.histogram)
        if (count > 0)
            out.entropyBits -= (count / n) * std::log2(count / n);
    return out;
}

} // namespace ddil
