#include "core/train/trainer.h"

#include "core/api/errors.h"
#include "core/api/run.h"
#include "core/api/versions.h"
#include "core/checkpoint/checkpoint.h"
#include "core/models/denoiser_net.h"
#include "core/optim/clip_grad_norm.h"
#include "core/optim/foreach_adam.h"
#include "core/runtime/torch_compat.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

namespace ddil {

namespace {
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(
    const TrainConfig& c, const std::vector<torch::Tensor>& params)
{
    switch (c.optimizer) {
    case OptimizerKind::Adam:
        return std::make_unique<ForeachAdam>(
            params, torch::optim::AdamOptions(c.lr).weight_decay(c.weight_decay));
    case OptimizerKind::AdamW:
        return std::make_unique<ForeachAdamW>(
            params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
    }
    throw std::logic_error("unknown optimizer");
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr)
{
    for (auto& group : optimizer.param_groups())
        group.options().set_lr(lr);
}

// Steps read from the device at a time (runtime.read_every): every step on the CPU, where
// reading costs nothing, in batches on CUDA, and at least at each metrics line.
int64_t readBatch(int configured, const torch::Device& device, int64_t logEvery)
{
    if (configured > 0)
        return configured;
    return device.is_cpu() ? 1 : std::max<int64_t>(1, std::min<int64_t>(20, logEvery));
}
} // namespace

Trainer::Trainer(
    const RunConfig& config, torch::Device device, std::shared_ptr<const DataParallel> parallel)
    : m_config(config)
    , m_device(device)
    , m_generator(at::detail::createCPUGenerator(config.seed))
    , m_parallel(parallel ? std::move(parallel) : std::make_shared<const DataParallel>())
{
    // Weight initialisation draws from LibTorch's global generator: seed it for reproducibility.
    torch::manual_seed(config.seed);
}

Trainer::~Trainer() = default;

void Trainer::setModels(std::shared_ptr<torch::nn::Module> model,
    std::shared_ptr<torch::nn::Module> ema, std::string signature)
{
    m_model = std::move(model);
    m_ema = std::move(ema);
    m_signature = std::move(signature);
    m_model->to(m_device);
    m_ema->to(m_device);
    copyWeights(*m_ema, *m_model);
    freeze(*m_ema);
    m_optimizer = makeOptimizer(m_config.train, m_model->parameters());
}

int64_t Trainer::modelParameterCount() const
{
    return parameterCount(*m_model);
}

Scalars Trainer::evaluate(const CancelToken* cancel)
{
    return evaluateWithSamples(cancel).scalars;
}

RunConfig Trainer::resumeFrom(const std::string& checkpointPath)
{
    CheckpointReader reader(checkpointPath);
    return restoreTrainingState(reader);
}

RunConfig Trainer::restoreTrainingState(CheckpointReader& reader)
{
    reader.loadModel(*m_model, m_signature);
    reader.loadOptimizer(*m_optimizer); // first: exported weights fail here, with that reason
    reader.loadEma(*m_ema, m_signature);
    reader.restoreRng(m_generator);
    m_step = reader.meta().step;
    m_elapsedBefore = reader.meta().elapsedSeconds;
    m_pendingSums = reader.meta().pendingSums;
    m_pendingCount = reader.meta().pendingCount;
    torch::serialize::InputArchive extra;
    if (reader.readExtra(extra)) {
        // The auxiliary networks, their optimisers and the replay buffers: named by the file.
        try {
            loadExtraState(extra);
        } catch (const CheckpointError& e) {
            throw CheckpointError(reader.path() + ": " + e.what());
        } catch (const c10::Error&) { // LibTorch's text would name its own sources
            throw CheckpointError(reader.path()
                + ": the training state under \"extra\" (auxiliary networks, replay buffers) "
                  "does not fit this run");
        }
    }
    m_model->to(m_device);
    m_ema->to(m_device);
    return reader.meta().config;
}

bool Trainer::loadForInspection(const std::string& checkpointPath)
{
    CheckpointReader reader(checkpointPath);
    if (reader.hasTrainingState()) {
        restoreTrainingState(reader);
        return true;
    }
    reader.loadModel(*m_model, m_signature, /*preferEma=*/true);
    reader.loadModel(*m_ema, m_signature, /*preferEma=*/true);
    m_step = reader.meta().step;
    m_model->to(m_device);
    m_ema->to(m_device);
    return false;
}

double Trainer::learningRate(int64_t step) const
{
    // Linear warm-up, then cosine decay to 10% of the peak at the last step.
    const auto& c = m_config.train;
    if (c.warmup_steps > 0 && step < c.warmup_steps)
        return c.lr * static_cast<double>(step + 1) / c.warmup_steps;
    const double span = std::max<int64_t>(1, c.steps - c.warmup_steps);
    const double progress = std::clamp((step - c.warmup_steps) / span, 0.0, 1.0);
    return c.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

Scalars Trainer::trainSteps(int64_t count)
{
    const int64_t batch
        = readBatch(m_config.runtime.read_every, m_device, m_config.train.log_every);
    Scalars last;
    for (int64_t i = 0; i < count; ++i) {
        stepUnread();
        if (static_cast<int64_t>(m_unread.size()) >= batch || i + 1 == count)
            last = readSteps().back().terms;
    }
    return last;
}

void Trainer::stepUnread()
{
    const auto& c = m_config.train;
    m_model->train();
    const double lr = learningRate(m_step);
    setLearningRate(*m_optimizer, lr);
    m_optimizer->zero_grad();
    auto [loss, deviceTerms, terms] = [&] {
        if (m_config.runtime.precision == Precision::Fp32)
            return computeLoss();
        compat::AutocastScope bf16(m_device.type(), torch::kBFloat16);
        return computeLoss();
    }();
    loss.backward();
    m_parallel->averageGradients(m_model->parameters());
    torch::Tensor gradNorm;
    if (c.grad_clip > 0)
        gradNorm = clipGradNorm(m_model->parameters(), c.grad_clip);
    m_optimizer->step();
    // EMA with the usual warm-up so early evaluations are not dominated by the initial weights.
    const double decay = std::min(c.ema_decay, (1.0 + m_step) / (10.0 + m_step));
    emaUpdate(*m_ema, *m_model, decay);
    ++m_step;
    m_unread.push_back(
        { m_step, 0.0, lr, loss.detach(), gradNorm, std::move(deviceTerms), std::move(terms) });
    afterStep();
}

std::vector<Trainer::ReadStep> Trainer::readSteps()
{
    if (m_unread.empty())
        return {};
    // One transfer: per step its loss, gradient norm (0 without clipping) and device terms.
    std::vector<torch::Tensor> values;
    for (const auto& s : m_unread) {
        const auto onDevice = s.loss.options().dtype(torch::kFloat64);
        values.push_back(s.loss.to(torch::kFloat64).reshape({ 1 }));
        values.push_back(s.gradNorm.defined()
                ? s.gradNorm.to(s.loss.device(), torch::kFloat64).reshape({ 1 })
                : torch::zeros({ 1 }, onDevice));
        for (const auto& term : s.deviceTerms)
            values.push_back(term.second.to(s.loss.device(), torch::kFloat64).reshape({ 1 }));
    }
    const auto host = torch::cat(values).to(torch::kCPU);
    const double* v = host.data_ptr<double>();
    // Each rank's terms are means over its rows: their average is the global batch's mean, and
    // every rank sees the same values (so all stop together on a non-finite loss).
    Scalars all;
    std::vector<double> gradNorms;
    for (const auto& s : m_unread) {
        all.emplace_back("loss", *v++);
        gradNorms.push_back(*v++);
        for (const auto& term : s.deviceTerms)
            all.emplace_back(term.first, *v++);
        all.insert(all.end(), s.terms.begin(), s.terms.end());
    }
    m_parallel->average(all);
    std::vector<ReadStep> read;
    size_t at = 0;
    for (size_t i = 0; i < m_unread.size(); ++i) {
        const auto& s = m_unread[i];
        const size_t n = 1 + s.deviceTerms.size() + s.terms.size();
        ReadStep r { s.step, s.elapsed, s.lr, gradNorms[i],
            Scalars(all.begin() + static_cast<std::ptrdiff_t>(at),
                all.begin() + static_cast<std::ptrdiff_t>(at + n)) };
        at += n;
        const double lossValue = r.terms.front().second;
        if (!std::isfinite(lossValue)) {
            m_unread.clear();
            throw TrainingError("step " + std::to_string(s.step) + ": loss is "
                + (std::isnan(lossValue) ? "NaN"
                        : lossValue > 0  ? "+Inf"
                                         : "-Inf")
                + "; training stopped (the last good checkpoint is kept)");
        }
        read.push_back(std::move(r));
    }
    m_unread.clear();
    return read;
}

void Trainer::saveCheckpointTo(const std::string& path)
{
    CheckpointMeta meta;
    meta.config = m_config;
    meta.modelSignature = m_signature;
    meta.step = m_step;
    meta.elapsedSeconds = m_elapsedBefore
        + std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    meta.buildId = libraryVersions().buildId;
    meta.pendingSums = m_pendingSums;
    meta.pendingCount = m_pendingCount;
    // Weights are saved from the CPU so checkpoints load on any device.
    m_model->to(torch::kCPU);
    m_ema->to(torch::kCPU);
    try {
        saveCheckpoint(path, meta, *m_model, m_ema.get(), m_optimizer.get(),
            m_generator.get_state(),
            [this](torch::serialize::OutputArchive& archive) { saveExtraState(archive); });
    } catch (...) {
        m_model->to(m_device);
        m_ema->to(m_device);
        throw;
    }
    m_model->to(m_device);
    m_ema->to(m_device);
}

void Trainer::accumulatePending(const Scalars& terms)
{
    for (const auto& [name, value] : terms) {
        auto it = std::find_if(m_pendingSums.begin(), m_pendingSums.end(),
            [&](const auto& entry) { return entry.first == name; });
        if (it == m_pendingSums.end())
            m_pendingSums.emplace_back(name, value);
        else
            it->second += value;
    }
    ++m_pendingCount;
}

RunResult Trainer::run(
    RunFolder& folder, const RunHooks& hooks, const CancelToken& cancel, const RunOptions& options)
{
    const auto& c = m_config.train;
    m_started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return m_elapsedBefore
            + std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    };
    // Every rank trains; rank 0 alone evaluates and writes the folder (logs, state, checkpoints).
    const bool main = m_parallel->isMain();
    cancel.setPolled(true);
    struct Unpoll {
        const CancelToken& token;
        ~Unpoll() { token.setPolled(false); }
    } unpoll { cancel };
    RunState state;
    state.totalSteps = c.steps;
    state.seed = m_config.seed;
    state.device = m_device.str();
    state.threads = torch::get_num_threads();
    state.step = m_step;
    if (hasRunCheckpoint(folder.path()))
        state.lastCheckpoint
            = std::filesystem::path(runCheckpointPath(folder.path())).filename().string();
    if (main)
        folder.writeState(state);
    // Rank 0's weights are every rank's (they already agree: one seed, one checkpoint).
    m_parallel->broadcast(*m_model);
    m_parallel->broadcast(*m_ema);

    // Work only rank 0 does; a failure there stops every rank (not a hang in the next
    // collective): the others throw too.
    auto onMainRank = [&](const std::function<void()>& work) {
        m_parallel->runAgreed(main, work,
            "rank 0 failed (its message is in its log); rank " + std::to_string(m_parallel->rank())
                + " stops with it");
    };
    // Reads the steps whose values are still on the device: their step reports and metrics
    // lines, in step order. Everything that writes to the folder or reports reads them first.
    const int64_t batch = readBatch(m_config.runtime.read_every, m_device, c.log_every);
    auto report = [&] {
        for (const auto& s : readSteps()) {
            accumulatePending(s.terms);
            if (hooks.onStep) {
                StepReport step { s.step, c.steps, s.elapsed, {} };
                for (const auto& [name, value] : s.terms)
                    step.scalars.emplace_back("train/" + name, value);
                step.scalars.emplace_back("train/lr", s.lr);
                step.scalars.emplace_back("train/grad_norm", s.gradNorm);
                hooks.onStep(step);
            }
            if (s.step % c.log_every == 0 || s.step == c.steps) {
                Scalars line;
                for (const auto& [name, sum] : m_pendingSums)
                    line.emplace_back("train/" + name, sum / m_pendingCount);
                line.emplace_back("train/lr", s.lr);
                line.emplace_back("train/grad_norm", s.gradNorm);
                if (main)
                    folder.appendMetrics(s.step, s.elapsed, line);
                m_pendingSums.clear();
                m_pendingCount = 0;
            }
        }
    };
    auto checkpoint = [&](const std::string& status) {
        report();
        onMainRank([&] {
            saveCheckpointTo(folder.checkpointPath());
            // An earlier run's checkpoint.pt is now superseded.
            std::error_code ec;
            std::filesystem::remove(folder.file(kEarlierRunCheckpointName), ec);
            state.status = status;
            state.step = m_step;
            state.lastCheckpoint = kRunCheckpointName;
            state.elapsedSeconds = elapsed();
            folder.writeState(state);
            if (hooks.onCheckpoint)
                hooks.onCheckpoint(m_step, folder.checkpointPath());
        });
    };
    // Serves pause and checkpoint requests between two steps.
    auto serveRequests = [&] {
        LiveSettings* live = options.live;
        if (!live)
            return;
        if (live->takeCheckpointRequest())
            checkpoint("running");
        if (!live->isPaused())
            return;
        const auto pausedAt = std::chrono::steady_clock::now();
        if (hooks.onPause)
            hooks.onPause(true);
        while (live->isPaused() && !cancel.isCancelled()) {
            live->waitWhilePaused(std::chrono::milliseconds(50));
            if (live->takeCheckpointRequest())
                checkpoint("paused");
        }
        // Time spent paused is not training time.
        m_started += std::chrono::steady_clock::now() - pausedAt;
        if (hooks.onPause)
            hooks.onPause(false);
    };
    const SnapshotOptions& snapshots = options.snapshots;
    // The final evaluation's samples are the run's sample files: the model is sampled once.
    auto runEval = [&](bool final) -> Evaluation {
        report();
        Evaluation evaluation;
        onMainRank([&] {
            evaluation = evaluateWithSamples(&cancel);
            if (evaluation.cancelled || evaluation.scalars.empty())
                return;
            // A model that samples NaN or Inf has diverged: its metrics would read as null, or
            // as a distance of 0.
            if (evaluation.samples.defined()
                && !torch::isfinite(evaluation.samples).all().item<bool>())
                throw TrainingError("step " + std::to_string(m_step)
                    + ": the evaluation's samples hold NaN or Inf (the model diverged); training "
                      "stopped (the last good checkpoint is kept)");
            folder.appendMetrics(m_step, elapsed(), evaluation.scalars);
            if (evaluation.samples.defined()) {
                writeSamples(folder, evaluation, final);
                folder.addSampleSheetToEvents(m_step);
            }
            if (hooks.onEval)
                hooks.onEval({ m_step, evaluation.scalars });
        });
        return evaluation;
    };

    auto snapshot = [&] {
        if (!hooks.onSnapshot || snapshots.every <= 0)
            return;
        report(); // on every rank: reading the steps averages them between ranks
        if (!main)
            return;
        if (auto taken = takeSnapshot(snapshots))
            hooks.onSnapshot(*taken);
    };

    RunResult result;
    result.runDir = folder.path();
    result.checkpointPath = folder.checkpointPath();
    try {
        snapshot();
        while (m_step < c.steps) {
            serveRequests();
            if (m_parallel->any(cancel.isCancelled())) {
                checkpoint("cancelled");
                result.status = RunResult::Status::Cancelled;
                result.step = m_step;
                return result;
            }
            const Scalars changes = applyLiveChanges();
            if (!changes.empty())
                report();
            if (!changes.empty() && main) {
                folder.appendMetrics(m_step, elapsed(), changes);
                if (hooks.onMessage) {
                    std::string text = "step " + std::to_string(m_step) + ": settings changed:";
                    for (const auto& [name, value] : changes)
                        text += " " + name + "=" + std::to_string(value);
                    hooks.onMessage(text);
                }
            }
            stepUnread();
            m_unread.back().elapsed = elapsed(); // after the step, as its report says
            if (static_cast<int64_t>(m_unread.size()) >= batch || m_step % c.log_every == 0
                || m_step == c.steps)
                report();
            if (m_config.eval.every > 0 && m_step % m_config.eval.every == 0 && m_step != c.steps)
                runEval(false);
            if (c.checkpoint_every > 0 && m_step % c.checkpoint_every == 0 && m_step != c.steps)
                checkpoint("running");
            if (snapshots.every > 0 && m_step % snapshots.every == 0 && m_step != c.steps)
                snapshot();
        }
        const Evaluation last = runEval(true);
        // Stopped during the final evaluation: not finished, since it has no final metrics. The
        // checkpoint is of the last step; --resume runs the evaluation alone.
        if (m_parallel->any(last.cancelled)) {
            checkpoint("cancelled");
            result.status = RunResult::Status::Cancelled;
            result.step = m_step;
            return result;
        }
        result.finalMetrics = last.scalars;
        snapshot();
        checkpoint("finished");
    } catch (const TrainingError& e) {
        state.status = "failed";
        state.message = e.what();
        state.elapsedSeconds = elapsed();
        if (main)
            folder.writeState(state);
        throw;
    } catch (const IoError& e) {
        // A full disk or a lost output folder: the previous checkpoint is intact (checkpoints are
        // written to a temporary file and renamed); say so in state.json if it can be written.
        state.status = "failed";
        state.message = e.what();
        state.elapsedSeconds = elapsed();
        try {
            if (main)
                folder.writeState(state);
        } catch (const IoError&) {
        }
        throw;
    }
    result.status = RunResult::Status::Finished;
    result.step = m_step;
    return result;
}

} // namespace ddil
