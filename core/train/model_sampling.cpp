#include "core/train/model_sampling.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

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
    std::vector<int64_t> shape { labels.size(0) };
    shape.insert(shape.end(), sampleShape.begin(), sampleShape.end());
    const auto xStart = torch::randn(shape, generator, torch::kFloat32).to(device);
    const auto schedule = VpSchedule::fromConfig(diffusion);
    ModelFn model = [&net](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
        return net.forward(x, t, y);
    };
    const auto denoise = makeGuidedDenoiser(model, schedule, diffusion.prediction,
        labels.to(device), options.guidance, net.nullClass());
    DdimOptions ddim;
    ddim.steps = options.steps;
    ddim.eta = options.eta;
    ddim.recordSteps = options.recordSteps;
    ddim.cancel = options.cancel;
    if (options.eta > 0.0)
        ddim.generator = generator;
    auto result = ddimSample(denoise, schedule, xStart, ddim);
    result.x = result.x.to(torch::kCPU);
    for (auto& point : result.trajectory) {
        point.x = point.x.to(torch::kCPU);
        if (point.x0.defined())
            point.x0 = point.x0.to(torch::kCPU);
    }
    net.train(wasTraining);
    return result;
}

} // namespace ddil
