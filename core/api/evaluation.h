#pragma once
// Torch-free facade for `ddil eval`: sample a teacher (or student) checkpoint and score the
// samples with the image metrics.

#include "core/api/enums.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ddil {

struct EvalRequest {
    std::string checkpoint;
    int steps = 50;
    std::optional<double> guidance; // none: the checkpoint config's sample.guidance.scale
    std::int64_t samples = 2000; // classes in turn
    std::uint64_t seed = 0;
    // "" : the checkpoint config's eval.feature_extractor, else the shipped evaluator for
    // Fashion-MNIST.
    std::string features;
    Device device = Device::Auto;
    int threads = 0;
    int sampleChunk = 0; // samples per network pass (0: chosen for the device); speed only
};

// Returns one JSON object: the request, the checkpoint's step and model, every metric (FID in
// evaluator features, its floor, KID, precision, recall, density, coverage, diversity, class
// consistency, class histogram and entropy) and the wall times. Throws IoError,
// CheckpointError, ConfigError or DeviceError with a one-line message.
std::string evaluateCheckpointJson(const EvalRequest& request);

// Writes the EMA weights of a training checkpoint (or its weights, when it has no EMA) with its
// config into `out`, without optimiser and RNG state: the file to ship or share. Returns the
// model signature.
std::string exportWeights(const std::string& checkpoint, const std::string& out);

// Rewrites a checkpoint of an earlier format (a "DDILDAT1" file, or a TorchScript archive: loading
// that runs the code it carries, so only for files the user trusts) as a safetensors checkpoint at
// `out`.
void convertCheckpoint(const std::string& legacy, const std::string& out);

// The evaluator shipped for Fashion-MNIST (a path for resolveResourcePath).
inline constexpr const char* kShippedEvaluator
    = "resources/weights/fashion-mnist-evaluator.safetensors";
inline constexpr const char* kShippedTeacher
    = "resources/weights/fashion-mnist-teacher.safetensors";

} // namespace ddil
