#pragma once
// DMD2 (Yin et al. 2024): the student is a few-step generator, x = G(z_tau_k) (re-noised between
// steps). Real score: the frozen guided teacher; fake score: a trainable copy of the teacher,
// trained with the plain denoising loss on stop-grad generator outputs, `fake_updates` times per
// generator update. Generator loss: 0.5 ||x - sg(x - grad)||^2 with the normalised
// distribution-matching gradient, plus (optionally) the non-saturating GAN loss of a classifier
// head on the fake network's bottleneck (real = noised data, fake = noised generator outputs).

#include "core/distill/distillation_method.h"
#include "core/models/denoiser_net.h"
#include "core/optim/foreach_adam.h"

#include <torch/nn/modules/container/sequential.h>

namespace ddil {

class Dmd2Distillation final : public DistillationMethod {
public:
    explicit Dmd2Distillation(const DistillContext& context);

    LossTerms loss(const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor perSampleLoss(
        DenoiserNet& net, const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor dataTimes(int64_t count, torch::Generator& generator) const override;
    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;
    int64_t auxImagesEvaluated() const override { return m_images; }

    DenoiserNet& fake() { return *m_fake; }

private:
    // Fake-score x0 estimate (conditional, no guidance); with the head's logit when asked.
    torch::Tensor fakeX0(const torch::Tensor& xt, const torch::Tensor& t,
        const torch::Tensor& labels, torch::Tensor* logit);
    // One fake-score (and discriminator) update on stop-grad generator outputs.
    std::pair<torch::Tensor, torch::Tensor> fakeUpdate(
        const torch::Tensor& generated, const torch::Tensor& labels, torch::Generator& generator);
    // Times for `count` rows: `shard`'s rows of the global batch's draw.
    torch::Tensor randomTimes(
        int64_t count, torch::Generator& generator, const DataParallel& shard) const;
    // The distribution-matching loss 0.5 |x - sg(x - grad)|^2 per sample (mean over elements)
    // at generator outputs x, diffused to random times; with those times and noises.
    struct DistributionMatching {
        torch::Tensor perSample, grad, t, eps;
    };
    DistributionMatching distributionMatching(const torch::Tensor& x, const torch::Tensor& labels,
        torch::Generator& generator, const DataParallel& shard);

    std::shared_ptr<DenoiserNet> m_fake;
    torch::nn::Sequential m_head { nullptr };
    std::unique_ptr<ForeachAdam> m_fakeOptimizer;
    int64_t m_images = 0;
};

} // namespace ddil
