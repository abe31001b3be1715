#pragma once
// DDIM (Song et al. 2021) on any number of steps, eta = 0 deterministic, eta > 0 stochastic.
// Steps are numbered as in DDIL.md: step k (k = N ... 1) moves the state from tau_k to
// tau_{k-1} on the grid tau_k = tStart * k / N; the last step returns the x0 estimate.

#include "core/api/cancel_token.h"
#include "core/diffusion/guidance.h"
#include "core/diffusion/schedule.h"

#include <torch/types.h>

#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace ddil {

// N + 1 times tStart * k / N for k = N ... 0 (descending, ends at 0).
std::vector<double> uniformTimesteps(int steps, double tStart = 1.0);

struct TrajectoryPoint {
    int step = 0; // k: the state at tau_k, the input of step k (0: the final output)
    double t = 0.0;
    torch::Tensor x;
    torch::Tensor x0; // the denoiser's x0 estimate at that state (undefined for k = 0)
};

struct DdimStepInfo {
    int step = 0; // k
    double t = 0.0; // tau_k
    double tNext = 0.0; // tau_{k-1}
    const torch::Tensor* x = nullptr; // state at tau_k
    const Denoised* denoised = nullptr;
};

struct DdimOptions {
    int steps = 50;
    double eta = 0.0;
    double tStart = 1.0;
    std::set<int> recordSteps; // k values whose states go into the trajectory (0: final)
    std::function<void(const DdimStepInfo&)> callback; // after each denoiser call
    const CancelToken* cancel = nullptr; // checked before every step
    // Noise for eta > 0 is drawn on the CPU from this generator and moved to the state's device.
    std::optional<torch::Generator> generator;
};

struct DdimResult {
    torch::Tensor x; // the sample (or the last state reached when cancelled)
    std::vector<TrajectoryPoint> trajectory;
    int stepsDone = 0;
    bool cancelled = false;
};

// One DDIM update from (alphaT, sigmaT) to (alphaS, sigmaS) given the estimates at x_t.
// noise is needed only when eta > 0.
torch::Tensor ddimStep(const Denoised& d, double alphaT, double sigmaT, double alphaS,
    double sigmaS, double eta = 0.0, const torch::Tensor& noise = {});

DdimResult ddimSample(const DenoiseFn& denoise, const VpSchedule& schedule, torch::Tensor xStart,
    const DdimOptions& options);

} // namespace ddil
