#pragma once
// How a distilled student turns a state into its x0 estimate and steps through its few-step
// sampler, shared by training (rollouts), evaluation, `ddil sample` and `ddil eval`:
//   pd   : the net's x0 estimate, deterministic DDIM between student times;
//   lcm  : the consistency function f = c_skip z + c_out x0 (Luo et al. 2023), fresh noise
//          between steps (multi-step consistency sampling);
//   dmd2 : the generator's x0, fresh noise between steps (re-noising, Yin et al. 2024).
// With the reflected formulation applied to the student, x0 estimates are projected.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/diffusion/reflection.h"
#include "core/diffusion/schedule.h"
#include "core/models/denoiser_net.h"

#include <torch/types.h>

#include <vector>

namespace ddil {

class GuidedTeacher;

// Consistency boundary condition (Song et al. 2023, LCM's constants): t in [0, 1] is read as
// 1000 t, c_skip = sd^2 / ((s t)^2 + sd^2), c_out = s t / sqrt((s t)^2 + sd^2); f(z, 0) = z.
torch::Tensor consistencyCSkip(const torch::Tensor& t, double sigmaData, double timeScale);
torch::Tensor consistencyCOut(const torch::Tensor& t, double sigmaData, double timeScale);

// The N student times tau_N > ... > tau_1, then 0: the config's list, or k / N.
std::vector<double> studentTimes(const DistillConfig& distill, int steps);

class StudentPolicy {
public:
    explicit StudentPolicy(const RunConfig& config);
    // A live change of reflected mode: the projection the config's reflection section gives the
    // student (none unless distill.reflection.apply_to includes the student).
    void setReflection(const ReflectionConfig& reflection);

    // The student's x0 estimate at states x, times t (B) and labels (B); differentiable.
    // `scale` (B): the guidance-scale input of LCM students (default: samplingScale()).
    torch::Tensor x0(DenoiserNet& net, const torch::Tensor& x, const torch::Tensor& t,
        const torch::Tensor& labels, const torch::Tensor& scale = {}) const;
    // True when the sampler draws fresh noise between steps (lcm, dmd2); false: DDIM (pd).
    bool renoises() const;
    // The w an LCM student samples with (distill.guidance.scale).
    double samplingScale() const { return m_config.distill.guidance.scale; }
    bool takesGuidanceScale() const
    {
        return m_config.distill.method == DistillMethod::Consistency;
    }
    const VpSchedule& schedule() const { return m_schedule; }
    const RunConfig& config() const { return m_config; }

private:
    RunConfig m_config;
    VpSchedule m_schedule;
    ProjectionSpec m_projection; // kind None unless the student is projected
};

struct RolloutOptions {
    // Mixed policy (DAgger): each sample's step is taken by `teacher` with this probability.
    double pTeach = 0.0;
    // Teacher intervention: the teacher takes the first this many steps for every sample.
    int teacherFirstSteps = 0;
    GuidedTeacher* teacher = nullptr;
    const CancelToken* cancel = nullptr; // checked before every step
    // Per-sample guidance scales (B) of the rollout: the LCM student's w input and the teacher's
    // scale in the steps it takes; undefined: the sampling scale and the teacher's own.
    torch::Tensor scale;
};

struct Rollout {
    std::vector<torch::Tensor> states; // the state entering each step: states[i] at times[i]
    torch::Tensor x0; // the sample
    int64_t teacherSteps = 0; // per-sample steps the teacher took
    bool cancelled = false;
};

// The randomness of one sampler step, drawn for a batch of `rows` in the order every sampler
// takes it: which rows the teacher takes (CPU bool, undefined when none), then the re-noising
// towards `next` (lcm and dmd2 only; on `device`).
struct StepDraws {
    torch::Tensor teacherRows;
    torch::Tensor noise;

    // The draws of rows [begin, end).
    StepDraws rows(int64_t begin, int64_t end) const;
};
StepDraws drawStep(const StudentPolicy& policy, const RolloutOptions& options, size_t stepIndex,
    const std::vector<int64_t>& stateShape, double next, torch::Generator& generator,
    torch::Device device);

// One sampler step of the rows x (at time t, labels) to time `next` (x0 at 0): the student's x0
// estimate, then DDIM (pd) or re-noising with draws.noise; the rows in draws.teacherRows are
// taken by options.teacher (counted in *teacherSteps). `scale`: per-row guidance scales as in
// RolloutOptions (undefined: the defaults). No gradients.
torch::Tensor studentStep(const StudentPolicy& policy, DenoiserNet& net, const torch::Tensor& x,
    const torch::Tensor& labels, double t, double next, const StepDraws& draws,
    GuidedTeacher* teacher, int64_t* teacherSteps, const torch::Tensor& scale = {});

// Runs the student's sampler from xStart at times[0] through `times` (ending with 0) under
// NoGradGuard; noise between steps and the mixed-policy draws come from `generator` (CPU).
// Training rollouts; sampling for evaluation goes through sampling/student_sampler.h.
Rollout rolloutStudent(const StudentPolicy& policy, DenoiserNet& net, const torch::Tensor& xStart,
    const torch::Tensor& labels, const std::vector<double>& times, torch::Generator& generator,
    const RolloutOptions& options = {});

} // namespace ddil
