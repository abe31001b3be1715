#include "core/diffusion/guidance.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

using namespace ddil;

namespace {
// A "network" whose eps output is its label, whatever the state: cond = c, uncond = null.
struct LabelEcho {
    int calls = 0;
    int64_t lastBatch = 0;
    torch::Tensor operator()(
        const torch::Tensor& x, const torch::Tensor&, const torch::Tensor& labels)
    {
        ++calls;
        lastBatch = x.size(0);
        return labels.to(torch::kFloat64).unsqueeze(1).expand({ -1, x.size(1) }).clone();
    }
};
} // namespace

class TestGuidance : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void conventionsHaveExplicitWeights()
    {
        QCOMPARE((GuidanceSpec { 3.0, GuidanceConvention::UncondPlusW }.conditionalWeight()), 3.0);
        QCOMPARE((GuidanceSpec { 2.0, GuidanceConvention::CondPlusW }.conditionalWeight()), 3.0);
        QVERIFY(!(GuidanceSpec { 1.0, GuidanceConvention::UncondPlusW }.needsUnconditional()));
        QVERIFY(!(GuidanceSpec { 0.0, GuidanceConvention::CondPlusW }.needsUnconditional()));
        QVERIFY((GuidanceSpec { 0.0, GuidanceConvention::UncondPlusW }.needsUnconditional()));
    }

    void combineMatchesHoSalimans()
    {
        const auto cond = torch::tensor({ 2.0 }), uncond = torch::tensor({ 0.5 });
        // uncond + w (cond - uncond) with w = 4: 0.5 + 4 * 1.5 = 6.5
        QCOMPARE(
            combineGuidance(cond, uncond, { 4.0, GuidanceConvention::UncondPlusW }).item<double>(),
            6.5);
        // cond + w (cond - uncond) with w = 3: 2 + 3 * 1.5 = 6.5
        QCOMPARE(
            combineGuidance(cond, uncond, { 3.0, GuidanceConvention::CondPlusW }).item<double>(),
            6.5);
    }

    void denoiserUsesNullClassAndOneBatchedPass()
    {
        auto echo = std::make_shared<LabelEcho>();
        ModelFn model = [echo](const torch::Tensor& x, const torch::Tensor& t,
                            const torch::Tensor& y) { return (*echo)(x, t, y); };
        const auto schedule = VpSchedule::cosine();
        const int64_t nullClass = 8;
        const auto labels = torch::tensor({ 0, 3, 7 }, torch::kInt64);
        const auto x = torch::ones({ 3, 2 }, torch::kFloat64);
        const auto t = torch::full({ 3 }, 0.5, torch::kFloat64);
        const double w = 2.0;
        auto denoise = makeGuidedDenoiser(model, schedule, Prediction::Eps, labels,
            { w, GuidanceConvention::UncondPlusW }, nullClass);
        const auto d = denoise(x, t);
        QCOMPARE(echo->calls, 1);
        QCOMPARE(echo->lastBatch, int64_t { 6 });
        for (int i = 0; i < 3; ++i) {
            const double c = labels[i].item<double>();
            const double expectedEps = nullClass + w * (c - nullClass);
            QCOMPARE(d.eps[i][0].item<double>(), expectedEps);
            const double expectedX0
                = (1.0 - schedule.sigma(0.5) * expectedEps) / schedule.alpha(0.5);
            QVERIFY(std::abs(d.x0[i][1].item<double>() - expectedX0) < 1e-12);
        }
        // Plain conditional sampling needs one pass on the plain batch.
        auto plain = makeGuidedDenoiser(model, schedule, Prediction::Eps, labels,
            { 1.0, GuidanceConvention::UncondPlusW }, nullClass);
        QCOMPARE(plain(x, t).eps[1][0].item<double>(), 3.0);
        QCOMPARE(echo->lastBatch, int64_t { 3 });
    }

    void guidanceCommutesWithParameterisation()
    {
        // Combining in v space then converting equals converting each branch then combining.
        auto gen = at::detail::createCPUGenerator(3);
        const auto x = torch::randn({ 4, 2 }, gen, torch::kFloat64);
        const auto vc = torch::randn({ 4, 2 }, gen, torch::kFloat64),
                   vu = torch::randn({ 4, 2 }, gen, torch::kFloat64);
        const auto a = torch::full({ 4 }, 0.8, torch::kFloat64),
                   s = torch::full({ 4 }, 0.6, torch::kFloat64);
        const GuidanceSpec spec { 3.0, GuidanceConvention::UncondPlusW };
        const auto viaV = fromPrediction(Prediction::V, combineGuidance(vc, vu, spec), x, a, s);
        const auto xc = fromPrediction(Prediction::V, vc, x, a, s).x0,
                   xu = fromPrediction(Prediction::V, vu, x, a, s).x0;
        QVERIFY((viaV.x0 - combineGuidance(xc, xu, spec)).abs().max().item<double>() < 1e-12);
    }
};

QTEST_GUILESS_MAIN(TestGuidance)
#include "tst_guidance.moc"
