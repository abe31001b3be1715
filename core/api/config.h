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
    // Relative paths are looked up in the working folder, then in the shipped resources.
    std::string feature_extractor;
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

    bool operator==(const RunConfig& other) const;
    bool operator!=(const RunConfig& other) const { return !(*this == other); }
};

} // namespace ddil
