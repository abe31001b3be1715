#include "core/metrics/sample_quality.h"

#include "core/api/errors.h"
#include "core/io/cache_directory.h"
#include "core/io/fnv_hash.h"
#include "core/io/npy.h"
#include "core/metrics/image_metrics.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cstdlib>
#include <filesystem>

namespace ddil {

namespace fs = std::filesystem;

namespace {
constexpr int kKidSubsets = 20;
constexpr int64_t kKidSubsetSize = 1000;

torch::Tensor fromNpy(const NpyArray& array)
{
    return torch::from_blob(const_cast<float*>(array.data.data()), array.shape, torch::kFloat32)
        .clone();
}

NpyArray toNpy(const torch::Tensor& t)
{
    const auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    NpyArray array;
    array.shape.assign(c.sizes().begin(), c.sizes().end());
    array.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return array;
}
} // namespace

SampleQualityScorer::SampleQualityScorer(
    const DataConfig& data, const std::string& extractorPath, torch::Device device)
    : m_test(loadImageDataset(data, DataSplit::Test))
    , m_extractor(FeatureExtractor::load(extractorPath, device))
{
    // The key covers the images themselves, so an edited dataset never reuses stale features.
    const auto& images = m_test->images();
    std::uint64_t key = fnv1a64(images.data_ptr<uint8_t>(), size_t(images.numel()));
    key = fnv1a64(m_extractor->hash().data(), m_extractor->hash().size(), key);
    const std::string name = "real-features-" + toHex(key) + ".npy";
    const fs::path file = fs::path(cacheDirectory()) / name;
    std::error_code ec;
    if (fs::exists(file, ec)) {
        try {
            m_realFeatures = fromNpy(readNpy(file.string()));
            if (m_realFeatures.dim() == 2 && m_realFeatures.size(0) == m_test->size())
                m_cacheFile = file.string();
            else
                m_realFeatures = torch::Tensor();
        } catch (const IoError&) {
            m_realFeatures = torch::Tensor(); // a damaged cache entry is recomputed
        }
    }
    if (!m_realFeatures.defined()) {
        m_realFeatures = m_extractor->extract(m_test->slice(0, m_test->size()).x).features;
        fs::create_directories(file.parent_path(), ec);
        try {
            writeNpy(file.string(), toNpy(m_realFeatures));
            m_cacheFile = file.string();
        } catch (const IoError&) {
            // Not cacheable here (read-only home, full disk): the scores are the same.
        }
    }
    m_realStats = std::make_unique<GaussianStats>(gaussianStats(m_realFeatures));
}

SampleQualityScorer::~SampleQualityScorer() = default;

SampleQuality SampleQualityScorer::score(
    const torch::Tensor& samples, const torch::Tensor& labels, uint64_t seed)
{
    if (samples.dim() != 4 || samples.sizes().slice(1).vec() != m_test->sampleShape())
        throw ConfigError("samples do not have the test split's image shape");
    const auto out = m_extractor->extract(samples);
    const auto& fake = out.features;
    const int64_t n = fake.size(0);
    auto gen = at::detail::createCPUGenerator(seed);
    const auto realIndex
        = torch::randperm(m_realFeatures.size(0), gen, torch::kInt64).slice(0, 0, n);
    const auto realSubset = m_realFeatures.index_select(0, realIndex);
    const auto realLabels = m_test->labels().index_select(0, realIndex);

    SampleQuality q;
    q.fidName = m_extractor->fidName();
    q.extractor = m_extractor->describe();
    q.scalars.emplace_back("eval/fid", frechetDistance(gaussianStats(fake), *m_realStats));
    q.scalars.emplace_back(
        "eval/fid_floor", frechetDistance(gaussianStats(realSubset), *m_realStats));
    const auto kid = kernelInceptionDistance(realSubset, fake, kKidSubsets, kKidSubsetSize, gen);
    q.scalars.emplace_back("eval/kid", kid.mean);
    q.scalars.emplace_back("eval/kid_std", kid.std);
    const auto prdc = precisionRecallDensityCoverage(realSubset, fake);
    q.scalars.emplace_back("eval/precision", prdc.precision);
    q.scalars.emplace_back("eval/recall", prdc.recall);
    q.scalars.emplace_back("eval/density", prdc.density);
    q.scalars.emplace_back("eval/coverage", prdc.coverage);
    q.scalars.emplace_back("eval/diversity", meanIntraClassDistance(fake, labels));
    q.scalars.emplace_back("eval/diversity_real", meanIntraClassDistance(realSubset, realLabels));
    if (out.logits.defined() && out.logits.size(1) == m_test->numClasses()) {
        const auto cc = classConsistency(out.logits.argmax(1), labels, m_test->numClasses());
        q.scalars.emplace_back("eval/class_consistency", cc.consistency);
        q.scalars.emplace_back("eval/class_entropy_bits", cc.entropyBits);
        q.classHistogram = cc.histogram;
    }
    return q;
}

} // namespace ddil
