#pragma once
// Trains a diffusion teacher (the denoising loss with label dropout for classifier-free
// guidance) on any DataSource, with EMA weights, periodic evaluation, checkpoints and resume.
// Every random draw of training comes from one CPU generator whose state is checkpointed, so a
// resumed run continues exactly where an uninterrupted one would be.

#include "core/api/run.h"
#include "core/data/data_source.h"
#include "core/models/denoiser_net.h"
#include "core/train/run_folder.h"

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <chrono>
#include <memory>

namespace ddil {

class TeacherTrainer {
public:
    TeacherTrainer(const RunConfig& config, torch::Device device);
    // Trains on `data` instead of the source config.data describes.
    TeacherTrainer(const RunConfig& config, torch::Device device, std::unique_ptr<DataSource> data);
    ~TeacherTrainer();

    // Restores weights, EMA, optimiser, RNG state and step; the checkpoint's model must match.
    // Returns the config the checkpoint was written with.
    RunConfig resumeFrom(const std::string& checkpointPath);

    // Trains until config.train.steps or until `cancel`; checkpoints into `folder` on the way
    // and at the end.
    RunResult run(RunFolder& folder, const RunHooks& hooks, const CancelToken& cancel);

    // One optimiser step; returns the loss. Throws TrainingError on a non-finite loss.
    double trainStep();
    // Samples eval.count points with the EMA net and compares them with fresh data drawn from a
    // generator seeded for evaluation only (the training RNG stream is not touched). Also
    // reports each distance's floor: its value between two independent draws of real data.
    Scalars evaluate(const CancelToken* cancel = nullptr);

    int64_t step() const { return m_step; }
    DenoiserNet& model() { return *m_model; }
    DenoiserNet& ema() { return *m_ema; }
    const DataSource& data() const { return *m_data; }
    double learningRate(int64_t step) const;

private:
    void saveCheckpointTo(const std::string& path);
    struct Evaluation {
        Scalars scalars; // empty when cancelled
        torch::Tensor samples; // (count, sampleShape...) on the CPU
        torch::Tensor labels; // (count)
    };
    Evaluation evaluateWithSamples(const CancelToken* cancel);
    void writeSamples(RunFolder& folder, const Evaluation& evaluation);

    RunConfig m_config;
    torch::Device m_device;
    std::unique_ptr<DataSource> m_data;
    std::shared_ptr<DenoiserNet> m_model;
    std::shared_ptr<DenoiserNet> m_ema;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    torch::Generator m_generator;
    int64_t m_step = 0;
    double m_elapsedBefore = 0.0; // seconds spent in earlier (resumed) parts of the run
    std::chrono::steady_clock::time_point m_started;
    double m_lastGradNorm = 0.0;
    double m_pendingLossSum = 0.0; // losses since the last metrics line
    int64_t m_pendingLossCount = 0;
};

} // namespace ddil
