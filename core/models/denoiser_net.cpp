#include "core/models/denoiser_net.h"

#include "core/api/errors.h"
#include "core/models/mlp_denoiser.h"
#include "core/models/unet.h"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_mul.h>
#include <torch/nn/functional/padding.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace ddil {

torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim)
{
    const int64_t half = dim / 2;
    const auto freqs = torch::exp(-std::log(10000.0) / half
        * torch::arange(half, torch::TensorOptions().dtype(torch::kFloat32).device(t.device())));
    const auto args = (t.to(torch::kFloat32) * 1000.0).unsqueeze(1) * freqs.unsqueeze(0);
    auto emb = torch::cat({ torch::sin(args), torch::cos(args) }, 1);
    if (dim % 2 == 1)
        emb = torch::nn::functional::pad(emb, torch::nn::functional::PadFuncOptions({ 0, 1 }));
    return emb;
}

GuidanceEmbeddingImpl::GuidanceEmbeddingImpl(int64_t sinusoidDim, int64_t outDim)
    : m_sinusoidDim(sinusoidDim)
{
    m_fc1 = register_module("fc1", torch::nn::Linear(sinusoidDim, outDim));
    m_fc2 = register_module("fc2", torch::nn::Linear(outDim, outDim));
    torch::NoGradGuard noGrad;
    m_fc2->weight.zero_();
    m_fc2->bias.zero_();
}

torch::Tensor GuidanceEmbeddingImpl::forward(const torch::Tensor& w)
{
    return m_fc2(torch::silu(m_fc1(timestepEmbedding(w, m_sinusoidDim))));
}

double minimumParameterCount(const ModelConfig& config)
{
    // In double: a config may describe more parameters than an int64 counts.
    const double hidden = config.hidden, depth = config.depth, base = config.channels;
    switch (config.kind) {
    case ModelKind::Mlp: // per block fc1 and fc2 (hidden x hidden), and time_proj2
        return (2.0 * depth + 1.0) * hidden * hidden;
    case ModelKind::Unet: {
        // time_proj2 (4 base x 4 base), the conv2 (3x3, out x out) of each level's blocks (depth
        // down, depth + 1 up), and the middle's two blocks' two convs at the lowest level's width.
        double count = 16.0 * base * base, lowest = base;
        for (const int mult : config.channel_mult) {
            const double out = base * mult;
            count += (2.0 * depth + 1.0) * 9.0 * out * out;
            lowest = out;
        }
        return count + 4.0 * 9.0 * lowest * lowest;
    }
    case ModelKind::Classifier: // the 3x3 convs c->c, 2c->2c, 2c->4c, and the features layer
        return 9.0 * (base * base + 4.0 * base * base + 8.0 * base * base) + 4.0 * base * hidden;
    }
    return 0.0;
}

std::shared_ptr<DenoiserNet> makeDenoiserNet(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses)
{
    switch (config.kind) {
    case ModelKind::Mlp: {
        if (sampleShape.size() != 1)
            throw ConfigError("model.kind: \"mlp\" needs flat samples (2-D toy data), not images");
        return std::make_shared<MlpDenoiser>(config, sampleShape[0], numClasses);
    }
    case ModelKind::Unet:
        return std::make_shared<UNetDenoiser>(config, sampleShape, numClasses);
    case ModelKind::Classifier:
        throw ConfigError("model.kind: \"classifier\" is not a denoiser (task \"evaluator\")");
    }
    throw std::logic_error("unknown model kind");
}

namespace {
void copyBuffers(torch::nn::Module& dst, const torch::nn::Module& src)
{
    torch::NoGradGuard noGrad;
    auto dstBuffers = dst.buffers();
    const auto srcBuffers = src.buffers();
    for (size_t i = 0; i < dstBuffers.size(); ++i)
        dstBuffers[i].copy_(srcBuffers[i]);
}

// Applies f(dst, src) to each pair of matching parameters, then copies the buffers.
template <class F>
void updateParameters(torch::nn::Module& dst, const torch::nn::Module& src, F&& f)
{
    torch::NoGradGuard noGrad;
    auto dstParams = dst.parameters();
    const auto srcParams = src.parameters();
    for (size_t i = 0; i < dstParams.size(); ++i)
        f(dstParams[i], srcParams[i].detach());
    copyBuffers(dst, src);
}
} // namespace

void emaUpdate(torch::nn::Module& ema, const torch::nn::Module& model, double decay)
{
    // Two multi-tensor ops instead of two kernels per parameter (one launch each on CUDA); on
    // the CPU they run e.mul_(decay).add_(p, 1 - decay) per tensor, bit for bit as before.
    torch::NoGradGuard noGrad;
    auto emaParams = ema.parameters();
    std::vector<torch::Tensor> params;
    for (const auto& p : model.parameters())
        params.push_back(p.detach());
    at::_foreach_mul_(emaParams, decay);
    at::_foreach_add_(emaParams, params, 1.0 - decay);
    copyBuffers(ema, model);
}

void copyWeights(torch::nn::Module& dst, const torch::nn::Module& src)
{
    updateParameters(dst, src, [](torch::Tensor& d, const torch::Tensor& s) { d.copy_(s); });
}

void copyMatchingWeights(torch::nn::Module& dst, const torch::nn::Module& src)
{
    torch::NoGradGuard noGrad;
    auto dstParams = dst.named_parameters();
    auto dstBuffers = dst.named_buffers();
    auto copy = [](torch::OrderedDict<std::string, torch::Tensor>& into, const std::string& name,
                    const torch::Tensor& value) {
        auto* target = into.find(name);
        if (!target || !target->sizes().equals(value.sizes()))
            throw CheckpointError("weights \"" + name + "\" have no counterpart of the same shape");
        target->copy_(value);
    };
    for (const auto& item : src.named_parameters())
        copy(dstParams, item.key(), item.value());
    for (const auto& item : src.named_buffers())
        copy(dstBuffers, item.key(), item.value());
}

void freeze(torch::nn::Module& module)
{
    module.eval();
    for (auto& p : module.parameters())
        p.requires_grad_(false);
}

int64_t parameterCount(const torch::nn::Module& module)
{
    int64_t n = 0;
    for (const auto& p : module.parameters())
        n += p.numel();
    return n;
}

} // namespace ddil
