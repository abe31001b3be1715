#include "core/train/teacher_trainer.h"

#include "core/api/errors.h"
#include "core/api/versions.h"
#include "core/diffusion/parameterization.h"
#include "core/diffusion/schedule.h"
#include "core/io/npy.h"
#include "core/io/scatter_plot.h"
#include "core/metrics/distance2d.h"
#include "core/train/checkpoint.h"
#include "core/train/model_sampling.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <filesystem>

namespace ddil {

namespace {
constexpr uint64_t kEvalSeedOffset
    = 0x9E3779B97F4A7C15ull; // evaluation draws never share the training stream

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(
    const TrainConfig& c, const std::vector<torch::Tensor>& params)
{
    switch (c.optimizer) {
    case OptimizerKind::Adam:
        return std::make_unique<torch::optim::Adam>(
            params, torch::optim::AdamOptions(c.lr).weight_decay(c.weight_decay));
    case OptimizerKind::AdamW:
        return std::make_unique<torch::optim::AdamW>(
            params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
    }
    throw std::logic_error("unknown optimizer");
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr)
{
    for (auto& group : optimizer.param_groups())
        group.options().set_lr(lr);
}
} // namespace

TeacherTrainer::TeacherTrainer(const RunConfig& config, torch::Device device)
    : TeacherTrainer(config, device, makeDataSource(config.data))
{
}

TeacherTrainer::TeacherTrainer(
    const RunConfig& config, torch::Device device, std::unique_ptr<DataSource> data)
    : m_config(config)
    , m_device(device)
    , m_data(std::move(data))
    , m_generator(at::detail::createCPUGenerator(config.seed))
{
    // Weight initialisation draws from LibTorch's global generator: seed it for reproducibility.
    torch::manual_seed(config.seed);
    m_model = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    m_ema = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    m_model->to(device);
    m_ema->to(device);
    copyWeights(*m_ema, *m_model);
    m_ema->eval();
    for (auto& p : m_ema->parameters())
        p.requires_grad_(false);
    m_optimizer = makeOptimizer(config.train, m_model->parameters());
}

TeacherTrainer::~TeacherTrainer() = default;

RunConfig TeacherTrainer::resumeFrom(const std::string& checkpointPath)
{
    CheckpointReader reader(checkpointPath);
    reader.loadModel(*m_model, m_model->signature());
    reader.loadEma(*m_ema, m_ema->signature());
    reader.loadOptimizer(*m_optimizer);
    m_generator.set_state(reader.rngState());
    m_step = reader.meta().step;
    m_elapsedBefore = reader.meta().elapsedSeconds;
    m_pendingLossSum = reader.meta().pendingLossSum;
    m_pendingLossCount = reader.meta().pendingLossCount;
    m_model->to(m_device);
    m_ema->to(m_device);
    return reader.meta().config;
}

double TeacherTrainer::learningRate(int64_t step) const
{
    // Linear warm-up, then cosine decay to 10% of the peak at the last step.
    const auto& c = m_config.train;
    if (c.warmup_steps > 0 && step < c.warmup_steps)
        return c.lr * static_cast<double>(step + 1) / c.warmup_steps;
    const double span = std::max<int64_t>(1, c.steps - c.warmup_steps);
    const double progress = std::clamp((step - c.warmup_steps) / span, 0.0, 1.0);
    return c.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

double TeacherTrainer::trainStep()
{
    const auto& c = m_config.train;
    const int64_t b = c.batch_size;
    auto batch = m_data->sample(b, m_generator);
    auto t = torch::rand({ b }, m_generator, torch::kFloat32);
    auto eps = torch::randn(batch.x.sizes(), m_generator, torch::kFloat32);
    auto drop = torch::rand({ b }, m_generator, torch::kFloat32) < c.label_dropout;
    auto labels
        = torch::where(drop, torch::full_like(batch.labels, m_data->numClasses()), batch.labels);

    const auto x0 = batch.x.to(m_device);
    eps = eps.to(m_device);
    t = t.to(m_device);
    labels = labels.to(m_device);
    const auto schedule = VpSchedule::fromConfig(m_config.diffusion);
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    const auto xt = perSample(alpha, x0) * x0 + perSample(sigma, x0) * eps;
    const auto target = predictionTarget(m_config.diffusion.prediction, x0, eps, alpha, sigma);

    m_model->train();
    setLearningRate(*m_optimizer, learningRate(m_step));
    m_optimizer->zero_grad();
    const auto loss = torch::mse_loss(m_model->forward(xt, t, labels), target);
    const double lossValue = loss.item<double>();
    if (!std::isfinite(lossValue))
        throw TrainingError("step " + std::to_string(m_step + 1) + ": loss is "
            + (std::isnan(lossValue) ? "NaN"
                    : lossValue > 0  ? "+Inf"
                                     : "-Inf")
            + "; training stopped (the last good checkpoint is kept)");
    loss.backward();
    if (c.grad_clip > 0)
        m_lastGradNorm = torch::nn::utils::clip_grad_norm_(m_model->parameters(), c.grad_clip);
    m_optimizer->step();
    // EMA with the usual warm-up so early evaluations are not dominated by the initial weights.
    const double decay = std::min(c.ema_decay, (1.0 + m_step) / (10.0 + m_step));
    emaUpdate(*m_ema, *m_model, decay);
    ++m_step;
    return lossValue;
}

Scalars TeacherTrainer::evaluate(const CancelToken* cancel)
{
    return evaluateWithSamples(cancel).scalars;
}

TeacherTrainer::Evaluation TeacherTrainer::evaluateWithSamples(const CancelToken* cancel)
{
    auto gen = at::detail::createCPUGenerator(m_config.seed ^ kEvalSeedOffset);
    const int64_t count = m_config.eval.count;
    const auto reference = m_data->sample(count, gen).x.flatten(1);
    // A second, independent draw of real data. The model samples with its labels, so model and
    // floor differ from the reference by the same class-count noise: the floor is what a
    // perfect model scores with this many samples.
    const auto other = m_data->sample(count, gen);
    auto options = ModelSampleOptions::fromConfig(m_config.sample);
    options.cancel = cancel;
    const auto result = sampleModel(
        *m_ema, m_config.diffusion, other.labels, m_data->sampleShape(), gen, m_device, options);
    if (result.cancelled)
        return {};
    const auto samples = result.x.flatten(1);
    const auto dirs = randomDirections(m_config.eval.projections, samples.size(1), gen);
    const auto otherX = other.x.flatten(1);
    return { { { "eval/sliced_wasserstein", slicedWasserstein(samples, reference, dirs) },
                 { "eval/mmd", mmdRbf(samples, reference) },
                 { "eval/sliced_wasserstein_floor", slicedWasserstein(otherX, reference, dirs) },
                 { "eval/mmd_floor", mmdRbf(otherX, reference) } },
        result.x, other.labels };
}

void TeacherTrainer::saveCheckpointTo(const std::string& path)
{
    CheckpointMeta meta;
    meta.config = m_config;
    meta.modelSignature = m_model->signature();
    meta.step = m_step;
    meta.elapsedSeconds = m_elapsedBefore
        + std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    meta.buildId = libraryVersions().buildId;
    meta.pendingLossSum = m_pendingLossSum;
    meta.pendingLossCount = m_pendingLossCount;
    // Weights are saved from the CPU so checkpoints load on any device.
    m_model->to(torch::kCPU);
    m_ema->to(torch::kCPU);
    try {
        saveCheckpoint(
            path, meta, *m_model, m_ema.get(), m_optimizer.get(), m_generator.get_state());
    } catch (...) {
        m_model->to(m_device);
        m_ema->to(m_device);
        throw;
    }
    m_model->to(m_device);
    m_ema->to(m_device);
}

void TeacherTrainer::writeSamples(RunFolder& folder, const Evaluation& evaluation)
{
    const auto x = evaluation.samples.contiguous();
    NpyArray array;
    array.shape.assign(x.sizes().begin(), x.sizes().end());
    array.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    const std::string stem = "samples/step-" + std::to_string(m_step);
    writeNpy(folder.file(stem + ".npy"), array);
    if (x.dim() == 2 && x.size(1) == 2) {
        ScatterOptions scatter;
        scatter.title = m_config.name + "  step " + std::to_string(m_step) + "  "
            + std::to_string(m_config.sample.steps) + " DDIM steps";
        scatter.numClasses = m_data->numClasses();
        const auto lab = evaluation.labels.contiguous();
        writeScatterPng(folder.file(stem + ".png"), array.data,
            std::vector<int64_t>(lab.data_ptr<int64_t>(), lab.data_ptr<int64_t>() + lab.numel()),
            scatter);
    }
}

RunResult TeacherTrainer::run(RunFolder& folder, const RunHooks& hooks, const CancelToken& cancel)
{
    const auto& c = m_config.train;
    m_started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return m_elapsedBefore
            + std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    };
    RunState state;
    state.totalSteps = c.steps;
    state.seed = m_config.seed;
    state.device = m_device.str();
    state.threads = torch::get_num_threads();
    state.step = m_step;
    if (std::filesystem::exists(folder.checkpointPath()))
        state.lastCheckpoint = "checkpoint.pt";
    folder.writeState(state);

    auto checkpoint = [&](const std::string& status) {
        saveCheckpointTo(folder.checkpointPath());
        state.status = status;
        state.step = m_step;
        state.lastCheckpoint = "checkpoint.pt";
        state.elapsedSeconds = elapsed();
        folder.writeState(state);
    };
    auto runEval = [&]() -> Evaluation {
        auto evaluation = evaluateWithSamples(&cancel);
        if (evaluation.scalars.empty())
            return evaluation;
        folder.appendMetrics(m_step, elapsed(), evaluation.scalars);
        if (hooks.onEval)
            hooks.onEval({ m_step, evaluation.scalars });
        return evaluation;
    };

    RunResult result;
    result.runDir = folder.path();
    result.checkpointPath = folder.checkpointPath();
    try {
        while (m_step < c.steps) {
            if (cancel.isCancelled()) {
                checkpoint("cancelled");
                result.status = RunResult::Status::Cancelled;
                result.step = m_step;
                return result;
            }
            const double loss = trainStep();
            m_pendingLossSum += loss;
            ++m_pendingLossCount;
            if (hooks.onStep)
                hooks.onStep({ m_step, c.steps, elapsed(),
                    { { "train/loss", loss }, { "train/lr", learningRate(m_step - 1) } } });
            if (m_step % c.log_every == 0 || m_step == c.steps) {
                folder.appendMetrics(m_step, elapsed(),
                    { { "train/loss", m_pendingLossSum / m_pendingLossCount },
                        { "train/lr", learningRate(m_step - 1) },
                        { "train/grad_norm", m_lastGradNorm } });
                m_pendingLossSum = 0.0;
                m_pendingLossCount = 0;
            }
            if (m_config.eval.every > 0 && m_step % m_config.eval.every == 0 && m_step != c.steps)
                runEval();
            if (c.checkpoint_every > 0 && m_step % c.checkpoint_every == 0 && m_step != c.steps)
                checkpoint("running");
        }
        // The final evaluation's samples are the run's sample files: the model is sampled once.
        const Evaluation last = runEval();
        result.finalMetrics = last.scalars;
        if (last.samples.defined())
            writeSamples(folder, last);
        checkpoint("finished");
    } catch (const TrainingError& e) {
        state.status = "failed";
        state.message = e.what();
        state.elapsedSeconds = elapsed();
        folder.writeState(state);
        throw;
    }
    result.status = RunResult::Status::Finished;
    result.step = m_step;
    return result;
}

} // namespace ddil
