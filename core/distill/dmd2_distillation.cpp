#include "core/distill/dmd2_distillation.h"

#include "core/checkpoint/strict_load.h"
#include "core/diffusion/parameterization.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/runtime/device.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <stdexcept>

namespace ddil {

Dmd2Distillation::Dmd2Distillation(const DistillContext& context)
    : DistillationMethod(context)
{
    const auto& c = context.config.distill.dmd2;
    m_fake = copyOfStudent(context.student); // the student starts as the teacher
    std::vector<torch::Tensor> params = m_fake->parameters();
    if (c.gan) {
        const int64_t f = m_fake->bottleneckDim();
        m_head = torch::nn::Sequential(
            torch::nn::Linear(f, f), torch::nn::SiLU(), torch::nn::Linear(f, 1));
        m_head->to(context.device);
        for (auto& p : m_head->parameters())
            params.push_back(p);
    }
    const double lr = c.fake_lr > 0.0 ? c.fake_lr : context.config.train.lr;
    m_fakeOptimizer = std::make_unique<ForeachAdam>(
        params, torch::optim::AdamOptions(lr).betas({ 0.0, 0.999 }));
}

torch::Tensor Dmd2Distillation::dataTimes(int64_t count, torch::Generator& generator) const
{
    // Without backward simulation, the generator's input at step k is data diffused to tau_k.
    const auto times = studentTimes();
    const int64_t n = static_cast<int64_t>(times.size()) - 1;
    const auto k = torch::randint(0, n, { count }, generator, torch::kInt64);
    const auto grid
        = torch::tensor(std::vector<double>(times.begin(), times.end() - 1), torch::kFloat32);
    return grid.index_select(0, k);
}

torch::Tensor Dmd2Distillation::randomTimes(
    int64_t count, torch::Generator& generator, const DataParallel& shard) const
{
    const auto& c = m_ctx.config.distill.dmd2;
    return toDevice(c.t_min + (c.t_max - c.t_min) * shard.randRows(count, generator), m_ctx.device);
}

torch::Tensor Dmd2Distillation::fakeX0(const torch::Tensor& xt, const torch::Tensor& t,
    const torch::Tensor& labels, torch::Tensor* logit)
{
    const auto& schedule = m_ctx.policy.schedule();
    torch::Tensor features;
    const auto raw = m_fake->forwardWithFeatures(xt, t, labels, {}, logit ? &features : nullptr);
    m_images += xt.size(0);
    if (logit)
        *logit = m_head->forward(features).squeeze(1);
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    auto d = fromPrediction(m_ctx.config.diffusion.prediction, raw, xt, alpha, sigma);
    const auto& r = m_ctx.config.distill.reflection;
    if (r.apply_to != ReflectTarget::Teacher) // the critic is projected with the student
        d = reflectDenoised(d, xt, alpha, sigma, { r.projection, r.percentile });
    return d.x0;
}

std::pair<torch::Tensor, torch::Tensor> Dmd2Distillation::fakeUpdate(
    const torch::Tensor& generated, const torch::Tensor& labels, torch::Generator& generator)
{
    const auto& c = m_ctx.config.distill.dmd2;
    const auto& schedule = m_ctx.policy.schedule();
    const auto& shard = m_ctx.parallel;
    const int64_t b = generated.size(0);
    const auto t = randomTimes(b, generator, shard);
    const auto eps = toDevice(shard.randnRows(generated.sizes(), generator), generated.device());
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    const auto xt = perSample(alpha, generated) * generated + perSample(sigma, generated) * eps;
    m_fake->train();
    m_fakeOptimizer->zero_grad();
    torch::Tensor fakeLogit;
    const auto raw = m_fake->forwardWithFeatures(xt, t, labels, {}, c.gan ? &fakeLogit : nullptr);
    m_images += b;
    auto loss = torch::mse_loss(
        raw, predictionTarget(m_ctx.config.diffusion.prediction, generated, eps, alpha, sigma));
    const auto denoising = loss.detach();
    torch::Tensor discriminator;
    if (c.gan) {
        fakeLogit = m_head->forward(fakeLogit).squeeze(1);
        // Real: data diffused to the same times.
        const auto real = m_ctx.data.sample(shard.globalCount(b), generator);
        const auto realX = toDevice(shard.rows(real.x), generated.device());
        const auto realEps
            = toDevice(shard.randnRows(realX.sizes(), generator), generated.device());
        const auto realXt = perSample(alpha, realX) * realX + perSample(sigma, realX) * realEps;
        torch::Tensor realFeatures;
        m_fake->forwardWithFeatures(
            realXt, t, toDevice(shard.rows(real.labels), generated.device()), {}, &realFeatures);
        m_images += b;
        const auto realLogit = m_head->forward(realFeatures).squeeze(1);
        const auto gan = torch::softplus(fakeLogit).mean() + torch::softplus(-realLogit).mean();
        discriminator = gan.detach();
        loss = loss + c.gan_discriminator_weight * gan;
    }
    loss.backward();
    for (const auto& group : m_fakeOptimizer->param_groups())
        shard.averageGradients(group.params());
    m_fakeOptimizer->step();
    return { denoising, discriminator };
}

Dmd2Distillation::DistributionMatching Dmd2Distillation::distributionMatching(
    const torch::Tensor& x, const torch::Tensor& labels, torch::Generator& generator,
    const DataParallel& shard)
{
    const auto& schedule = m_ctx.policy.schedule();
    DistributionMatching out;
    out.t = randomTimes(x.size(0), generator, shard);
    out.eps = toDevice(shard.randnRows(x.sizes(), generator), x.device());
    {
        torch::NoGradGuard noGrad;
        const auto xt = perSample(schedule.alpha(out.t), x) * x
            + perSample(schedule.sigma(out.t), x) * out.eps;
        m_fake->eval();
        const auto realX0 = m_ctx.teacher.denoise(xt, out.t, labels).x0;
        const auto fake = fakeX0(xt, out.t, labels, nullptr);
        out.grad = distributionMatchingGrad(x, realX0, fake);
    }
    out.perSample = 0.5 * (x - (x - out.grad).detach()).pow(2).flatten(1).mean(1);
    return out;
}

torch::Tensor Dmd2Distillation::perSampleLoss(
    DenoiserNet& net, const StateBatch& states, torch::Generator& generator)
{
    torch::NoGradGuard noGrad;
    const auto x = m_ctx.policy.x0(net, states.x, states.t, states.labels);
    return distributionMatching(x, states.labels, generator, DataParallel::single()).perSample;
}

LossTerms Dmd2Distillation::loss(const StateBatch& states, torch::Generator& generator)
{
    const auto& c = m_ctx.config.distill.dmd2;
    const auto& schedule = m_ctx.policy.schedule();
    // Two time-scale rule: the fake score tracks the generator's current outputs, each update
    // on a batch of its own (DMD2 draws a new batch per critic update). The terms stay on the
    // device: their means over the updates are read with the step's loss.
    if (!m_ctx.moreStates)
        throw std::logic_error("DMD2: the distillation context draws no critic batches");
    std::vector<torch::Tensor> fakeLosses, discriminators;
    for (int i = 0; i < c.fake_updates; ++i) {
        const auto critic = m_ctx.moreStates(c.critic_sources, generator);
        torch::Tensor generated;
        {
            torch::NoGradGuard noGrad;
            generated = m_ctx.policy.x0(m_ctx.student, critic.x, critic.t, critic.labels);
        }
        auto [denoising, disc] = fakeUpdate(generated, critic.labels, generator);
        fakeLosses.push_back(std::move(denoising));
        if (disc.defined())
            discriminators.push_back(std::move(disc));
    }
    // The generator's one step from each input state.
    const auto x = m_ctx.policy.x0(m_ctx.student, states.x, states.t, states.labels);
    auto meanOf = [&](const std::vector<torch::Tensor>& v) {
        return v.empty() ? torch::zeros({}, x.options()) : torch::stack(v).mean();
    };

    const auto dm = distributionMatching(x, states.labels, generator, m_ctx.parallel);
    const auto& t = dm.t;
    const auto& eps = dm.eps;
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    auto loss = dm.perSample.mean();
    DeviceScalars terms { { "dmd2/dm_loss", loss.detach() },
        { "dmd2/fake_loss", meanOf(fakeLosses) }, { "dmd2/grad_abs_mean", dm.grad.abs().mean() } };
    if (c.gan) {
        // Non-saturating generator loss through the (frozen for this step) discriminator.
        const auto xt = perSample(alpha, x) * x + perSample(sigma, x) * eps;
        torch::Tensor logit;
        fakeX0(xt, t, states.labels, &logit);
        const auto gan = torch::softplus(-logit).mean();
        terms.emplace_back("dmd2/gan_generator", gan.detach());
        terms.emplace_back("dmd2/gan_discriminator", meanOf(discriminators));
        loss = loss + c.gan_generator_weight * gan;
    }
    return { loss, std::move(terms), {} };
}

void Dmd2Distillation::save(torch::serialize::OutputArchive& archive) const
{
    torch::serialize::OutputArchive fake, optimizer;
    m_fake->save(fake);
    archive.write("dmd2_fake", fake);
    m_fakeOptimizer->save(optimizer);
    archive.write("dmd2_fake_optimizer", optimizer);
    if (m_head) {
        torch::serialize::OutputArchive head;
        m_head->save(head);
        archive.write("dmd2_head", head);
    }
}

void Dmd2Distillation::load(torch::serialize::InputArchive& archive)
{
    torch::serialize::InputArchive fake, optimizer, head;
    if (archive.try_read("dmd2_fake", fake)) {
        loadModuleStrictly(fake, *m_fake, "\"dmd2_fake\" weights");
        m_fake->to(m_ctx.device);
    }
    if (m_head && archive.try_read("dmd2_head", head)) {
        loadModuleStrictly(head, *m_head, "\"dmd2_head\" weights");
        m_head->to(m_ctx.device);
    }
    if (archive.try_read("dmd2_fake_optimizer", optimizer))
        loadOptimizerStrictly(optimizer, *m_fakeOptimizer, "\"dmd2_fake_optimizer\"", false);
}

} // namespace ddil
