#pragma once
// DDIL's training distribution (DDIL.md §2): each sample's input state is drawn from one of
//   data    : forward diffusion of real data at a time the base method picks,
//   teacher : the teacher's M-step guided sampler stopped at the student's times,
//   student : the current student's own N-step rollout (the teacher taking each step with
//             probability p_teach: DAgger's mixed policy),
// with priors beta (optionally ramping beta_student up). Teacher states come from a replay
// buffer refreshed every R steps, a fraction rho at a time, with its staleness tracked; student
// states too, or (student_rollouts = fresh) from rollouts of the current weights at every draw:
// on-policy, DMD2's backward simulation. beta = (1, 0, 0) is the base method's own distribution.

#include "core/api/config.h"
#include "core/api/scalars.h"
#include "core/data/data_source.h"
#include "core/distill/replay_buffer.h"
#include "core/parallel/data_parallel.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <array>
#include <functional>
#include <vector>

namespace ddil {

class GuidedTeacher;
class StudentPolicy;
class DenoiserNet;

enum class StateSourceKind : int64_t { Data = 0, Teacher = 1, Student = 2 };

struct StateBatch {
    torch::Tensor x; // (B, ...) on the training device
    torch::Tensor t; // (B) float32
    torch::Tensor labels; // (B) int64
    torch::Tensor source; // (B) int64 StateSourceKind, CPU
    // (B) float32: the guidance scale each rolled-out state was made with (LCM's w, which its
    // loss keeps); NaN for data states and rollouts without a per-sample scale. May be undefined
    // (states built by hand): then every row's scale is drawn by the method.
    torch::Tensor w;
};

struct MixtureSettings {
    std::array<double, 3> beta { 1.0, 0.0, 0.0 };
    double pTeach = 0.0;
};

class DdilStateSource {
public:
    // dataTimes: the base method's times for forward-diffused data; studentTimesNow: the current
    // student's sampler times (tau_N ... tau_1, 0), which may change between rounds (PD).
    DdilStateSource(const DdilConfig& config, int64_t batchSize, GuidedTeacher& teacher,
        const StudentPolicy& policy, DenoiserNet& student, const DataSource& data,
        torch::Device device, const DataParallel& parallel,
        std::function<torch::Tensor(int64_t, torch::Generator&)> dataTimes,
        std::function<std::vector<double>()> studentTimesNow);

    // The B input states of training step `step` (0-based: the step about to be taken): the
    // buffers are refreshed as the schedule says, then the mixture is sampled.
    StateBatch draw(int64_t batch, int64_t step, torch::Generator& generator);
    // Another B states at the step last drawn (no refresh, no stats), for an auxiliary network's
    // update (DMD2's critic): from the same mixture, or (Student) from fresh rollouts of the
    // current student alone, every state the student meets from the pure noise on.
    StateBatch drawMore(int64_t batch, CriticSources sources, torch::Generator& generator);

    // Priors and p_teach as set (before the ramp); changeable between steps.
    MixtureSettings settings() const { return m_settings; }
    void setSettings(const MixtureSettings& settings);
    // Buffer capacity (0: 32 x batch size) and refresh schedule from the next draw on; a new
    // capacity empties the buffers, which refill at the next draw.
    void setBufferSettings(int capacity, int refreshEvery, double refreshFraction);
    // The priors in force at `step` (the ramp applied).
    std::array<double, 3> betaAt(int64_t step) const;
    // p_teach in force at `step` (the schedule applied to the set value).
    double pTeachAt(int64_t step) const;

    // "ddil/share_data", ..., staleness, buffer fill, rollout counts of the last draw.
    Scalars lastStats() const { return m_stats; }
    double refreshSeconds() const { return m_refreshSeconds; }
    const ReplayBuffer& teacherBuffer() const { return m_teacherBuffer; }
    const ReplayBuffer& studentBuffer() const { return m_studentBuffer; }

    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive);

private:
    // `batch` states drawn from the priors `beta` at `step`; `stats` records the draw.
    StateBatch sample(int64_t batch, const std::array<double, 3>& beta, int64_t step,
        torch::Generator& generator, bool stats);
    // `count` states of fresh rollouts of the current student: one rollout per state, each
    // stopped at a state index drawn uniformly from `first` (0: the pure noise) on.
    BufferedStates freshStudentStates(
        int64_t count, int64_t step, int64_t first, torch::Generator& gen);
    bool freshStudent() const { return m_config.student_rollouts == StudentRollouts::Fresh; }
    // Fills (or refreshes `count` entries of) the buffers whose source is in use.
    void refresh(int64_t count, bool teacher, bool student, int64_t step, torch::Generator& gen);
    // The states of each rollout from `noise` from state index `first` to `last` (-1: the
    // last before the sample), chunk by chunk and, within a chunk, state index by state index.
    // `last` >= 0: student rollouts only.
    BufferedStates rolloutStates(bool teacherSource, const torch::Tensor& noise,
        const torch::Tensor& labels, int64_t step, int64_t first, torch::Generator& gen,
        int64_t last = -1);
    // `rollouts` start noises and labels drawn from `gen`.
    std::pair<torch::Tensor, torch::Tensor> startStates(int64_t rollouts, torch::Generator& gen);
    // The rollouts' per-sample guidance scales (undefined: the defaults), drawn from `gen`.
    torch::Tensor rolloutScales(int64_t count, torch::Generator& gen) const;
    // The index of the first rollout state the buffers keep at `step` (1: the pure noise is left
    // out, as the data source gives it).
    int64_t firstStoredState(int64_t steps, int64_t step) const;

    DdilConfig m_config;
    int64_t m_batchSize;
    MixtureSettings m_settings;
    GuidedTeacher& m_teacher;
    const StudentPolicy& m_policy;
    DenoiserNet& m_student;
    const DataSource& m_data;
    torch::Device m_device;
    const DataParallel& m_parallel; // rollouts are split between the ranks
    std::function<torch::Tensor(int64_t, torch::Generator&)> m_dataTimes;
    std::function<std::vector<double>()> m_studentTimesNow;
    ReplayBuffer m_teacherBuffer;
    ReplayBuffer m_studentBuffer;
    std::vector<double> m_bufferTimes; // the student times the buffers were filled for
    Scalars m_stats;
    double m_refreshSeconds = 0.0;
    int64_t m_lastStep = 0; // the step of the last draw
};

} // namespace ddil
