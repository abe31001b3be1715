#pragma once
// A small class-conditional UNet for 1 x 8 x 8 images with every weight random: a fresh UNet's
// output layer is zero, so its samples would not show what a sampler does with them.

#include "core/models/denoiser_net.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <memory>

namespace ddil::test {

inline std::shared_ptr<DenoiserNet> randomSmallUnet(int64_t numClasses, uint64_t seed)
{
    ModelConfig c;
    c.kind = ModelKind::Unet;
    c.channels = 8;
    c.channel_mult = { 1, 2 };
    c.depth = 1;
    c.groups = 4;
    c.time_embedding = 8;
    auto net = makeDenoiserNet(c, { 1, 8, 8 }, numClasses);
    torch::NoGradGuard noGrad;
    auto gen = at::detail::createCPUGenerator(seed);
    for (auto& p : net->parameters())
        p.add_(torch::randn(p.sizes(), gen) * 0.05);
    return net;
}

} // namespace ddil::test
