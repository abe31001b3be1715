#pragma once
// The torch-free facade for training runs: what the CLI and the GUI's worker call.
// runTraining() runs on the calling thread and reports through hooks on that same thread.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/api/distributed.h"
#include "core/api/live_settings.h"
#include "core/api/scalars.h"
#include "core/api/snapshot.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

struct StepReport {
    std::int64_t step = 0; // optimiser steps done
    std::int64_t totalSteps = 0;
    double elapsedSeconds = 0.0; // wall time of this run, resumed parts included
    Scalars scalars; // "train/loss", "train/lr", ...
};

struct EvalReport {
    std::int64_t step = 0;
    Scalars scalars; // "eval/sliced_wasserstein", "eval/mmd", ...
};

struct RunHooks {
    std::function<void(const StepReport&)> onStep; // every optimiser step
    std::function<void(const EvalReport&)> onEval;
    std::function<void(const std::string&)> onMessage; // human-readable progress notes
    // Distillation with RunOptions::snapshots.every > 0: at the start, every `every` steps and
    // at the end. Snapshots draw from their own generator: they never change the training.
    std::function<void(const Snapshot&)> onSnapshot;
    // After each checkpoint written (periodic, requested, on stop and at the end).
    std::function<void(std::int64_t step, const std::string& path)> onCheckpoint;
    // Entering and leaving a pause (LiveSettings::setPaused).
    std::function<void(bool paused)> onPause;
};

struct RunOptions {
    std::string outDir; // run folder; created if missing
    // The folder is locked for the run (a second process is refused with the holder's PID) and
    // temporary files of interrupted writes are removed. A folder holding a checkpoint needs
    // `resume`; one holding logs but no checkpoint (stopped before its first checkpoint) needs
    // `resume` (it starts again from step 0, its logs replaced) or `restart`.
    bool resume = false; // continue from outDir's checkpoint (runCheckpointPath)
    bool restart = false; // discard the run in outDir (its files only) and start afresh
    // Mixture changes (distillation), pause and checkpoint requests while the run is in
    // progress; may be null. Must outlive the run.
    LiveSettings* live = nullptr;
    SnapshotOptions snapshots; // for hooks.onSnapshot
    // This process's place in a data-parallel run (distributedEnvFromProcess()); a single
    // process by default. train.batch_size is per rank: the global batch is W times it. Every
    // rank must see outDir (and the teacher); only rank 0 writes there and calls the hooks.
    DistributedEnv distributed;
};

struct RunResult {
    enum class Status { Finished, Cancelled };
    Status status = Status::Finished;
    // A resume of a run that had finished already: nothing was trained or written.
    bool alreadyFinished = false;
    std::int64_t step = 0;
    std::string runDir;
    std::string checkpointPath;
    Scalars finalMetrics;
};

// Trains as `config` says. Throws ConfigError, IoError, CheckpointError, DeviceError or
// TrainingError with a one-line message; on cancel it checkpoints and returns Cancelled.
RunResult runTraining(const RunConfig& config, const RunOptions& options, const RunHooks& hooks,
    const CancelToken& cancel);

// A distillation config with its model and diffusion sections taken from the teacher
// checkpoint (the student's architecture is the teacher's; LCM students add a guidance-scale
// embedding). Reads the checkpoint's metadata only (milliseconds: no weights, no data), so the
// GUI thread may call it. Other tasks are returned unchanged. Throws IoError / CheckpointError /
// ConfigError when the teacher cannot be read or is not a teacher of this config's data.
RunConfig resolveRunConfig(const RunConfig& config);

// A run folder's checkpoint. Runs begun before checkpoints were safetensors files hold
// checkpoint.pt (the earlier "DDILDAT1" format, still read); the next checkpoint of such a run is
// written as checkpoint.safetensors and replaces it.
inline constexpr const char* kRunCheckpointName = "checkpoint.safetensors";
inline constexpr const char* kEarlierRunCheckpointName = "checkpoint.pt";
// runDir's checkpoint file: checkpoint.safetensors, or checkpoint.pt when only that exists.
std::string runCheckpointPath(const std::string& runDir);
bool hasRunCheckpoint(const std::string& runDir);

// The "status" of the run folder's state.json (running, finished, cancelled, failed); "" when
// the folder holds no readable state.
std::string runStatus(const std::string& runDir);

// A run folder name for a config started now: "<name>-YYYYmmdd-HHMMSS".
std::string defaultRunDirName(const RunConfig& config);

} // namespace ddil
