#pragma once
// The run configuration: one format for the GUI and the headless CLI (JSON codec in
// config_io.h). Plain aggregates with defaults; field names match the snake_case JSON keys.

#include "core/api/enums.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

inline constexpr int kSchemaVersion = 1;

struct RuntimeConfig {
    Device device = Device::Auto;
    int threads = 0; // 0: one per core
    // Samples per network pass when sampling (evaluation, snapshots, diagnostics); 0: chosen for
    // the device (runtime/device.h). The samples do not depend on it, only speed and memory.
    int sample_chunk = 0;
    // Training steps whose loss and terms are read from the device at once (reading waits for
    // the device), and at least at every metrics line; 0: every step on a CPU, 20 on a GPU. The
    // values and results do not depend on it; a non-finite loss stops the run up to
    // read_every - 1 steps later, still naming its step and keeping the last good checkpoint.
    int read_every = 0;
    Precision precision = Precision::Fp32; // of training's forward passes (sampling: fp32)
};

struct DataConfig {
    DataKind kind = DataKind::Toy2d;
    ToyDistribution distribution = ToyDistribution::Checkerboard; // toy2d
    // fashion_mnist: the dataset folder ("" = Debian's dataset-fashion-mnist);
    // idx: a folder with the MNIST file names, or an images file (labels in labels_path);
    // image_folder: a folder with one sub-folder per class (or train/ and test/ holding those).
    std::string path;
    std::string labels_path;
    DataSplit split = DataSplit::Train; // the evaluation split is always the other one's "test"
    int image_size = 0; // image_folder: images are resized to this (0: 32)
    int channels = 1; // image_folder: 1 (grayscale) or 3 (RGB)
};

struct ModelConfig {
    ModelKind kind = ModelKind::Mlp;
    int hidden = 256; // mlp: width; classifier: feature dimension
    int depth = 3; // mlp: residual blocks; unet: residual blocks per resolution
    int time_embedding = 64;
    // unet and classifier: base width, multiplied per resolution (each level halves the size).
    int channels = 32;
    std::vector<int> channel_mult { 1, 2, 2 };
    bool attention = true; // unet: self-attention at the lowest resolution
    int groups = 8; // GroupNorm groups
    double dropout = 0.0;
    // An embedding of the guidance scale w added to the time embedding (LCM students take w as an
    // input; distillation sets this). Zero-initialised, so a new one changes nothing.
    bool guidance_embedding = false;
};

struct DiffusionConfig {
    ScheduleKind schedule = ScheduleKind::Cosine;
    Prediction prediction = Prediction::Eps;
    // Cosine: logSNR is clipped to [logsnr_min, logsnr_max] so t = 0 and t = 1 stay finite.
    double logsnr_min = -15.0;
    double logsnr_max = 15.0;
    // Linear (continuous DDPM betas of Song et al. 2021).
    double beta_min = 0.1;
    double beta_max = 20.0;
};

struct GuidanceConfig {
    double scale = 1.0;
    GuidanceConvention convention = GuidanceConvention::UncondPlusW;
};

struct TrainConfig {
    int steps = 4000;
    int batch_size = 512;
    double lr = 2e-3;
    OptimizerKind optimizer = OptimizerKind::AdamW;
    double weight_decay = 0.0;
    int warmup_steps = 100;
    double grad_clip = 1.0; // 0: off
    double ema_decay = 0.999;
    double label_dropout = 0.1; // share of labels replaced by the null class (for guidance)
    int log_every = 50;
    int checkpoint_every = 1000;
};

struct SampleConfig {
    int steps = 50;
    double eta = 0.0;
    GuidanceConfig guidance;
};

struct EvalConfig {
    int every = 1000; // 0: only at the end
    int count = 2000;
    int projections = 256; // sliced Wasserstein directions (2-D data)
    // Images: the feature space of FID, KID, precision/recall, density/coverage and diversity:
    // an evaluator checkpoint (`ddil run` with task "evaluator") or a TorchScript file mapping
    // (B, C, H, W) images in [-1, 1] to (B, D) features. "" : image metrics are skipped.
    // Relative paths: the config file's folder, then the shipped resources (never the working
    // folder; see parseConfig).
    std::string feature_extractor;
    // Distillation: with each evaluation, also measure the per-step covariate shift (distances
    // between the student's, the data's and the teacher's states at each student step, and the
    // on-policy loss gap) and, when `teacher_intervention`, the teacher-intervention sweep; both
    // on `diagnose_samples` trajectories, logged as shift/... and intervene/... scalars.
    bool shift_diagnostics = false;
    bool teacher_intervention = false;
    int diagnose_samples = 512;
    // Distillation on images: the first this many evaluation samples are compared with the
    // teacher's own M-step samples of the same noise and labels (eval/imitation_rmse; the
    // teacher's samples are cached). 2-D data compares every sample. 0: off for images.
    int imitation_samples = 0;
};

// The settings of DDIL's mixture that may change while a run is in progress (the workbench's
// mixture panel), as they stand from optimiser step `step` on (0: before the first step). A
// session's changes are recorded in its config (DdilConfig::changes), so a headless run of the
// exported config replays them at the same steps.
struct MixtureSnapshot {
    int step = 0;
    std::vector<double> beta { 1.0, 0.0, 0.0 }; // (data, teacher, student); sums to 1
    double p_teach = 0.0;
    int buffer_capacity = 0; // 0: 32 x batch size; a new capacity refills the buffers
    int refresh_every = 50;
    double refresh_fraction = 0.5;
    ProjectionKind projection = ProjectionKind::None; // distill.reflection.projection
    double percentile = 0.995;
};

// DDIL's training distribution (DDIL.md §2): each sample's input state comes from real data,
// the teacher's sampler or the student's own rollout, with priors beta.
struct DdilConfig {
    std::vector<double> beta { 1.0, 0.0, 0.0 }; // (data, teacher, student); sums to 1
    BetaSchedule beta_schedule = BetaSchedule::Constant;
    int ramp_steps = 0; // ramp_student: beta_student rises from 0 over these steps (data gives way)
    double p_teach = 0.0; // mixed policy: the teacher takes each rollout step with this probability
    // constant, or linear_decay: p_teach falls linearly to 0 over p_teach_decay_steps (DAgger).
    PTeachSchedule p_teach_schedule = PTeachSchedule::Constant;
    int p_teach_decay_steps = 0;
    int teacher_steps = 32; // M: the teacher's guided DDIM sampler that teacher states come from
    bool shared_noise = true; // teacher and student rollouts start from the same noise
    int buffer_capacity = 0; // states per source buffer; 0: 32 x batch size
    int refresh_every = 50; // steps between buffer refreshes
    double refresh_fraction = 0.5; // share of the buffer replaced per refresh
    // buffered: student states from the replay buffer; fresh: the current student rolled out
    // anew at every draw (on-policy, no buffer: staleness 0; the refresh settings then apply to
    // the teacher's buffer alone).
    StudentRollouts student_rollouts = StudentRollouts::Buffered;
    // Which entries a refresh overwrites once the buffer is full: the oldest, or random ones.
    BufferReplacement buffer_replacement = BufferReplacement::Oldest;
    // Store each rollout's first state (the pure noise at tau_N, where every source agrees).
    // Off, the buffers hold the states the student reaches, and the data source alone gives
    // tau_N; the first state is still stored when beta_data is 0 (nothing else would train the
    // student's first step, e.g. DMD2's backward simulation) and for a 1-step student.
    bool store_first_state = false;
    // The guidance scale of teacher and student rollouts: the method's (LCM: w ~ U[w_min, w_max]
    // per rollout, as its targets use; PD, DMD2: distill.guidance.scale) or rollout_guidance_scale.
    RolloutGuidance rollout_guidance = RolloutGuidance::Method;
    double rollout_guidance_scale = 2.0;
    // Mixture changes at later steps, in step order; each replaces every mixture setting above
    // (and distill.reflection's projection and percentile) from its step on.
    std::vector<MixtureSnapshot> changes;
};

// The reflected formulation (DDIL.md §3).
struct ReflectionConfig {
    ProjectionKind projection = ProjectionKind::None;
    double percentile = 0.995; // dynamic: the quantile of |x0| per sample
    ReflectTarget apply_to = ReflectTarget::Teacher;
};

// Salimans & Ho 2022: rounds halving the step count from start_steps down to student_steps.
struct ProgressiveConfig {
    int start_steps = 64; // the teacher's steps in the first round (student_steps x a power of 2)
    PdWeighting weighting = PdWeighting::TruncatedSnr;
};

// Luo et al. 2023 (latent consistency distillation), in pixel or toy space.
struct ConsistencyConfig {
    // The skipping-step solver grid j / solver_steps: one teacher step spans 1/solver_steps. It
    // must pass through every student time (for tau_k = k / N: a multiple of N).
    int solver_steps = 48;
    double target_ema = 0.95; // decay of the target network theta-minus
    ConsistencyLoss loss = ConsistencyLoss::PseudoHuber;
    double huber_c = 0.0; // 0: 0.00054 sqrt(d) (Song & Dhariwal 2023)
    double w_min = 1.0; // guidance scales sampled for the student (distill.guidance convention)
    double w_max = 3.0;
    double sigma_data = 0.5; // c_skip / c_out boundary condition, t in 0...999 scaled by s
    double time_scale = 10.0;
};

// Yin et al. 2024 (DMD2).
struct Dmd2Config {
    int fake_updates = 5; // fake-score updates per generator update (two time-scale rule)
    // Each fake-score update trains on a batch of its own (DMD2 draws a fresh batch per critic
    // update): the generator's outputs on states from the DDIL mixture (mixture) or on fresh
    // rollouts of the student alone (student: on-policy critic, whatever the generator's beta).
    CriticSources critic_sources = CriticSources::Mixture;
    double fake_lr = 0.0; // 0: train.lr
    double t_min = 0.02; // diffusion times of the distribution-matching gradient
    double t_max = 0.98;
    bool gan = false; // classifier head on the fake network's bottleneck
    double gan_generator_weight = 3e-3;
    double gan_discriminator_weight = 1e-2;
};

// Task "distill": a few-step student of a trained teacher checkpoint. The student's architecture
// and diffusion settings are the teacher's (the resolved config.json of a run records them).
struct DistillConfig {
    DistillMethod method = DistillMethod::Consistency;
    std::string teacher; // teacher checkpoint; relative: the config's folder, then resources
    int student_steps = 4; // N
    // The student's timesteps tau_N > ... > tau_1 in (0, 1]; empty: tau_k = k / N.
    std::vector<double> timesteps;
    GuidanceConfig guidance { 2.0, GuidanceConvention::UncondPlusW }; // the teacher's guidance
    DdilConfig ddil;
    ReflectionConfig reflection;
    ProgressiveConfig pd;
    ConsistencyConfig lcm;
    Dmd2Config dmd2;
};

struct RunConfig {
    int schema_version = kSchemaVersion;
    std::string name = "untitled";
    Task task = Task::Teacher;
    std::uint64_t seed = 0;
    RuntimeConfig runtime;
    DataConfig data;
    ModelConfig model;
    DiffusionConfig diffusion;
    TrainConfig train;
    SampleConfig sample;
    EvalConfig eval;
    DistillConfig distill;

    bool operator==(const RunConfig& other) const;
    bool operator!=(const RunConfig& other) const { return !(*this == other); }
};

} // namespace ddil
