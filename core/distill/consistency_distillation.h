#pragma once
// Latent consistency distillation (Luo et al. 2023), here in pixel or toy space: from a state
// z at t, one guided teacher DDIM step (guidance scale w ~ U[w_min, w_max], also given to the
// student as an embedding) to t_n = t - 1/solver_steps; the target is the EMA target network's
// consistency function at (z_hat, t_n), without gradient; L2 or pseudo-Huber distance.

#include "core/distill/distillation_method.h"
#include "core/models/denoiser_net.h"

namespace ddil {

class ConsistencyDistillation final : public DistillationMethod {
public:
    explicit ConsistencyDistillation(const DistillContext& context);

    LossTerms loss(const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor perSampleLoss(
        DenoiserNet& net, const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor dataTimes(int64_t count, torch::Generator& generator) const override;
    void afterStep(int64_t step) override;
    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;
    int64_t auxImagesEvaluated() const override { return m_images; }

    DenoiserNet& target() { return *m_target; }

private:
    // `net`'s consistency loss and squared error per sample (w drawn from `generator`, as
    // `shard`'s rows of the global batch).
    std::pair<torch::Tensor, torch::Tensor> perSampleLosses(DenoiserNet& net,
        const StateBatch& states, torch::Generator& generator, const DataParallel& shard);

    std::shared_ptr<DenoiserNet> m_target; // theta-minus
    double m_huberC = 0.0;
    int64_t m_images = 0;
};

} // namespace ddil
