#include "core/sampling/student_sampler.h"

#include "core/runtime/device.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>

namespace ddil {

StudentSamples sampleStudent(const StudentPolicy& policy, DenoiserNet& net,
    const torch::Tensor& noise, const torch::Tensor& labels, const std::vector<double>& times,
    torch::Generator& generator, torch::Device device, const StudentSampling& options)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = net.is_training();
    net.eval();
    const int64_t count = noise.size(0);
    const int64_t chunk = options.chunk > 0 ? options.chunk : sampleChunk(0, device);
    const std::vector<int64_t> shape(noise.sizes().begin(), noise.sizes().end());
    const auto deviceLabels = labels.to(device);
    StudentSamples out;
    auto x = noise.to(device);
    for (size_t i = 0; i + 1 < times.size(); ++i) {
        const auto* cancel = options.rollout.cancel;
        if (cancel && cancel->isCancelled()) {
            out.cancelled = true;
            net.train(wasTraining);
            return out;
        }
        if (options.keepStates)
            out.states.push_back(x);
        const double t = times[i], next = times[i + 1];
        const auto draws = drawStep(policy, options.rollout, i, shape, next, generator, device);
        std::vector<torch::Tensor> parts;
        for (int64_t begin = 0; begin < count; begin += chunk) {
            const int64_t end = std::min(count, begin + chunk);
            auto rows = x.slice(0, begin, end);
            if (rows.dim() == 4) // oneDNN's convolutions are faster on NHWC
                rows = rows.contiguous(torch::MemoryFormat::ChannelsLast);
            parts.push_back(studentStep(policy, net, rows, deviceLabels.slice(0, begin, end), t,
                next, draws.rows(begin, end), options.rollout.teacher, &out.teacherSteps)
                                .contiguous());
        }
        x = torch::cat(parts);
    }
    out.x0 = x.to(torch::kCPU).contiguous();
    net.train(wasTraining);
    return out;
}

} // namespace ddil
