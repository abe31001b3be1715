#include "core/models/denoiser_net.h"

#include "core/api/errors.h"
#include "core/models/mlp_denoiser.h"

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

std::shared_ptr<DenoiserNet> makeDenoiserNet(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses)
{
    switch (config.kind) {
    case ModelKind::Mlp: {
        if (sampleShape.size() != 1)
            throw ConfigError("model.kind: \"mlp\" needs flat samples (2-D toy data), not images");
        return std::make_shared<MlpDenoiser>(config, sampleShape[0], numClasses);
    }
    }
    throw std::logic_error("unknown model kind");
}

void emaUpdate(torch::nn::Module& ema, const torch::nn::Module& model, double decay)
{
    torch::NoGradGuard noGrad;
    auto dst = ema.parameters();
    const auto src = model.parameters();
    for (size_t i = 0; i < dst.size(); ++i)
        dst[i].mul_(decay).add_(src[i].detach(), 1.0 - decay);
    auto dstB = ema.buffers();
    const auto srcB = model.buffers();
    for (size_t i = 0; i < dstB.size(); ++i)
        dstB[i].copy_(srcB[i]);
}

void copyWeights(torch::nn::Module& dst, const torch::nn::Module& src)
{
    emaUpdate(dst, src, 0.0);
}

int64_t parameterCount(const torch::nn::Module& module)
{
    int64_t n = 0;
    for (const auto& p : module.parameters())
        n += p.numel();
    return n;
}

} // namespace ddil
