#pragma once
// The torch-free facade for training runs: what the CLI and the GUI's worker call.
// runTraining() runs on the calling thread and reports through hooks on that same thread.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/api/live_settings.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

using Scalars = std::vector<std::pair<std::string, double>>;

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
};

struct RunOptions {
    std::string outDir; // run folder; created if missing
    bool resume = false; // continue from outDir/checkpoint.pt
    // Mixture changes while the run is in progress (distillation); may be null. Must outlive
    // the run.
    LiveSettings* live = nullptr;
};

struct RunResult {
    enum class Status { Finished, Cancelled };
    Status status = Status::Finished;
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
// embedding). Other tasks are returned unchanged. Throws IoError / CheckpointError / ConfigError
// when the teacher cannot be read or does not fit the data.
RunConfig resolveRunConfig(const RunConfig& config);

// The "status" of the run folder's state.json (running, finished, cancelled, failed); "" when
// the folder holds no readable state.
std::string runStatus(const std::string& runDir);

// A run folder name for a config started now: "<name>-YYYYmmdd-HHMMSS".
std::string defaultRunDirName(const RunConfig& config);

} // namespace ddil
