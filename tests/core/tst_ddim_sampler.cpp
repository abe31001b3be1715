#include "core/diffusion/ddim_sampler.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

using namespace ddil;

namespace {
// Exact denoiser of data N(mu, s^2 I): E[x0 | x_t] = mu + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t
// - alpha mu).
DenoiseFn gaussianDenoiser(const VpSchedule& schedule, double mu, double s)
{
    return [schedule, mu, s](const torch::Tensor& x, const torch::Tensor& t) {
        const auto a = perSample(schedule.alpha(t), x), sg = perSample(schedule.sigma(t), x);
        const auto x0 = mu + a * s * s / (a * a * s * s + sg * sg) * (x - a * mu);
        return Denoised { x0, (x - a * x0) / sg };
    };
}

// Exact denoiser of a point mass at c.
DenoiseFn pointMassDenoiser(const VpSchedule& schedule, double c)
{
    return [schedule, c](const torch::Tensor& x, const torch::Tensor& t) {
        const auto x0 = torch::full_like(x, c);
        return Denoised { x0,
            (x - perSample(schedule.alpha(t), x) * x0) / perSample(schedule.sigma(t), x) };
    };
}
} // namespace

class TestDdimSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void uniformGrid()
    {
        const auto ts = uniformTimesteps(4);
        QCOMPARE(ts, (std::vector<double> { 1.0, 0.75, 0.5, 0.25, 0.0 }));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, uniformTimesteps(0));
    }

    void stepMatchesSongEtAlByHand()
    {
        const Denoised d { torch::tensor({ 0.5 }, torch::kFloat64),
            torch::tensor({ -1.0 }, torch::kFloat64) };
        // eta = 0: alpha_s x0 + sigma_s eps.
        QVERIFY(std::abs(ddimStep(d, 0.6, 0.8, 0.8, 0.6).item<double>() - (0.8 * 0.5 + 0.6 * -1.0))
            < 1e-12);
        // eta = 1: sigma_eta = (0.6/0.8) sqrt(1 - 0.36/0.64) = 0.75 * sqrt(0.4375).
        const double se = 0.75 * std::sqrt(0.4375);
        const double expected = 0.8 * 0.5 + std::sqrt(0.36 - se * se) * -1.0 + se * 2.0;
        QVERIFY(
            std::abs(ddimStep(d, 0.6, 0.8, 0.8, 0.6, 1.0, torch::tensor({ 2.0 }, torch::kFloat64))
                         .item<double>()
                - expected)
            < 1e-12);
        // Landing on t = 0 returns the x0 estimate.
        QCOMPARE(ddimStep(d, 0.6, 0.8, 1.0, 0.0).item<double>(), 0.5);
    }

    void pointMassTrajectoryIsClosedForm_data()
    {
        QTest::addColumn<int>("steps");
        for (int n : { 1, 2, 3, 7, 50 })
            QTest::newRow(qPrintable(QString::number(n))) << n;
    }

    void pointMassTrajectoryIsClosedForm()
    {
        // With the exact denoiser of a point mass c, the eps estimate never changes after the
        // first step, so the state at tau_k is alpha_k c + sigma_k (z - alpha_1 c) / sigma_1.
        QFETCH(int, steps);
        const auto schedule = VpSchedule::cosine();
        const double c = 0.7;
        auto gen = at::detail::createCPUGenerator(1);
        const auto z = torch::randn({ 64, 2 }, gen, torch::kFloat64);
        DdimOptions options;
        options.steps = steps;
        for (int k = 0; k <= steps; ++k)
            options.recordSteps.insert(k);
        const auto result = ddimSample(pointMassDenoiser(schedule, c), schedule, z, options);
        QCOMPARE(static_cast<int>(result.trajectory.size()), steps + 1);
        const auto eps0 = (z - schedule.alpha(1.0) * c) / schedule.sigma(1.0);
        for (const auto& point : result.trajectory) {
            QCOMPARE(point.t, static_cast<double>(point.step) / steps);
            const auto expected = point.step == steps ? z
                : point.step == 0                     ? torch::full_like(z, c)
                                  : schedule.alpha(point.t) * c + schedule.sigma(point.t) * eps0;
            QVERIFY2((point.x - expected).abs().max().item<double>() < 1e-9,
                qPrintable(QString::number(point.step)));
        }
        QVERIFY((result.x - c).abs().max().item<double>() < 1e-12);
    }

    void gaussianFlowMapIsExact()
    {
        // For data N(mu, s^2) the probability-flow ODE maps x_1 to mu + s (x_1 - alpha_1 mu) /
        // sqrt(alpha_1^2 s^2 + sigma_1^2); DDIM (eta = 0) is its first-order solver, so it
        // converges to that map as steps grow.
        const auto schedule = VpSchedule::cosine();
        const double mu = 0.3, s = 0.5;
        auto gen = at::detail::createCPUGenerator(2);
        const auto z = torch::randn({ 256, 1 }, gen, torch::kFloat64);
        const double a1 = schedule.alpha(1.0), s1 = schedule.sigma(1.0);
        const auto exact = mu + s * (z - a1 * mu) / std::sqrt(a1 * a1 * s * s + s1 * s1);
        std::vector<double> errors;
        for (int steps : { 10, 100, 1000 }) {
            DdimOptions options;
            options.steps = steps;
            const auto x = ddimSample(gaussianDenoiser(schedule, mu, s), schedule, z, options).x;
            errors.push_back((x - exact).abs().max().item<double>());
        }
        const QString report = QString("max errors at 10/100/1000 steps: %1 %2 %3")
                                   .arg(errors[0])
                                   .arg(errors[1])
                                   .arg(errors[2]);
        // First order: ten times the steps, about a tenth of the error.
        QVERIFY2(errors[1] < errors[0] / 5 && errors[2] < errors[1] / 5, qPrintable(report));
        QVERIFY2(errors[2] < 5e-3, qPrintable(report));
    }

    void stochasticSamplerHitsTheDistribution()
    {
        const auto schedule = VpSchedule::cosine();
        const double mu = -0.4, s = 0.3;
        auto gen = at::detail::createCPUGenerator(4);
        DdimOptions options;
        options.steps = 200;
        options.eta = 1.0;
        options.generator = at::detail::createCPUGenerator(5);
        const auto x = ddimSample(gaussianDenoiser(schedule, mu, s), schedule,
            torch::randn({ 20000, 1 }, gen, torch::kFloat64), options)
                           .x;
        QVERIFY2(std::abs(x.mean().item<double>() - mu) < 0.01,
            qPrintable(QString::number(x.mean().item<double>())));
        QVERIFY2(std::abs(x.std().item<double>() - s) < 0.01,
            qPrintable(QString::number(x.std().item<double>())));
    }

    void seedingIsExplicitAndReproducible()
    {
        const auto schedule = VpSchedule::linear();
        const auto z = torch::randn({ 32, 2 }, at::detail::createCPUGenerator(9), torch::kFloat32);
        auto run = [&](uint64_t seed) {
            DdimOptions options;
            options.steps = 10;
            options.eta = 0.5;
            options.generator = at::detail::createCPUGenerator(seed);
            return ddimSample(gaussianDenoiser(schedule, 0.0, 1.0), schedule, z, options).x;
        };
        torch::manual_seed(123); // the global generator must not matter
        const auto a = run(11);
        torch::manual_seed(456);
        const auto b = run(11);
        QVERIFY(torch::equal(a, b));
        QVERIFY(!torch::equal(a, run(12)));
        DdimOptions noGen;
        noGen.eta = 0.5;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
            ddimSample(gaussianDenoiser(schedule, 0, 1), schedule, z, noGen));
    }

    void cancelTokenIsCheckedEveryStep()
    {
        const auto schedule = VpSchedule::cosine();
        CancelToken cancel;
        int calls = 0;
        DdimOptions options;
        options.steps = 20;
        options.cancel = &cancel;
        options.callback = [&](const DdimStepInfo& info) {
            ++calls;
            QCOMPARE(info.step, 20 - calls + 1);
            if (calls == 3)
                cancel.cancel();
        };
        const auto result = ddimSample(pointMassDenoiser(schedule, 0.0), schedule,
            torch::zeros({ 4, 2 }, torch::kFloat64), options);
        QVERIFY(result.cancelled);
        QCOMPARE(result.stepsDone, 3);
        QCOMPARE(calls, 3);
    }
};

QTEST_GUILESS_MAIN(TestDdimSampler)
#include "tst_ddim_sampler.moc"
