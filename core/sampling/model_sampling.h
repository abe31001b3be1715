#pragma once
// Sampling a trained denoising net with DDIM and classifier-free guidance.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/diffusion/ddim_sampler.h"
#include "core/models/denoiser_net.h"

#include <torch/types.h>

namespace ddil {

struct ModelSampleOptions {
    int steps = 50;
    double eta = 0.0;
    GuidanceSpec guidance;
    std::set<int> recordSteps;
    const CancelToken* cancel = nullptr;
    // Samples per sampler run (a guided pass evaluates twice as many); 0: runtime/device.h's
    // sampleChunk for the device.
    int64_t chunk = 0;

    // Steps, eta and guidance as a config's sample section sets them.
    static ModelSampleOptions fromConfig(const SampleConfig& sample);
};

// Draws the start noise (count, sampleShape...) on the CPU from `generator`, then runs DDIM
// from t = 1 on `device` with labels (count) in [0, numClasses], `chunk` samples at a time.
// Returns CPU tensors; trajectories hold all samples.
DdimResult sampleModel(DenoiserNet& net, const DiffusionConfig& diffusion,
    const torch::Tensor& labels, const std::vector<int64_t>& sampleShape,
    torch::Generator& generator, torch::Device device, const ModelSampleOptions& options);

} // namespace ddil
