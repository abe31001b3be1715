#include "core/sampling/model_sampling.h"

#include "core/runtime/device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>

namespace ddil {

ModelSampleOptions ModelSampleOptions::fromConfig(const SampleConfig& sample)
{
    ModelSampleOptions options;
    options.steps = sample.steps;
    options.eta = sample.eta;
    options.guidance = GuidanceSpec::fromConfig(sample.guidance);
    return options;
}

DdimResult sampleModel(DenoiserNet& net, const DiffusionConfig& diffusion,
    const torch::Tensor& labels, const std::vector<int64_t>& sampleShape,
    torch::Generator& generator, torch::Device device, const ModelSampleOptions& options)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = net.is_training();
    net.eval();
    const int64_t count = labels.size(0);
    std::vector<int64_t> shape { count };
    shape.insert(shape.end(), sampleShape.begin(), sampleShape.end());
    const auto xStart = torch::randn(shape, generator, torch::kFloat32);
    const auto schedule = VpSchedule::fromConfig(diffusion);
    ModelFn model = [&net](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
        return net.forward(x, t, y);
    };
    DdimOptions ddim;
    ddim.steps = options.steps;
    ddim.eta = options.eta;
    ddim.recordSteps = options.recordSteps;
    ddim.cancel = options.cancel;
    if (options.eta > 0.0)
        ddim.generator = generator;

    DdimResult result;
    std::vector<torch::Tensor> outputs;
    const int64_t chunk = sampleChunk(static_cast<int>(options.chunk), device);
    for (int64_t begin = 0; begin < count; begin += chunk) {
        const int64_t end = std::min(count, begin + chunk);
        const auto denoise = makeGuidedDenoiser(model, schedule, diffusion.prediction,
            labels.slice(0, begin, end).to(device), options.guidance, net.nullClass());
        auto x = xStart.slice(0, begin, end).to(device);
        if (x.dim() == 4) // images: oneDNN's convolutions are faster on NHWC (about 7% here)
            x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        auto part = ddimSample(denoise, schedule, x, ddim);
        outputs.push_back(part.x.to(torch::kCPU));
        if (result.trajectory.empty()) {
            result.trajectory.resize(part.trajectory.size());
            for (size_t i = 0; i < part.trajectory.size(); ++i) {
                result.trajectory[i].step = part.trajectory[i].step;
                result.trajectory[i].t = part.trajectory[i].t;
            }
        }
        for (size_t i = 0; i < part.trajectory.size(); ++i) {
            auto& into = result.trajectory[i];
            const auto& from = part.trajectory[i];
            into.x = into.x.defined() ? torch::cat({ into.x, from.x.to(torch::kCPU) })
                                      : from.x.to(torch::kCPU);
            if (from.x0.defined())
                into.x0 = into.x0.defined() ? torch::cat({ into.x0, from.x0.to(torch::kCPU) })
                                            : from.x0.to(torch::kCPU);
        }
        result.stepsDone = part.stepsDone;
        if (part.cancelled) {
            result.cancelled = true;
            break;
        }
    }
    result.x = torch::cat(outputs);
    net.train(wasTraining);
    return result;
}

} // namespace ddil
