#pragma once
// Scores generated images against the real test split of their dataset in a feature space:
// FID (with its floor: a real subset of the same size against the full split), KID,
// precision/recall, density/coverage, diversity (with the real data's value beside it), and,
// when the extractor classifies, class consistency and the entropy of the predicted classes.
// Real features are cached on disk per (dataset, split, extractor hash).

#include "core/api/config.h"
#include "core/api/scalars.h"
#include "core/data/image_dataset.h"
#include "core/metrics/feature_extractor.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ddil {

struct GaussianStats;

struct SampleQuality {
    Scalars scalars; // "eval/fid", "eval/fid_floor", "eval/kid", "eval/precision", ...
    std::vector<int64_t> classHistogram; // empty when the extractor does not classify
    std::string fidName; // "FID (evaluator features)"
    std::string extractor; // what the features come from
};

class SampleQualityScorer {
public:
    // Loads the test split of `data` and the extractor; reads or computes the real features.
    SampleQualityScorer(
        const DataConfig& data, const std::string& extractorPath, torch::Device device);
    ~SampleQualityScorer();

    // samples (N, C, H, W) in [-1, 1], labels (N) the classes they were conditioned on. `seed`
    // picks the real subsets of KID and precision/recall/density/coverage.
    SampleQuality score(const torch::Tensor& samples, const torch::Tensor& labels, uint64_t seed);

    int64_t numClasses() const { return m_test->numClasses(); }
    FeatureExtractor& extractor() { return *m_extractor; }
    const ImageDataset& testSplit() const { return *m_test; }
    // Where the real features were cached ("" when the cache folder is not writable).
    const std::string& cacheFile() const { return m_cacheFile; }

private:
    std::unique_ptr<ImageDataset> m_test;
    std::unique_ptr<FeatureExtractor> m_extractor;
    torch::Tensor m_realFeatures; // (N, D) float32
    std::unique_ptr<GaussianStats> m_realStats; // of m_realFeatures, for FID
    std::string m_cacheFile;
};

} // namespace ddil
