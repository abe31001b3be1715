#pragma once
// The evaluator network: a small CNN classifier for images (B, C, H, W) in [-1, 1]. Its
// penultimate activations (model.hidden dimensions) are the feature space of the image metrics
// (FID in evaluator features, KID, precision/recall, density/coverage, diversity); its
// predictions give class consistency.
// conv-BN-ReLU x2 (width channels), max-pool, conv-BN-ReLU x2 (2 * channels), max-pool,
// conv-BN-ReLU (4 * channels), global average pooling, a linear layer to the features (ReLU),
// dropout and the linear class head.

#include "core/api/config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace ddil {

class ClassifierNet : public torch::nn::Module {
public:
    ClassifierNet(
        const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses);

    torch::Tensor features(const torch::Tensor& x); // (B, hidden)
    torch::Tensor logits(const torch::Tensor& x); // (B, numClasses)
    torch::Tensor head(const torch::Tensor& features) { return m_head(features); }

    std::string signature() const;
    int64_t numClasses() const { return m_numClasses; }
    int64_t featureDim() const { return m_config.hidden; }

private:
    ModelConfig m_config;
    std::vector<int64_t> m_shape;
    int64_t m_numClasses;
    torch::nn::Sequential m_body { nullptr };
    torch::nn::Linear m_features { nullptr };
    torch::nn::Dropout m_dropout { nullptr };
    torch::nn::Linear m_head { nullptr };
};

} // namespace ddil
