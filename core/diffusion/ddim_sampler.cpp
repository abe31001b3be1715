#include "core/diffusion/ddim_sampler.h"

#include <torch/types.h>

#include <cmath>
#include <stdexcept>

namespace ddil {

std::vector<double> uniformTimesteps(int steps, double tStart)
{
    if (steps < 1)
        throw std::invalid_argument("DDIM needs at least one step");
    std::vector<double> ts(steps + 1);
    for (int k = steps; k >= 0; --k)
        ts[steps - k] = tStart * static_cast<double>(k) / steps;
    return ts;
}

torch::Tensor ddimStep(const Denoised& d, double alphaT, double sigmaT, double alphaS,
    double sigmaS, double eta, const torch::Tensor& noise)
{
    if (sigmaS <= 0.0)
        return d.x0;
    // Song et al. 2021, eq. 12 with sigma_eta of eq. 16, written with alpha = sqrt(alpha-bar).
    double sigmaEta = 0.0;
    if (eta > 0.0) {
        const double ratio = std::max(0.0, 1.0 - (alphaT * alphaT) / (alphaS * alphaS));
        sigmaEta = eta * (sigmaS / sigmaT) * std::sqrt(ratio);
    }
    const double dirCoef = std::sqrt(std::max(0.0, sigmaS * sigmaS - sigmaEta * sigmaEta));
    auto next = alphaS * d.x0 + dirCoef * d.eps;
    if (sigmaEta > 0.0) {
        if (!noise.defined())
            throw std::invalid_argument("ddimStep: eta > 0 needs noise");
        next = next + sigmaEta * noise;
    }
    return next;
}

DdimResult ddimSample(const DenoiseFn& denoise, const VpSchedule& schedule, torch::Tensor xStart,
    const DdimOptions& options)
{
    if (options.eta > 0.0 && !options.generator)
        throw std::invalid_argument("DDIM with eta > 0 needs an explicit generator");
    const auto ts = uniformTimesteps(options.steps, options.tStart);
    const int n = options.steps;
    DdimResult result;
    torch::Tensor x = std::move(xStart);
    for (int i = 0; i < n; ++i) {
        if (options.cancel && options.cancel->isCancelled()) {
            result.cancelled = true;
            break;
        }
        const int k = n - i;
        const double t = ts[i], s = ts[i + 1];
        const auto tBatch = torch::full({ x.size(0) }, t, x.options());
        const Denoised d = denoise(x, tBatch);
        if (options.recordSteps.count(k))
            result.trajectory.push_back({ k, t, x.clone(), d.x0.detach().clone() });
        if (options.callback)
            options.callback({ k, t, s, &x, &d });
        torch::Tensor noise;
        if (options.eta > 0.0 && s > 0.0)
            noise = torch::randn(x.sizes(), *options.generator, torch::kFloat32).to(x.options());
        const double sigmaS = (s > 0.0) ? schedule.sigma(s) : 0.0;
        x = ddimStep(d, schedule.alpha(t), schedule.sigma(t), s > 0.0 ? schedule.alpha(s) : 1.0,
            sigmaS, options.eta, noise);
        result.stepsDone = i + 1;
    }
    if (!result.cancelled && options.recordSteps.count(0))
        result.trajectory.push_back({ 0, 0.0, x.clone(), torch::Tensor() });
    result.x = x;
    return result;
}

} // namespace ddil
