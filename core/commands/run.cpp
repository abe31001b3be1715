#include "core/api/run.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/io/atomic_file.h"
#include "core/io/resource_path.h"
#include "core/io/strict_json.h"
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
#include <optional>

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

std::string runCheckpointPath(const std::string& runDir)
{
    const auto dir = std::filesystem::path(runDir);
    std::error_code ec;
    if (!std::filesystem::exists(dir / kRunCheckpointName, ec)
        && std::filesystem::exists(dir / kEarlierRunCheckpointName, ec))
        return (dir / kEarlierRunCheckpointName).string();
    return (dir / kRunCheckpointName).string();
}

bool hasRunCheckpoint(const std::string& runDir)
{
    std::error_code ec;
    return std::filesystem::exists(runCheckpointPath(runDir), ec);
}

std::string runStatus(const std::string& runDir)
{
    const auto path = std::filesystem::path(runDir) / "state.json";
    if (!std::filesystem::exists(path))
        return "";
    try {
        const auto j = parseStrictJsonOrDiscarded(readWholeFile(path.string()));
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

namespace {
// Readies the run folder for what was asked (rank 0, under the folder's lock, before the other
// ranks connect): a restart clears the run's files; logs without a checkpoint (a run stopped
// before its first one) are cleared by a resume and refused otherwise, never appended to; a
// resume needs something to resume. Returns a note for the log, or "".
std::string prepareFolder(const RunOptions& options)
{
    const std::string& dir = options.outDir;
    const bool hasCheckpoint = hasRunCheckpoint(dir);
    if (options.restart) {
        removeRunFiles(dir);
        return "restarting: the earlier run's files in " + dir + " were removed";
    }
    if (hasCheckpoint)
        return "";
    if (runStatus(dir) == "finished")
        throw IoError(dir + ": the run finished, but its " + kRunCheckpointName
            + " is missing (moved or deleted); it is not trained again without being asked: pass "
              "--restart to train it anew");
    const bool hasLogs = hasRunLogs(dir);
    if (options.resume && !hasLogs)
        throw IoError(dir + ": nothing to resume (no " + kRunCheckpointName + ")");
    if (hasLogs && !options.resume)
        throw IoError(dir
            + ": holds the logs of a run that stopped before its first checkpoint; pass "
              "--resume to start it again from step 0 (its logs replaced) or --restart to "
              "discard it");
    if (hasLogs)
        removeRunFiles(dir);
    return hasLogs ? "no checkpoint to resume from: starting again from step 0" : "";
}
} // namespace

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
    if (options.resume && options.restart)
        throw ConfigError("resume and restart exclude each other");
    // Resolving leaves the runtime section as it is: the device and threads come first, so the
    // folder checks below fail fast, before the teacher is loaded.
    torch::Device device = resolveDevice(requested.runtime.device);
    if (device.is_cuda() && env.isDistributed())
        device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.localRank));
    applyThreadCount(requested.runtime.threads);
    if (env.isDistributed() && options.live)
        throw ConfigError("live settings (pause, mixture changes) need a single process");
    std::shared_ptr<const DataParallel> parallel = DataParallel::connect(env, device);
    // Rank 0 owns the folder for the whole run (a second process on it is refused here), once
    // every rank has come: a rank left waiting for its peers leaves no folder behind. The
    // others look at the folder once rank 0 has readied it.
    std::optional<RunFolderLock> lock;
    parallel->runAgreed(
        env.isMain(),
        [&] {
            lock.emplace(options.outDir);
            for (const auto& stale : removeStaleTempFiles(options.outDir))
                if (hooks.onMessage)
                    hooks.onMessage("removed " + stale + " (left by an interrupted write)");
            if (const auto note = prepareFolder(options); !note.empty() && hooks.onMessage)
                hooks.onMessage(note);
        },
        "rank 0 could not take the run folder (its message is in its log); " + env.describe()
            + " stops with it");
    const std::string checkpointPath = runCheckpointPath(options.outDir);
    const bool hasCheckpoint = std::filesystem::exists(checkpointPath);
    // Every rank must start from the same checkpoint: one that some ranks see and others do
    // not means the folder is not shared.
    const bool someHave = parallel->any(hasCheckpoint), someLack = parallel->any(!hasCheckpoint);
    if (someHave && someLack)
        throw IoError(checkpointPath + ": some ranks see it and others do not (" + env.describe()
            + (hasCheckpoint ? " does" : " does not")
            + "): a distributed run's folder must be on a filesystem every rank sees");
    if (!options.resume && hasCheckpoint)
        throw IoError(options.outDir + ": already holds a run ("
            + std::filesystem::path(checkpointPath).filename().string()
            + "); pass --resume to continue it, --restart "
              "to discard it, or choose another folder");

    // Loading (the teacher, the data, the checkpoint) can fail on one rank only, e.g. a file
    // missing on one node: every rank then stops, instead of waiting for it in a collective.
    RunConfig config, previous;
    std::unique_ptr<Trainer> trainer;
    parallel->runAgreed(
        true,
        [&] {
            config = resolveRunConfig(requested);
            trainer = makeTrainer(config, device, options.live, parallel);
            if (options.resume && hasCheckpoint)
                previous = trainer->resumeFrom(checkpointPath);
        },
        "another rank could not load the run (its message is in its log); " + env.describe()
            + " stops with it");
    if (options.resume && hasCheckpoint && trainer->step() >= config.train.steps
        && runStatus(options.outDir) == "finished") {
        // Finished at its step budget (the checkpoint checked and fitting this config): a resume
        // changes nothing; a larger train.steps trains on.
        if (hooks.onMessage)
            hooks.onMessage(options.outDir + " finished already at step "
                + std::to_string(trainer->step()) + "; nothing to do (raise train.steps to go on)");
        RunResult done;
        done.alreadyFinished = true;
        done.step = trainer->step();
        done.runDir = options.outDir;
        done.checkpointPath = checkpointPath;
        return done;
    }
    RunFolder folder(options.outDir);
    try {
        if (options.resume && hasCheckpoint) {
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
    } catch (const IoError& e) {
        // Readying the logs failed (a full disk, a file-size limit): the run has failed, and
        // state.json says so rather than keeping the status of its last stop.
        if (env.isMain()) {
            RunState state;
            state.status = "failed";
            state.step = trainer->step();
            state.totalSteps = config.train.steps;
            state.seed = config.seed;
            state.lastCheckpoint = hasCheckpoint
                ? std::filesystem::path(checkpointPath).filename().string()
                : std::string();
            state.message = e.what();
            try {
                folder.writeState(state);
            } catch (const IoError&) {
            }
        }
        throw;
    }
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
