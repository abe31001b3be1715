#include "core/api/run.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/io/atomic_file.h"
#include "core/io/resource_path.h"
#include "core/parallel/data_parallel.h"
#include "core/runtime/device.h"
#include "core/train/distill_trainer.h"
#include "core/train/evaluator_trainer.h"
#include "core/train/run_folder.h"
#include "core/train/teacher_loading.h"
#include "core/train/teacher_trainer.h"

#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace ddil {

namespace {
std::unique_ptr<Trainer> makeTrainer(const RunConfig& config, torch::Device device,
    LiveSettings* live, std::shared_ptr<const DataParallel> parallel)
{
    switch (config.task) {
    case Task::Distill: {
        auto trainer = std::make_unique<DistillTrainer>(config, device, std::move(parallel));
        trainer->setLiveSettings(live);
        return trainer;
    }
    case Task::Teacher:
        return std::make_unique<TeacherTrainer>(config, device, std::move(parallel));
    case Task::Evaluator:
        return std::make_unique<EvaluatorTrainer>(config, device, std::move(parallel));
    }
    throw std::logic_error("unknown task");
}
} // namespace

RunConfig resolveRunConfig(const RunConfig& config)
{
    if (config.task != Task::Distill)
        return config;
    // The teacher's metadata alone: its weights and the data are loaded once, by the trainer.
    const std::string path = resolveResourcePath(config.distill.teacher);
    const RunConfig teacher = readCheckpointMeta(path).config;
    checkTeacherFits(teacher, config, path);
    RunConfig resolved = config;
    resolved.model = teacher.model;
    resolved.model.guidance_embedding = config.distill.method == DistillMethod::Consistency;
    resolved.diffusion = teacher.diffusion;
    return resolved;
}

std::string runStatus(const std::string& runDir)
{
    const auto path = std::filesystem::path(runDir) / "state.json";
    if (!std::filesystem::exists(path))
        return "";
    try {
        const auto j = nlohmann::json::parse(readWholeFile(path.string()), nullptr, false);
        if (j.is_object() && j.contains("status") && j["status"].is_string())
            return j["status"].get<std::string>();
    } catch (const IoError&) {
    }
    return "";
}

std::string defaultRunDirName(const RunConfig& config)
{
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return config.name + "-" + stamp;
}

RunResult runTraining(const RunConfig& requested, const RunOptions& options,
    const RunHooks& mainHooks, const CancelToken& cancel)
{
    const DistributedEnv& env = options.distributed;
    // Rank 0 reports; the others train quietly.
    const RunHooks hooks = env.isMain() ? mainHooks : RunHooks {};
    const auto issues = validateConfig(requested);
    for (const auto& issue : issues)
        if (issue.severity == ConfigIssue::Severity::Error)
            throw ConfigError("invalid config: " + issue.toString());
    if (options.outDir.empty())
        throw ConfigError("no run folder given");
    const bool hasCheckpoint
        = std::filesystem::exists(std::filesystem::path(options.outDir) / "checkpoint.pt");
    // Resolving leaves the runtime section as it is: the device and threads come first, so the
    // folder checks below fail fast, before the teacher is loaded.
    torch::Device device = resolveDevice(requested.runtime.device);
    if (device.is_cuda() && env.isDistributed())
        device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.localRank));
    applyThreadCount(requested.runtime.threads);
    if (env.isDistributed() && options.live)
        throw ConfigError("live settings (pause, mixture changes) need a single process");
    std::shared_ptr<const DataParallel> parallel = DataParallel::connect(env, device);
    // Every rank must start from the same checkpoint: one that some ranks see and others do
    // not means the folder is not shared.
    const bool someHave = parallel->any(hasCheckpoint), someLack = parallel->any(!hasCheckpoint);
    if (someHave && someLack)
        throw IoError(options.outDir + "/checkpoint.pt: some ranks see it and others do not ("
            + env.describe() + (hasCheckpoint ? " does" : " does not")
            + "): a distributed run's folder must be on a filesystem every rank sees");
    if (options.resume && !hasCheckpoint)
        throw IoError(options.outDir + ": nothing to resume (no checkpoint.pt)");
    if (!options.resume && hasCheckpoint)
        throw IoError(options.outDir
            + ": already holds a run (checkpoint.pt); pass --resume to continue it or "
              "choose another folder");

    // Loading (the teacher, the data, the checkpoint) can fail on one rank only, e.g. a file
    // missing on one node: every rank then stops, instead of waiting for it in a collective.
    RunConfig config, previous;
    std::unique_ptr<Trainer> trainer;
    parallel->runAgreed(
        true,
        [&] {
            config = resolveRunConfig(requested);
            trainer = makeTrainer(config, device, options.live, parallel);
            if (options.resume)
                previous = trainer->resumeFrom(
                    (std::filesystem::path(options.outDir) / "checkpoint.pt").string());
        },
        "another rank could not load the run (its message is in its log); " + env.describe()
            + " stops with it");
    RunFolder folder(options.outDir);
    if (options.resume) {
        if (env.isMain())
            folder.truncateMetricsAfter(trainer->step());
        if (hooks.onMessage) {
            hooks.onMessage("resuming at step " + std::to_string(trainer->step()));
            for (const auto& change : configDifferences(previous, config))
                hooks.onMessage("  changed since the checkpoint: " + change);
        }
    }
    if (env.isMain())
        folder.writeConfig(config);
    if (hooks.onMessage) {
        hooks.onMessage("training " + toString(config.task) + " \"" + config.name + "\" on "
            + device.str() + " (threads: " + std::to_string(torch::get_num_threads()) + "); model "
            + trainer->modelSignature() + ", " + std::to_string(trainer->modelParameterCount())
            + " parameters");
        if (env.isDistributed())
            hooks.onMessage("data parallel: " + std::to_string(env.worldSize) + " ranks ("
                + parallel->backendName() + ", " + env.launcher + "), batch "
                + std::to_string(config.train.batch_size) + " per rank, "
                + std::to_string(parallel->globalCount(config.train.batch_size)) + " in all");
    }
    return trainer->run(folder, hooks, cancel, options);
}

} // namespace ddil
