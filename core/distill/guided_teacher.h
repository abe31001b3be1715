#pragma once
// The frozen teacher as distillation calls it: guided (both halves of classifier-free guidance
// in one batched forward), reflected when the config projects teacher estimates, never under
// autograd. Counts the images it is evaluated on, for the cost report.

#include "core/api/config.h"
#include "core/diffusion/parameterization.h"
#include "core/diffusion/reflection.h"
#include "core/diffusion/schedule.h"
#include "core/models/denoiser_net.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace ddil {

class GuidedTeacher {
public:
    // guidance: the default scale; `steps`: the teacher's M-step DDIM grid (tau = j / M).
    GuidedTeacher(std::shared_ptr<DenoiserNet> net, const DiffusionConfig& diffusion,
        GuidanceSpec guidance, ProjectionSpec projection, int steps);

    // (x0, eps) estimates at states x (B, ...), times t (B) and labels (B); `scale` (B) overrides
    // the guidance scale per sample (in the spec's convention).
    Denoised denoise(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& labels,
        const torch::Tensor& scale = {});

    // Deterministic DDIM from time tFrom to tTo through the points of the teacher's grid between
    // them. At tTo = 0 the result is the x0 estimate of the last step. `scale` as in denoise().
    torch::Tensor solve(const torch::Tensor& x, double tFrom, double tTo,
        const torch::Tensor& labels, const torch::Tensor& scale = {});

    // States at each of `times` (descending; times[0] is the time of xStart) along the teacher's
    // M-step sampler; element 0 is xStart itself.
    std::vector<torch::Tensor> trajectory(const torch::Tensor& xStart,
        const std::vector<double>& times, const torch::Tensor& labels,
        const torch::Tensor& scale = {});

    DenoiserNet& net() { return *m_net; }
    const std::shared_ptr<DenoiserNet>& sharedNet() const { return m_net; }
    const VpSchedule& schedule() const { return m_schedule; }
    const GuidanceSpec& guidance() const { return m_guidance; }
    // The projection of x0 estimates from the next call on (a live change of reflected mode).
    void setProjection(const ProjectionSpec& projection) { m_projection = projection; }
    int steps() const { return m_steps; }
    // Images evaluated by the network so far (a guided pair counts twice).
    int64_t imagesEvaluated() const { return m_images; }
    double secondsSpent() const { return m_seconds; } // in denoise()

private:
    std::shared_ptr<DenoiserNet> m_net;
    VpSchedule m_schedule;
    Prediction m_prediction;
    GuidanceSpec m_guidance;
    ProjectionSpec m_projection;
    int m_steps;
    int64_t m_images = 0;
    double m_seconds = 0.0;
};

// The conditional weight k of  out = uncond + k (cond - uncond)  for per-sample scales.
torch::Tensor conditionalWeight(const torch::Tensor& scale, GuidanceConvention convention);

} // namespace ddil
