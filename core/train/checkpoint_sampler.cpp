#include "core/train/checkpoint_sampler.h"

#include "core/distill/student_policy.h"
#include "core/train/model_sampling.h"

#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

namespace {
constexpr int64_t kStudentChunk = 16;
}

CheckpointSampler::CheckpointSampler(CheckpointReader& reader,
    const std::vector<int64_t>& sampleShape, int64_t numClasses, torch::Device device)
    : m_config(reader.meta().config)
    , m_shape(sampleShape)
    , m_device(device)
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
    if (!isStudent()) {
        auto options = ModelSampleOptions::fromConfig(m_config.sample);
        options.steps = steps;
        options.eta = eta;
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
    torch::NoGradGuard noGrad;
    const int64_t count = labels.size(0);
    std::vector<int64_t> shape { count };
    shape.insert(shape.end(), m_shape.begin(), m_shape.end());
    const auto noise = torch::randn(shape, generator, torch::kFloat32);
    std::vector<torch::Tensor> parts;
    for (int64_t begin = 0; begin < count; begin += kStudentChunk) {
        const int64_t end = std::min(count, begin + kStudentChunk);
        auto z = noise.slice(0, begin, end).to(m_device);
        if (z.dim() == 4)
            z = z.contiguous(torch::MemoryFormat::ChannelsLast);
        parts.push_back(rolloutStudent(
            policy, *m_net, z, labels.slice(0, begin, end).to(m_device), times, generator)
                            .x0.to(torch::kCPU));
    }
    return torch::cat(parts);
}

} // namespace ddil
