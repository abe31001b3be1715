#include "core/sampling/checkpoint_sampler.h"

#include "core/api/errors.h"
#include "core/runtime/device.h"
#include "core/sampling/model_sampling.h"
#include "core/sampling/student_sampler.h"

#include <torch/types.h>

namespace ddil {

CheckpointSampler::CheckpointSampler(CheckpointReader& reader,
    const std::vector<int64_t>& sampleShape, int64_t numClasses, torch::Device device, int chunk)
    : m_path(reader.path())
    , m_config(reader.meta().config)
    , m_shape(sampleShape)
    , m_device(device)
    , m_chunk(sampleChunk(chunk, device))
{
    m_net = makeDenoiserNet(m_config.model, sampleShape, numClasses);
    m_signature = m_net->signature();
    reader.loadModel(*m_net, m_signature, /*preferEma=*/true);
    m_net->to(device);
    m_net->eval();
}

torch::Tensor CheckpointSampler::sample(const torch::Tensor& labels, int steps,
    std::optional<double> guidance, double eta, torch::Generator& generator)
{
    // Finite weights can still overflow (1e38 in a layer): such samples are an error, never a
    // file of NaN or a score of them.
    auto x = sampleUnchecked(labels, steps, guidance, eta, generator);
    const auto bad = (~torch::isfinite(x)).flatten(1).any(1).sum().item<int64_t>();
    if (bad > 0)
        throw CheckpointError(m_path + ": the model's samples are not finite ("
            + std::to_string(bad) + " of " + std::to_string(x.size(0))
            + " hold NaN or Inf): its weights make it diverge; nothing was written");
    return x;
}

torch::Tensor CheckpointSampler::sampleUnchecked(const torch::Tensor& labels, int steps,
    std::optional<double> guidance, double eta, torch::Generator& generator)
{
    if (!isStudent()) {
        auto options = ModelSampleOptions::fromConfig(m_config.sample);
        options.steps = steps;
        options.eta = eta;
        options.chunk = m_chunk;
        if (guidance)
            options.guidance.scale = *guidance;
        m_lastGuidance = options.guidance;
        return sampleModel(
            *m_net, m_config.diffusion, labels, m_shape, generator, m_device, options)
            .x;
    }
    RunConfig config = m_config;
    const bool takesScale = config.distill.method == DistillMethod::Consistency;
    if (takesScale && guidance)
        config.distill.guidance.scale = *guidance;
    m_lastGuidance = takesScale
        ? std::optional<GuidanceSpec>(GuidanceSpec::fromConfig(config.distill.guidance))
        : std::nullopt;
    const StudentPolicy policy(config);
    const auto times = studentTimes(config.distill, steps);
    std::vector<int64_t> shape { labels.size(0) };
    shape.insert(shape.end(), m_shape.begin(), m_shape.end());
    const auto noise = torch::randn(shape, generator, torch::kFloat32);
    StudentSampling sampling;
    sampling.chunk = m_chunk;
    return sampleStudent(policy, *m_net, noise, labels, times, generator, m_device, sampling).x0;
}

} // namespace ddil
