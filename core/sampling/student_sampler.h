#pragma once
// The one student sampler: a distilled student's N-step sampler (distill/student_policy.h) over
// a batch of noise, used by evaluation, `ddil sample`, `ddil eval`, the diagnostics, snapshots
// and the teacher-intervention sweep. Training rollouts (distill/state_source.h) take the same
// steps through rolloutStudent.
//
// The sampler goes step by step over the whole batch: each step's re-noising and mixed-policy
// draws are one draw for the whole batch, and the network runs over it `chunk` rows at a time.
// The samples are therefore the same for every chunk size (up to the network's own rounding);
// the chunk size only trades speed and memory.

#include "core/distill/student_policy.h"

#include <torch/types.h>

#include <vector>

namespace ddil {

struct StudentSampling {
    // Teacher intervention, mixed policy (DAgger) and cancellation, as in rolloutStudent.
    RolloutOptions rollout;
    // Samples per network pass; 0: runtime/device.h's sampleChunk for the device.
    int64_t chunk = 0;
    // Keep the state entering every step (the whole batch, on the device).
    bool keepStates = false;
};

struct StudentSamples {
    torch::Tensor x0; // (B, ...) on the CPU
    std::vector<torch::Tensor> states; // keepStates: states[i] at times[i], on the device
    int64_t teacherSteps = 0; // per-sample steps the teacher took
    bool cancelled = false;
};

// Samples the student from `noise` (B, ...) at times[0] with `labels` (B) through `times`
// (ending with 0) on `device`, under NoGradGuard, the net in eval mode. Per step, the teacher's
// rows (when the options name a teacher) and then the re-noising (lcm, dmd2) are drawn for the
// whole batch from `generator`.
StudentSamples sampleStudent(const StudentPolicy& policy, DenoiserNet& net,
    const torch::Tensor& noise, const torch::Tensor& labels, const std::vector<double>& times,
    torch::Generator& generator, torch::Device device, const StudentSampling& options = {});

} // namespace ddil
