#pragma once
// Torch-free facade for the CLI's `sample` and `data` commands (and the GUI's export).

#include "core/api/config.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ddil {

struct SampleRequest {
    std::string checkpoint;
    int steps = 50;
    std::int64_t count = 1000;
    std::optional<std::int64_t> classLabel; // none: classes in turn (0, 1, ..., K-1, 0, ...)
    std::optional<double> guidance; // none: the checkpoint config's sample.guidance.scale
    std::uint64_t seed = 0;
    double eta = 0.0;
    Device device = Device::Auto;
    int threads = 0;
    int sampleChunk = 0; // samples per network pass (0: chosen for the device); speed only
    std::string out; // .npy (N x sample shape, float32) or .png (scatter for 2-D data)
};

struct SampleSummary {
    std::int64_t count = 0;
    std::int64_t checkpointStep = 0;
    std::string modelSignature;
    std::string out;
};

// Throws IoError, CheckpointError, ConfigError or DeviceError with a one-line message.
SampleSummary sampleToFile(const SampleRequest& request);

// Draws `count` real samples as the config's data section defines them, to .npy or .png.
void drawDataToFile(
    const RunConfig& config, std::int64_t count, std::uint64_t seed, const std::string& out);

} // namespace ddil
