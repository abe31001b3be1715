#include "core/api/run.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/train/device.h"
#include "core/train/distill_trainer.h"
#include "core/train/evaluator_trainer.h"
#include "core/train/run_folder.h"
#include "core/train/teacher_trainer.h"

#include <torch/utils.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace ddil {

namespace {
std::unique_ptr<Trainer> makeTrainer(
    const RunConfig& config, torch::Device device, LiveSettings* live)
{
    switch (config.task) {
    case Task::Distill: {
        auto trainer = std::make_unique<DistillTrainer>(config, device);
        trainer->setLiveSettings(live);
        return trainer;
    }
    case Task::Teacher:
        return std::make_unique<TeacherTrainer>(config, device);
    case Task::Evaluator:
        return std::make_unique<EvaluatorTrainer>(config, device);
    }
    throw std::logic_error("unknown task");
}
} // namespace

std::string defaultRunDirName(const RunConfig& config)
{
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return config.name + "-" + stamp;
}

RunResult runTraining(const RunConfig& requested, const RunOptions& options, const RunHooks& hooks,
    const CancelToken& cancel)
{
    const auto issues = validateConfig(requested);
    for (const auto& issue : issues)
        if (issue.severity == ConfigIssue::Severity::Error)
            throw ConfigError("invalid config: " + issue.toString());
    if (options.outDir.empty())
        throw ConfigError("no run folder given");
    const bool hasCheckpoint
        = std::filesystem::exists(std::filesystem::path(options.outDir) / "checkpoint.pt");
    if (options.resume && !hasCheckpoint)
        throw IoError(options.outDir + ": nothing to resume (no checkpoint.pt)");
    if (!options.resume && hasCheckpoint)
        throw IoError(options.outDir
            + ": already holds a run (checkpoint.pt); pass --resume to continue it or "
              "choose another folder");

    const RunConfig config = resolveRunConfig(requested);
    const torch::Device device = resolveDevice(config.runtime.device);
    applyThreadCount(config.runtime.threads);
    RunFolder folder(options.outDir);

    std::unique_ptr<Trainer> trainer = makeTrainer(config, device, options.live);
    if (options.resume) {
        const RunConfig previous = trainer->resumeFrom(folder.checkpointPath());
        folder.truncateMetricsAfter(trainer->step());
        if (hooks.onMessage) {
            hooks.onMessage("resuming at step " + std::to_string(trainer->step()));
            for (const auto& change : configDifferences(previous, config))
                hooks.onMessage("  changed since the checkpoint: " + change);
        }
    }
    folder.writeConfig(config);
    if (hooks.onMessage)
        hooks.onMessage("training " + toString(config.task) + " \"" + config.name + "\" on "
            + device.str() + " (threads: " + std::to_string(torch::get_num_threads()) + "); model "
            + trainer->modelSignature() + ", " + std::to_string(trainer->modelParameterCount())
            + " parameters");
    return trainer->run(folder, hooks, cancel, options);
}

} // namespace ddil
