#include "core/sampling/student_sampler.h"

#include "core/runtime/device.h"
#include "core/sampling/chunks.h"

#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

StudentSamples sampleStudent(const StudentPolicy& policy, DenoiserNet& net,
    const torch::Tensor& noise, const torch::Tensor& labels, const std::vector<double>& times,
    torch::Generator& generator, torch::Device device, const StudentSampling& options)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = net.is_training();
    net.eval();
    const int64_t chunk = sampleChunk(static_cast<int>(options.chunk), device);
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
        int64_t begin = 0; // the first row of the chunk mapChunks hands over
        x = mapChunks(
            x, deviceLabels, chunk, [&](const torch::Tensor& rows, const torch::Tensor& y) {
                const int64_t end = begin + rows.size(0);
                auto stepped = studentStep(policy, net, rows, y, t, next, draws.rows(begin, end),
                    options.rollout.teacher, &out.teacherSteps);
                begin = end;
                return stepped.contiguous();
            });
    }
    out.x0 = x.to(torch::kCPU).contiguous();
    net.train(wasTraining);
    return out;
}

} // namespace ddil
