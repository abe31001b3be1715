#pragma once
// Covariate shift along the student's trajectory (DDIL.md §1, §6), measured directly: for each
// student step k (state at tau_k, k = N first), three state sets drawn for the same classes,
//   S_k: the states the student visits in its own N-step rollout,
//   F_k: real data forward-diffused to tau_k (what a baseline trains on),
//   T_k: the guided teacher's M-step trajectory at tau_k (same noise as the student),
// and the distances D(S_k, F_k), D(S_k, T_k), D(T_k, F_k) beside the floor D(F'_k, F_k) of an
// independent draw of data. Images: the Fréchet distance in evaluator features of the
// (guided, unprojected) teacher's x0 estimate at each state ("fd") and in a fixed random
// projection of the raw state ("rawfd"); 2-D data: sliced Wasserstein ("sw") and MMD ("mmd") on the
// states themselves. The on-policy loss gap is the base method's loss on S_k minus the same loss on
// F_k.

#include "core/api/scalars.h"
#include "core/data/data_source.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace ddil {

class DenoiserNet;
class DistillationMethod;
class FeatureExtractor;
class GuidedTeacher;
class StudentPolicy;

struct StepStates {
    int k = 0; // student step: the state entering it is at tau_k (k = N: pure noise)
    double tau = 0.0;
    torch::Tensor student, teacher, data; // (M, ...) on the device
    torch::Tensor dataOther; // an independent draw of data with the same classes
};

struct TrajectoryStates {
    torch::Tensor labels; // (M) on the device: the classes of every set
    std::vector<StepStates> steps; // in sampling order: k = N, N-1, ..., 1
};

// Draws data samples with exactly these classes (CPU), from draws of `data`.
torch::Tensor sampleWithLabels(
    const DataSource& data, const torch::Tensor& labels, torch::Generator& generator);

// Draws M labelled data samples and noise from `generator` and collects the state sets at the
// student's `times` (tau_N ... tau_1, 0): the student's through the one student sampler, the
// teacher's trajectories `chunk` at a time. No gradients.
TrajectoryStates collectTrajectoryStates(const StudentPolicy& policy, DenoiserNet& student,
    GuidedTeacher& teacher, const DataSource& data, const std::vector<double>& times, int64_t count,
    torch::Generator& generator, torch::Device device, int64_t chunk);

// One measured step: "fd_sf", "fd_st", "fd_tf", "fd_floor", ..., "loss_s", "loss_f",
// "loss_gap".
struct StepShift {
    int k = 0;
    double tau = 0.0;
    Scalars values;
};

class ShiftMeter {
public:
    // `extractor`: the evaluator for images (null: only "rawfd"; unused for 2-D data);
    // `projections`: sliced
    // Wasserstein directions (2-D). The raw-state projection is fixed (seeded), so values are
    // comparable across runs and checkpoints.
    // `chunk`: states per teacher pass.
    ShiftMeter(GuidedTeacher& teacher, FeatureExtractor* extractor,
        const std::vector<int64_t>& sampleShape, int projections, int64_t chunk);

    std::vector<StepShift> distances(const TrajectoryStates& states);

    static constexpr int64_t kRawProjectionDim = 64;

private:
    torch::Tensor teacherFeatures(const torch::Tensor& x, double tau, const torch::Tensor& labels);

    GuidedTeacher& m_teacher;
    FeatureExtractor* m_extractor;
    int64_t m_chunk;
    torch::Tensor m_rawProjection; // (d, 64) images
    torch::Tensor m_directions; // (K, 2) 2-D
};

// Adds "loss_s", "loss_f" and "loss_gap" (= loss_s - loss_f) to each step of `shift`: `method`'s
// per-sample loss with `student` as the student, averaged over the states (`chunk` per pass).
void addLossGap(std::vector<StepShift>& shift, DistillationMethod& method, DenoiserNet& student,
    const TrajectoryStates& states, torch::Generator& generator, int64_t chunk);

} // namespace ddil
