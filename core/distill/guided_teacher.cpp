#include "core/distill/guided_teacher.h"

#include "core/runtime/device.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>

namespace ddil {

GuidedTeacher::GuidedTeacher(std::shared_ptr<DenoiserNet> net, const DiffusionConfig& diffusion,
    GuidanceSpec guidance, ProjectionSpec projection, int steps)
    : m_net(std::move(net))
    , m_schedule(VpSchedule::fromConfig(diffusion))
    , m_prediction(diffusion.prediction)
    , m_guidance(guidance)
    , m_projection(projection)
    , m_steps(steps)
{
    freeze(*m_net);
}

torch::Tensor conditionalWeight(const torch::Tensor& scale, GuidanceConvention convention)
{
    return convention == GuidanceConvention::CondPlusW ? scale + 1.0 : scale;
}

Denoised GuidedTeacher::denoise(const torch::Tensor& x, const torch::Tensor& t,
    const torch::Tensor& labels, const torch::Tensor& scale)
{
    torch::NoGradGuard noGrad;
    const auto started = std::chrono::steady_clock::now();
    const int64_t b = x.size(0);
    torch::Tensor output;
    const bool perSampleScale = scale.defined();
    if (perSampleScale || m_guidance.needsUnconditional()) {
        const auto both = m_net->forward(torch::cat({ x, x }), torch::cat({ t, t }),
            torch::cat({ labels, torch::full_like(labels, m_net->nullClass()) }));
        m_images += 2 * b;
        const auto halves = both.chunk(2, 0);
        const auto k = perSampleScale
            ? perSample(toDevice(conditionalWeight(scale, m_guidance.convention), x.device()), x)
            : torch::full({}, m_guidance.conditionalWeight(), x.options());
        output = halves[1] + k * (halves[0] - halves[1]);
    } else {
        output = m_net->forward(x, t, labels);
        m_images += b;
    }
    const auto alpha = m_schedule.alpha(t), sigma = m_schedule.sigma(t);
    auto d = reflectDenoised(
        fromPrediction(m_prediction, output, x, alpha, sigma), x, alpha, sigma, m_projection);
    m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return d;
}

torch::Tensor GuidedTeacher::solve(const torch::Tensor& x, double tFrom, double tTo,
    const torch::Tensor& labels, const torch::Tensor& scale)
{
    torch::NoGradGuard noGrad;
    // The grid points strictly between the two ends, then the end itself.
    std::vector<double> path;
    for (int j = m_steps - 1; j >= 1; --j) {
        const double g = static_cast<double>(j) / m_steps;
        if (g < tFrom - 1e-9 && g > tTo + 1e-9)
            path.push_back(g);
    }
    path.push_back(tTo);
    auto state = x;
    double t = tFrom;
    for (double next : path) {
        const auto d = denoise(state,
            torch::full({ state.size(0) }, t, x.options().dtype(torch::kFloat32)), labels, scale);
        if (next <= 0.0)
            return d.x0;
        state = m_schedule.alpha(next) * d.x0 + m_schedule.sigma(next) * d.eps;
        t = next;
    }
    return state;
}

std::vector<torch::Tensor> GuidedTeacher::trajectory(const torch::Tensor& xStart,
    const std::vector<double>& times, const torch::Tensor& labels, const torch::Tensor& scale)
{
    std::vector<torch::Tensor> states { xStart };
    for (size_t i = 1; i < times.size(); ++i)
        states.push_back(solve(states.back(), times[i - 1], times[i], labels, scale));
    return states;
}

} // namespace ddil
