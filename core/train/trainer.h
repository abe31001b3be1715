#pragma once
// The training loop shared by every task: one model with EMA weights and one optimiser,
// warm-up plus cosine learning rate, gradient clipping, periodic metrics, evaluation and
// checkpoints, resume, cancel, and a stop with a clear message on a non-finite loss. Every
// random draw of training comes from one CPU generator whose state is checkpointed, so a
// resumed run continues exactly where an uninterrupted one would.
// Subclasses say what a step's loss is and how to evaluate.

#include "core/api/run.h"
#include "core/parallel/data_parallel.h"
#include "core/runtime/device_scalars.h"
#include "core/train/run_folder.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <chrono>
#include <memory>
#include <optional>

namespace ddil {

class CheckpointReader;

class Trainer {
public:
    virtual ~Trainer();

    // Restores weights, EMA, optimiser, RNG state and step; the checkpoint's model must match.
    // Returns the config the checkpoint was written with.
    RunConfig resumeFrom(const std::string& checkpointPath);
    // Loads a checkpoint to inspect it: a training checkpoint restores everything (resumeFrom);
    // exported weights load their (EMA) weights into both nets. True when the training state
    // (auxiliary networks included) came with it.
    bool loadForInspection(const std::string& checkpointPath);

    // Trains until config.train.steps or until `cancel`; checkpoints into `folder` on the way
    // and at the end.
    // `options` gives the live settings (pause, checkpoint requests) and the snapshots.
    RunResult run(RunFolder& folder, const RunHooks& hooks, const CancelToken& cancel,
        const RunOptions& options = {});

    // One optimiser step; returns the loss and its named terms. Throws TrainingError on a
    // non-finite loss. It waits for the device to read them: run() reads its steps in batches.
    Scalars trainStep() { return trainSteps(1); }
    // `count` optimiser steps read from the device in batches as run() reads them
    // (runtime.read_every); the last step's loss and terms (none when count is 0).
    Scalars trainSteps(int64_t count);
    // Evaluates the EMA weights; never touches the training RNG stream.
    Scalars evaluate(const CancelToken* cancel = nullptr);

    int64_t step() const { return m_step; }
    double learningRate(int64_t step) const;
    const std::string& modelSignature() const { return m_signature; }
    int64_t modelParameterCount() const;

protected:
    // `parallel`: the process group this rank trains in (null: a single process).
    Trainer(const RunConfig& config, torch::Device device,
        std::shared_ptr<const DataParallel> parallel = nullptr);
    // Called once by the subclass constructor: the trained net, its EMA copy (same architecture)
    // and the net's signature. Copies the weights into the EMA net and makes the optimiser.
    void setModels(std::shared_ptr<torch::nn::Module> model, std::shared_ptr<torch::nn::Module> ema,
        std::string signature);

    // What one training batch gives: the loss the trained model's optimiser minimises and named
    // terms (other losses, realised shares, ...) that go into the step reports and the metrics
    // log as "train/<name>", averaged between metrics lines. Terms computed on the device stay
    // there until the step is read (device terms first, then the host's, in each report).
    struct StepLoss {
        torch::Tensor loss;
        DeviceScalars deviceTerms;
        Scalars terms;
    };
    // The loss of one training batch drawn from m_generator, on m_device (model in train mode).
    // Trainers with auxiliary networks update those here too.
    virtual StepLoss computeLoss() = 0;
    // After each optimiser step and EMA update (m_step already counts it).
    virtual void afterStep() { }
    // Called before each step: settings changed while the run is in progress (see
    // LiveSettings) are applied here; returns the scalars to log with the step ("" : none).
    virtual Scalars applyLiveChanges() { return {}; }
    // Extra state saved in and restored from checkpoints.
    virtual void saveExtraState(torch::serialize::OutputArchive&) { }
    virtual void loadExtraState(torch::serialize::InputArchive&) { }

    struct Evaluation {
        bool cancelled = false;
        Scalars scalars;
        torch::Tensor samples; // what writeSamples shows, on the CPU (may be undefined)
        torch::Tensor labels;
    };
    virtual Evaluation evaluateWithSamples(const CancelToken* cancel) = 0;
    // Samples for RunHooks::onSnapshot; none for tasks without them.
    virtual std::optional<Snapshot> takeSnapshot(const SnapshotOptions&) { return std::nullopt; }
    // Writes an evaluation's samples into the run folder: the sample sheet (PNG), and with
    // `final` the samples themselves.
    virtual void writeSamples(RunFolder&, const Evaluation&, bool /*final*/) { }

    const DataParallel& parallel() const { return *m_parallel; }

    RunConfig m_config;
    torch::Device m_device;
    torch::Generator m_generator;

private:
    // A step whose loss and gradient norm are still on the device (read in batches: reading
    // waits for the device, so on CUDA one read per step would stall its queue every step).
    struct UnreadStep {
        int64_t step;
        double elapsed;
        double lr;
        torch::Tensor loss, gradNorm; // 0-dim, on m_device
        DeviceScalars deviceTerms; // the method's other terms still on the device
        Scalars terms; // and those already on the host
    };
    struct ReadStep {
        int64_t step;
        double elapsed;
        double lr, gradNorm;
        Scalars terms; // "loss" first
    };
    // One optimiser step, its values left on the device (m_unread's last entry).
    void stepUnread();
    // Reads the unread steps (one transfer, one all-reduce between ranks), in order. Throws
    // TrainingError naming the first step whose loss is not finite.
    std::vector<ReadStep> readSteps();

    std::shared_ptr<const DataParallel> m_parallel;
    RunConfig restoreTrainingState(CheckpointReader& reader);
    void saveCheckpointTo(const std::string& path);
    void accumulatePending(const Scalars& terms);

    std::shared_ptr<torch::nn::Module> m_model;
    std::shared_ptr<torch::nn::Module> m_ema;
    std::string m_signature;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    int64_t m_step = 0;
    double m_elapsedBefore = 0.0; // seconds spent in earlier (resumed) parts of the run
    std::chrono::steady_clock::time_point m_started;
    std::vector<UnreadStep> m_unread;
    std::vector<std::pair<std::string, double>> m_pendingSums; // since the last metrics line
    int64_t m_pendingCount = 0;
};

// Evaluation draws come from a generator seeded with this offset from the run's seed, so they
// never share the training stream.
inline constexpr uint64_t kEvalSeedOffset = 0x9E3779B97F4A7C15ull;

} // namespace ddil
