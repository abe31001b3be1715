#pragma once
// Trains a diffusion teacher: the denoising loss with label dropout for classifier-free
// guidance, on any DataSource.

#include "core/api/run.h"
#include "core/data/data_source.h"
#include "core/models/denoiser_net.h"
#include "core/train/trainer.h"

#include <torch/types.h>

#include <memory>

namespace ddil {

class SampleQualityScorer;

class TeacherTrainer final : public Trainer {
public:
    TeacherTrainer(const RunConfig& config, torch::Device device,
        std::shared_ptr<const DataParallel> parallel = nullptr);
    // Trains on `data` instead of the source config.data describes.
    TeacherTrainer(const RunConfig& config, torch::Device device, std::unique_ptr<DataSource> data,
        std::shared_ptr<const DataParallel> parallel = nullptr);
    ~TeacherTrainer() override;

    DenoiserNet& model() { return *m_model; }
    DenoiserNet& ema() { return *m_ema; }
    const DataSource& data() const { return *m_data; }

protected:
    StepLoss computeLoss() override;
    // 2-D data: sliced Wasserstein and MMD against fresh data, each beside its floor (the same
    // distance between two independent draws of real data). Images: eval.count samples, classes
    // in turn, with the image metrics when eval.feature_extractor is set.
    Evaluation evaluateWithSamples(const CancelToken* cancel) override;
    void writeSamples(RunFolder& folder, const Evaluation& evaluation, bool final) override;

private:
    std::unique_ptr<DataSource> m_data;
    std::unique_ptr<SampleQualityScorer> m_scorer; // images with eval.feature_extractor set
    std::shared_ptr<DenoiserNet> m_model;
    std::shared_ptr<DenoiserNet> m_ema;
};

} // namespace ddil
