#pragma once
// MLP denoiser for flat (2-D toy) data: x, time and class embeddings summed into a hidden
// vector, then pre-activation residual blocks.

#include "core/models/denoiser_net.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace ddil {

class MlpDenoiser final : public DenoiserNet {
public:
    MlpDenoiser(const ModelConfig& config, int64_t inputDim, int64_t numClasses);

    torch::Tensor forwardWithFeatures(const torch::Tensor& x, const torch::Tensor& t,
        const torch::Tensor& labels, const torch::Tensor& guidanceScale,
        torch::Tensor* bottleneck) override;
    int64_t bottleneckDim() const override { return m_config.hidden; }
    std::string signature() const override;
    int64_t numClasses() const override { return m_numClasses; }

private:
    ModelConfig m_config;
    int64_t m_inputDim;
    int64_t m_numClasses;
    torch::nn::Linear m_inProj { nullptr };
    torch::nn::Linear m_timeProj1 { nullptr }, m_timeProj2 { nullptr };
    torch::nn::Embedding m_classEmbedding { nullptr };
    GuidanceEmbedding m_guidanceEmbedding { nullptr };
    torch::nn::ModuleList m_blocks { nullptr };
    torch::nn::LayerNorm m_outNorm { nullptr };
    torch::nn::Linear m_outProj { nullptr };
};

} // namespace ddil
