#include "core/models/unet.h"

#include "core/api/errors.h"

#include <torch/nn/functional/upsampling.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cmath>

namespace ddil {

namespace {

Convolution conv3x3(int64_t in, int64_t out, int64_t stride = 1)
{
    return Convolution(in, out, 3, stride, 1);
}

// GroupNorm's input in float32 (a no-op outside autocast): under runtime.precision bf16, CUDA's
// autocast normalises in float32 by itself, but LibTorch 1.13's CPU autocast passes the bf16
// activations through and group_norm then refuses its float32 weights.
torch::Tensor inFloat32(const torch::Tensor& x)
{
    return x.to(torch::kFloat32);
}

// Every UNet part takes the feature map and the (time + class) embedding.
struct UNetLayer : torch::nn::Module {
    virtual torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& emb) = 0;
};

// GroupNorm -> SiLU -> conv, plus the embedding as a per-channel shift, then
// GroupNorm -> SiLU -> dropout -> conv (zero-initialised), added to a 1x1 skip.
struct ResBlock : UNetLayer {
    ResBlock(int64_t in, int64_t out, int64_t embDim, int64_t groups, double dropout)
        : norm1(register_module("norm1", torch::nn::GroupNorm(groups, in)))
        , conv1(register_module("conv1", conv3x3(in, out)))
        , embProj(register_module("emb_proj", torch::nn::Linear(embDim, out)))
        , norm2(register_module("norm2", torch::nn::GroupNorm(groups, out)))
        , drop(register_module("dropout", torch::nn::Dropout(dropout)))
        , conv2(register_module("conv2", conv3x3(out, out)))
    {
        torch::NoGradGuard noGrad;
        conv2->weight.zero_();
        conv2->bias.zero_();
        if (in != out)
            skip = register_module("skip", Convolution(in, out, 1));
    }
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb) override
    {
        auto h = conv1(torch::silu(norm1(inFloat32(x))));
        h = h + embProj(torch::silu(emb)).unsqueeze(-1).unsqueeze(-1);
        h = conv2(drop(torch::silu(norm2(inFloat32(h)))));
        return (skip ? skip(x) : x) + h;
    }
    torch::nn::GroupNorm norm1;
    Convolution conv1;
    torch::nn::Linear embProj;
    torch::nn::GroupNorm norm2;
    torch::nn::Dropout drop;
    Convolution conv2;
    Convolution skip { nullptr };
};

// Single-head self-attention over all positions, residual, output zero-initialised.
struct AttentionBlock : UNetLayer {
    AttentionBlock(int64_t ch, int64_t groups)
        : norm(register_module("norm", torch::nn::GroupNorm(groups, ch)))
        , qkv(register_module("qkv", Convolution(ch, 3 * ch, 1)))
        , proj(register_module("proj", Convolution(ch, ch, 1)))
    {
        torch::NoGradGuard noGrad;
        proj->weight.zero_();
        proj->bias.zero_();
    }
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&) override
    {
        const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        const auto parts = qkv(norm(inFloat32(x))).reshape({ b, 3, c, h * w }).unbind(1);
        const auto weights
            = torch::softmax(torch::bmm(parts[0].transpose(1, 2), parts[1]) / std::sqrt(double(c)),
                -1); // (b, hw, hw)
        const auto out = torch::bmm(parts[2], weights.transpose(1, 2)).reshape({ b, c, h, w });
        return x + proj(out);
    }
    torch::nn::GroupNorm norm;
    Convolution qkv, proj;
};

struct Downsample : UNetLayer {
    explicit Downsample(int64_t ch)
        : conv(register_module("conv", conv3x3(ch, ch, 2)))
    {
    }
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&) override { return conv(x); }
    Convolution conv;
};

struct Upsample : UNetLayer {
    explicit Upsample(int64_t ch)
        : conv(register_module("conv", conv3x3(ch, ch)))
    {
    }
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&) override
    {
        namespace F = torch::nn::functional;
        return conv(F::interpolate(x,
            F::InterpolateFuncOptions()
                .scale_factor(std::vector<double> { 2.0, 2.0 })
                .mode(torch::kNearest)));
    }
    Convolution conv;
};

UNetLayer& layerAt(const torch::nn::ModuleList& list, size_t i)
{
    return *std::dynamic_pointer_cast<UNetLayer>(list->ptr(i));
}

} // namespace

UNetDenoiser::UNetDenoiser(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses)
    : m_config(config)
    , m_shape(sampleShape)
    , m_numClasses(numClasses)
{
    const auto levels = static_cast<int64_t>(config.channel_mult.size());
    if (sampleShape.size() != 3)
        throw ConfigError("model.kind: \"unet\" needs images (C, H, W)");
    const int64_t factor = int64_t(1) << (levels - 1);
    if (sampleShape[1] % factor != 0 || sampleShape[2] % factor != 0)
        throw ConfigError("model.channel_mult: " + std::to_string(levels)
            + " levels need an image size divisible by " + std::to_string(factor) + ", got "
            + std::to_string(sampleShape[1]) + "x" + std::to_string(sampleShape[2]));
    const int64_t base = config.channels, groups = config.groups;
    const int64_t embDim = 4 * base;
    for (int mult : config.channel_mult)
        if ((base * mult) % groups != 0)
            throw ConfigError("model.groups: " + std::to_string(groups) + " does not divide "
                + std::to_string(base * mult) + " channels");

    m_timeProj1 = register_module("time_proj1", torch::nn::Linear(config.time_embedding, embDim));
    m_timeProj2 = register_module("time_proj2", torch::nn::Linear(embDim, embDim));
    m_classEmbedding
        = register_module("class_embedding", torch::nn::Embedding(numClasses + 1, embDim));
    if (config.guidance_embedding)
        m_guidanceEmbedding = register_module(
            "guidance_embedding", GuidanceEmbedding(config.time_embedding, embDim));
    m_inConv = register_module("in_conv", conv3x3(sampleShape[0], base));

    m_down = register_module("down", torch::nn::ModuleList());
    std::vector<int64_t> skipChannels { base };
    int64_t ch = base;
    for (int64_t level = 0; level < levels; ++level) {
        const int64_t out = base * config.channel_mult[level];
        const bool lowest = level == levels - 1;
        for (int i = 0; i < config.depth; ++i) {
            m_down->push_back(std::make_shared<ResBlock>(ch, out, embDim, groups, config.dropout));
            ch = out;
            if (lowest && config.attention)
                m_down->push_back(std::make_shared<AttentionBlock>(ch, groups));
            skipChannels.push_back(ch);
        }
        if (!lowest) {
            m_down->push_back(std::make_shared<Downsample>(ch));
            skipChannels.push_back(ch);
        }
    }
    m_middle = register_module("middle", torch::nn::ModuleList());
    m_middle->push_back(std::make_shared<ResBlock>(ch, ch, embDim, groups, config.dropout));
    if (config.attention)
        m_middle->push_back(std::make_shared<AttentionBlock>(ch, groups));
    m_middle->push_back(std::make_shared<ResBlock>(ch, ch, embDim, groups, config.dropout));

    m_up = register_module("up", torch::nn::ModuleList());
    for (int64_t level = levels - 1; level >= 0; --level) {
        const int64_t out = base * config.channel_mult[level];
        const bool lowest = level == levels - 1;
        for (int i = 0; i <= config.depth; ++i) {
            const int64_t skip = skipChannels.back();
            skipChannels.pop_back();
            m_up->push_back(
                std::make_shared<ResBlock>(ch + skip, out, embDim, groups, config.dropout));
            ch = out;
            if (lowest && config.attention)
                m_up->push_back(std::make_shared<AttentionBlock>(ch, groups));
        }
        if (level > 0)
            m_up->push_back(std::make_shared<Upsample>(ch));
    }
    m_outNorm = register_module("out_norm", torch::nn::GroupNorm(groups, ch));
    m_outConv = register_module("out_conv", conv3x3(ch, sampleShape[0]));
    torch::NoGradGuard noGrad;
    m_outConv->weight.zero_();
    m_outConv->bias.zero_();
}

int64_t UNetDenoiser::bottleneckDim() const
{
    return m_config.channels * m_config.channel_mult.back();
}

torch::Tensor UNetDenoiser::forwardWithFeatures(const torch::Tensor& x, const torch::Tensor& t,
    const torch::Tensor& labels, const torch::Tensor& guidanceScale, torch::Tensor* bottleneck)
{
    auto emb = m_timeProj2(torch::silu(m_timeProj1(timestepEmbedding(t, m_config.time_embedding))))
        + m_classEmbedding(labels);
    if (m_guidanceEmbedding && guidanceScale.defined())
        emb = emb + m_guidanceEmbedding(guidanceScale);
    auto h = m_inConv(x);
    std::vector<torch::Tensor> skips { h };
    for (size_t i = 0; i < m_down->size(); ++i) {
        auto& layer = layerAt(m_down, i);
        h = layer.forward(h, emb);
        // A skip is taken after each residual block (with its attention) and each downsampler.
        const bool attentionFollows = i + 1 < m_down->size()
            && dynamic_cast<AttentionBlock*>(m_down->ptr(i + 1).get()) != nullptr;
        if (!attentionFollows)
            skips.push_back(h);
    }
    for (size_t i = 0; i < m_middle->size(); ++i)
        h = layerAt(m_middle, i).forward(h, emb);
    if (bottleneck)
        *bottleneck = h.mean({ 2, 3 });
    for (size_t i = 0; i < m_up->size(); ++i) {
        auto& layer = layerAt(m_up, i);
        if (dynamic_cast<ResBlock*>(&layer)) {
            h = torch::cat({ h, skips.back() }, 1);
            skips.pop_back();
        }
        h = layer.forward(h, emb);
    }
    return m_outConv(torch::silu(m_outNorm(inFloat32(h))));
}

std::string UNetDenoiser::signature() const
{
    std::string mult;
    for (int m : m_config.channel_mult)
        mult += (mult.empty() ? "" : "-") + std::to_string(m);
    return "unet(shape=" + std::to_string(m_shape[0]) + "x" + std::to_string(m_shape[1]) + "x"
        + std::to_string(m_shape[2]) + ",channels=" + std::to_string(m_config.channels)
        + ",mult=" + mult + ",depth=" + std::to_string(m_config.depth) + ",attention="
        + (m_config.attention ? "1" : "0") + ",groups=" + std::to_string(m_config.groups)
        + ",time_embedding=" + std::to_string(m_config.time_embedding)
        + ",classes=" + std::to_string(m_numClasses)
        + (m_config.guidance_embedding ? ",guidance_embedding=1" : "") + ")";
}

} // namespace ddil
