#pragma once
// The feature space of the image metrics: an evaluator checkpoint (our classifier, whose
// penultimate activations are the features and whose predictions give class consistency) or any
// TorchScript module mapping (B, C, H, W) images in [-1, 1] to (B, D) features, or to a tuple
// (features, logits) when it also classifies (e.g. an Inception network exported elsewhere, for
// the standard FID).

#include <torch/types.h>

#include <memory>
#include <string>

namespace ddil {

struct ExtractedFeatures {
    torch::Tensor features; // (N, D) float32, CPU
    torch::Tensor logits; // (N, classes), undefined when the extractor does not classify
};

class FeatureExtractor {
public:
    virtual ~FeatureExtractor() = default;

    // Loads `path` (resolved with resolveResourcePath). Throws IoError when it is missing or
    // unreadable, CheckpointError when it is neither an evaluator checkpoint nor TorchScript.
    static std::unique_ptr<FeatureExtractor> load(const std::string& path, torch::Device device);

    // Runs on `device` in chunks of `chunk` images; returns CPU tensors.
    virtual ExtractedFeatures extract(const torch::Tensor& images, int64_t chunk = 128) = 0;

    const std::string& path() const { return m_path; }
    // FNV-1a of the file's bytes: real-data statistics are cached per extractor hash.
    const std::string& hash() const { return m_hash; }
    // "evaluator classifier(...)" or "torchscript"; FID is named after it.
    virtual std::string describe() const = 0;
    // "FID (evaluator features)" for our evaluator, "FID (TorchScript features)" otherwise.
    virtual std::string fidName() const = 0;

protected:
    std::string m_path;
    std::string m_hash;
};

} // namespace ddil
