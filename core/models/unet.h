#pragma once
// Class-conditional UNet denoiser for images (B, C, H, W), after Ho et al. 2020 and Dhariwal &
// Nichol 2021, kept small for CPUs: a time embedding plus a class embedding (with the null class
// of classifier-free guidance) feeding every residual block; residual blocks with GroupNorm;
// optional self-attention at the lowest resolution; `depth` blocks per resolution, widths
// channels * channel_mult[level], each level below the first halving the image size.

#include "core/models/convolution.h"
#include "core/models/denoiser_net.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace ddil {

class UNetDenoiser final : public DenoiserNet {
public:
    // sampleShape: (C, H, W); H and W must be divisible by 2^(levels - 1).
    UNetDenoiser(
        const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses);

    torch::Tensor forwardWithFeatures(const torch::Tensor& x, const torch::Tensor& t,
        const torch::Tensor& labels, const torch::Tensor& guidanceScale,
        torch::Tensor* bottleneck) override;
    int64_t bottleneckDim() const override;
    std::string signature() const override;
    int64_t numClasses() const override { return m_numClasses; }

private:
    ModelConfig m_config;
    std::vector<int64_t> m_shape;
    int64_t m_numClasses;
    torch::nn::Linear m_timeProj1 { nullptr }, m_timeProj2 { nullptr };
    torch::nn::Embedding m_classEmbedding { nullptr };
    GuidanceEmbedding m_guidanceEmbedding { nullptr };
    Convolution m_inConv { nullptr };
    torch::nn::ModuleList m_down { nullptr }; // blocks, attention and downsamplers in order
    torch::nn::ModuleList m_middle { nullptr };
    torch::nn::ModuleList m_up { nullptr };
    torch::nn::GroupNorm m_outNorm { nullptr };
    Convolution m_outConv { nullptr };
};

} // namespace ddil
