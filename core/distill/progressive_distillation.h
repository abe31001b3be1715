#pragma once
// Progressive distillation (Salimans & Ho 2022): rounds that halve the step count from
// distill.pd.start_steps down to distill.student_steps. In each round the student learns to do
// in one DDIM step what its teacher does in two; the teacher of the first round is the guided
// (and, if so configured, reflected) teacher, the teacher of each later round the student EMA at
// the end of the round before. Loss weight: truncated SNR max(e^lambda, 1) or SNR + 1.

#include "core/diffusion/parameterization.h"
#include "core/distill/distillation_method.h"
#include "core/models/denoiser_net.h"

namespace ddil {

class ProgressiveDistillation final : public DistillationMethod {
public:
    explicit ProgressiveDistillation(const DistillContext& context);

    LossTerms loss(const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor perSampleLoss(
        DenoiserNet& net, const StateBatch& states, torch::Generator& generator) override;
    torch::Tensor dataTimes(int64_t count, torch::Generator& generator) const override;
    std::vector<double> studentTimes() const override;
    void afterStep(int64_t step) override;
    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;
    int64_t auxImagesEvaluated() const override { return m_images; }

    int rounds() const { return m_rounds; }
    int round() const { return m_round; }
    // The student's steps in the current round.
    int studentSteps() const;

private:
    // `net`'s (SNR-weighted, unweighted) squared error to the PD target, per sample.
    std::pair<torch::Tensor, torch::Tensor> perSampleLosses(
        DenoiserNet& net, const StateBatch& states);
    // The round teacher's (x0, eps) at per-sample times (no grad).
    Denoised teacherDenoise(
        const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& labels);

    int m_rounds = 1;
    int64_t m_stepsPerRound = 1;
    int m_round = 0;
    std::shared_ptr<DenoiserNet> m_roundTeacher; // rounds after the first
    int64_t m_images = 0;
};

} // namespace ddil
