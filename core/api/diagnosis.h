#pragma once
// Torch-free facade for `ddil diagnose`: the covariate-shift diagnostics, on-policy loss gap
// and teacher-intervention sweep of a distilled student checkpoint (see
// core/diagnose/student_diagnostics.h for what is measured).

#include "core/api/enums.h"

#include <cstdint>
#include <string>

namespace ddil {

struct DiagnoseRequest {
    std::string checkpoint; // a distillation run's checkpoint.safetensors, or its exported weights
    std::int64_t samples = 512; // trajectories, and samples per intervention setting
    std::uint64_t seed = 0;
    bool shift = true;
    bool lossGap = true; // needs a training checkpoint (the method's auxiliary networks)
    bool intervention = true;
    Device device = Device::Auto;
    int threads = 0;
    int sampleChunk = 0; // samples per network pass (0: chosen for the device); speed only
};

// One JSON object: the checkpoint and its run settings, then "shift": one entry per student
// step k (tau, and per metric the distances sf = D(S_k, F_k), st = D(S_k, T_k),
// tf = D(T_k, F_k) and floor = D(F'_k, F_k); with the loss gap), then "intervention": one entry
// per setting (j first steps or probability p) with its metrics; and the wall time. Throws
// IoError, CheckpointError, ConfigError or DeviceError with a one-line message.
std::string diagnoseCheckpointJson(const DiagnoseRequest& request);

} // namespace ddil
