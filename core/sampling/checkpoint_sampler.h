#pragma once
// A denoiser from a checkpoint, sampled the way it was trained to be: a teacher with guided DDIM,
// a distilled student with its few-step sampler (the one student sampler, student_sampler.h).
// Used by `ddil sample` and `ddil eval`.

#include "core/checkpoint/checkpoint.h"
#include "core/diffusion/guidance.h"
#include "core/models/denoiser_net.h"

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ddil {

class CheckpointSampler {
public:
    // Loads the EMA weights of `reader`'s model (throws CheckpointError when they do not fit).
    // `chunk`: samples per network pass (0: chosen for the device).
    CheckpointSampler(CheckpointReader& reader, const std::vector<int64_t>& sampleShape,
        int64_t numClasses, torch::Device device, int chunk = 0);

    const std::string& signature() const { return m_signature; }
    bool isStudent() const { return m_config.task == Task::Distill; }

    // `guidance`: a teacher's classifier-free guidance scale, or an LCM student's w input
    // (nullopt: the config's); PD and DMD2 students have the teacher's guidance distilled in and
    // take none. Noise (and a student's re-noising) comes from `generator`. Samples that hold
    // NaN or Inf are a CheckpointError naming the file.
    torch::Tensor sample(const torch::Tensor& labels, int steps, std::optional<double> guidance,
        double eta, torch::Generator& generator);
    // How the last sample() was guided; nullopt for PD and DMD2 students (guidance distilled).
    std::optional<GuidanceSpec> lastGuidance() const { return m_lastGuidance; }

private:
    torch::Tensor sampleUnchecked(const torch::Tensor& labels, int steps,
        std::optional<double> guidance, double eta, torch::Generator& generator);

    std::string m_path;
    RunConfig m_config;
    std::vector<int64_t> m_shape;
    torch::Device m_device;
    int64_t m_chunk;
    std::shared_ptr<DenoiserNet> m_net;
    std::string m_signature;
    std::optional<GuidanceSpec> m_lastGuidance;
};

} // namespace ddil
