#pragma once
// One interface for the base distillation methods (consistency_models' *_losses, DMD2's
// guidance model): a method owns its auxiliary networks (EMA target, fake score network,
// discriminator head, round teacher) and their optimisers, takes a batch of input states with
// the teacher at hand, and returns the student's loss with named terms for the logs and charts.
// DDIL changes only the input states (state_source.h), never these losses.

#include "core/api/config.h"
#include "core/api/scalars.h"
#include "core/data/data_source.h"
#include "core/distill/state_source.h"
#include "core/parallel/data_parallel.h"
#include "core/runtime/device_scalars.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <vector>

namespace ddil {

class DenoiserNet;
class GuidedTeacher;
class StudentPolicy;

struct DistillContext {
    const RunConfig& config; // resolved: model and diffusion are the student's
    DenoiserNet& student; // trained by the trainer's optimiser
    DenoiserNet& studentEma;
    GuidedTeacher& teacher;
    const StudentPolicy& policy;
    const DataSource& data;
    torch::Device device;
    // loss() sees this rank's rows: its per-sample draws are the global batch's rows, and the
    // auxiliary networks' gradients are averaged over the ranks.
    const DataParallel& parallel;
    // Another batch of input states for an auxiliary network's update (this rank's rows of a
    // global batch, at the step being taken): DMD2's critic draws one per update.
    std::function<StateBatch(CriticSources, torch::Generator&)> moreStates;
};

struct LossTerms {
    torch::Tensor loss; // what the student's optimiser minimises
    DeviceScalars deviceTerms; // "lcm/mse", "dmd2/fake_loss", ...: not read here
    Scalars terms; // known on the host: "pd/round", ...
};

class DistillationMethod {
public:
    virtual ~DistillationMethod() = default;

    // The student's loss on these input states; auxiliary networks take their updates here.
    virtual LossTerms loss(const StateBatch& states, torch::Generator& generator) = 0;
    // The method's loss per sample on these states with `net` as the student: no gradients, no
    // updates of anything (the diagnostics' on-policy loss gap). Random draws from `generator`.
    virtual torch::Tensor perSampleLoss(
        DenoiserNet& net, const StateBatch& states, torch::Generator& generator)
        = 0;
    // The times at which the method's own (data) source forward-diffuses real data.
    virtual torch::Tensor dataTimes(int64_t count, torch::Generator& generator) const = 0;
    // The current student's sampler times, tau_N ... tau_1, 0.
    virtual std::vector<double> studentTimes() const;
    // After each optimiser step of the student; `step` counts the steps done.
    virtual void afterStep(int64_t /*step*/) { }
    virtual void save(torch::serialize::OutputArchive&) const { }
    virtual void load(torch::serialize::InputArchive&) { }
    // Images the method's own networks evaluated (not the teacher's), for the cost report.
    virtual int64_t auxImagesEvaluated() const { return 0; }

protected:
    explicit DistillationMethod(const DistillContext& context)
        : m_ctx(context)
    {
    }
    // A new network with the student's architecture, on the training device, holding `from`'s
    // weights: the EMA target, fake score or round teacher a method owns.
    std::shared_ptr<DenoiserNet> copyOfStudent(const DenoiserNet& from) const;

    DistillContext m_ctx;
};

std::unique_ptr<DistillationMethod> makeDistillationMethod(const DistillContext& context);

// Salimans & Ho 2022, Alg. 2: the x0 target that makes one student DDIM step from z_t land on
// the teacher's two-step result z_t'' (alpha/sigma per sample, shape (B)).
torch::Tensor progressiveTarget(const torch::Tensor& zt, const torch::Tensor& ztt,
    const torch::Tensor& alphaT, const torch::Tensor& sigmaT, const torch::Tensor& alphaTT,
    const torch::Tensor& sigmaTT);

// DMD (Yin et al. 2024): (p_real - p_fake) / mean|p_real| per sample with p = x - x0_hat; NaNs
// (a zero normaliser) become 0. L_DM = 0.5 ||x - sg(x - grad)||^2 has exactly this gradient.
torch::Tensor distributionMatchingGrad(
    const torch::Tensor& x, const torch::Tensor& realX0, const torch::Tensor& fakeX0);

} // namespace ddil
