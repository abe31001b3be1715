#include "core/diffusion/parameterization.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

using namespace ddil;

class TestParameterization : public QObject {
    Q_OBJECT
private:
    torch::Tensor x0, eps, alpha, sigma, x;

private Q_SLOTS:
    void init()
    {
        auto gen = at::detail::createCPUGenerator(7);
        x0 = torch::randn({ 16, 3, 4, 4 }, gen, torch::kFloat64);
        eps = torch::randn({ 16, 3, 4, 4 }, gen, torch::kFloat64);
        const auto angle = torch::rand({ 16 }, gen, torch::kFloat64) * 1.5 + 0.02;
        alpha = torch::cos(angle);
        sigma = torch::sin(angle);
        x = perSample(alpha, x0) * x0 + perSample(sigma, x0) * eps;
    }

    void handWorkedNumbers()
    {
        // alpha = 0.6, sigma = 0.8, x0 = 1, eps = 2: x = 2.2, v = 0.6 * 2 - 0.8 * 1 = 0.4.
        const auto a = torch::tensor({ 0.6 }, torch::kFloat64),
                   s = torch::tensor({ 0.8 }, torch::kFloat64);
        const auto one = torch::ones({ 1, 1 }, torch::kFloat64), two = 2 * one, xx = 2.2 * one;
        QVERIFY(std::abs(vFromX0Eps(one, two, a, s).item<double>() - 0.4) < 1e-12);
        const auto d = fromPrediction(Prediction::V, 0.4 * one, xx, a, s);
        QVERIFY(std::abs(d.x0.item<double>() - 1.0) < 1e-12);
        QVERIFY(std::abs(d.eps.item<double>() - 2.0) < 1e-12);
    }

    void everyKindRecoversX0AndEps_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("eps") << static_cast<int>(Prediction::Eps);
        QTest::newRow("x0") << static_cast<int>(Prediction::X0);
        QTest::newRow("v") << static_cast<int>(Prediction::V);
    }

    void everyKindRecoversX0AndEps()
    {
        QFETCH(int, kind);
        const auto k = static_cast<Prediction>(kind);
        const auto target = predictionTarget(k, x0, eps, alpha, sigma);
        const auto d = fromPrediction(k, target, x, alpha, sigma);
        QVERIFY((d.x0 - x0).abs().max().item<double>() < 1e-10);
        QVERIFY((d.eps - eps).abs().max().item<double>() < 1e-10);
    }

    void conversionsAreMutuallyInverse()
    {
        QVERIFY((x0FromEps(x, eps, alpha, sigma) - x0).abs().max().item<double>() < 1e-10);
        QVERIFY((epsFromX0(x, x0, alpha, sigma) - eps).abs().max().item<double>() < 1e-10);
        const auto v = vFromX0Eps(x0, eps, alpha, sigma);
        // x0 = alpha x - sigma v and eps = sigma x + alpha v (Salimans & Ho 2022, App. D).
        QVERIFY((perSample(alpha, x) * x - perSample(sigma, x) * v - x0).abs().max().item<double>()
            < 1e-10);
        QVERIFY((perSample(sigma, x) * x + perSample(alpha, x) * v - eps).abs().max().item<double>()
            < 1e-10);
    }

    void perSampleBroadcastsOverSampleDims()
    {
        QCOMPARE(perSample(alpha, x0).sizes().vec(), (std::vector<int64_t> { 16, 1, 1, 1 }));
        QCOMPARE(perSample(alpha, torch::zeros({ 16, 2 })).sizes().vec(),
            (std::vector<int64_t> { 16, 1 }));
    }
};

QTEST_GUILESS_MAIN(TestParameterization)
#include "tst_parameterization.moc"
