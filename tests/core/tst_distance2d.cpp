#include "core/metrics/distance2d.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cmath>

using namespace ddil;

class TestDistance2d : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void identicalSetsAreAtZero()
    {
        auto gen = at::detail::createCPUGenerator(1);
        const auto a = torch::randn({ 3000, 2 }, gen);
        const auto dirs = randomDirections(64, 2, gen);
        QCOMPARE(slicedWasserstein(a, a, dirs), 0.0);
        QVERIFY(mmdRbf(a, a) < 1e-6);
        // Order does not matter.
        QCOMPARE(slicedWasserstein(a, a.flip(0), dirs), 0.0);
    }

    void shiftGivesProjectedShift()
    {
        // W1 between a set and its translate by d, along direction u, is |u . d| exactly.
        auto gen = at::detail::createCPUGenerator(2);
        const auto a = torch::randn({ 1000, 2 }, gen, torch::kFloat64);
        const auto d = torch::tensor({ 0.3, -0.4 }, torch::kFloat64);
        const auto dirs = randomDirections(100, 2, gen);
        const double expected = dirs.matmul(d).abs().mean().item<double>();
        QVERIFY(std::abs(slicedWasserstein(a, a + d, dirs) - expected) < 1e-9);
        // Averaged over all directions in the plane, E|cos| = 2 / pi: SW = 2 |d| / pi.
        const auto many = randomDirections(20000, 2, gen);
        QVERIFY(std::abs(slicedWasserstein(a, a + d, many) - 2.0 * 0.5 / M_PI) < 0.005);
    }

    void mmdOfTwoPointsIsClosedForm()
    {
        // MMD^2(delta_x, delta_y) = sum_h 2 (1 - exp(-|x - y|^2 / (2 h^2))).
        const auto x = torch::tensor({ { 0.0, 0.0 } }, torch::kFloat64),
                   y = torch::tensor({ { 0.1, 0.0 } }, torch::kFloat64);
        const std::vector<double> h { 0.05, 0.2 };
        double expected = 0;
        for (double b : h)
            expected += 2.0 * (1.0 - std::exp(-0.01 / (2 * b * b)));
        QVERIFY(std::abs(mmdRbf(x, y, h) - std::sqrt(expected)) < 1e-12);
    }

    void mmdGrowsWithShiftAndIsSymmetric()
    {
        auto gen = at::detail::createCPUGenerator(3);
        const auto a = 0.2 * torch::randn({ 1500, 2 }, gen),
                   b = 0.2 * torch::randn({ 1500, 2 }, gen);
        const double same = mmdRbf(a, b), near = mmdRbf(a, b + 0.1), far = mmdRbf(a, b + 0.5);
        QVERIFY(same < near && near < far);
        QVERIFY(std::abs(mmdRbf(b, a + 0.1) - mmdRbf(a + 0.1, b)) < 1e-9);
    }

    void blockwiseMatchesDirect()
    {
        // 2500 rows cross the 1024-row block boundary twice.
        auto gen = at::detail::createCPUGenerator(4);
        const auto a = torch::randn({ 2500, 2 }, gen, torch::kFloat64),
                   b = torch::randn({ 2500, 2 }, gen, torch::kFloat64) + 0.2;
        auto k = [](const torch::Tensor& x, const torch::Tensor& y) {
            return torch::exp(-torch::cdist(x, y).pow(2) / (2 * 0.5 * 0.5)).mean().item<double>();
        };
        const double direct = std::sqrt(k(a, a) + k(b, b) - 2 * k(a, b));
        QVERIFY(std::abs(mmdRbf(a, b, { 0.5 }) - direct) < 1e-9);
    }

    void rejectsMismatchedSets()
    {
        const auto dirs = torch::ones({ 1, 2 });
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
            slicedWasserstein(torch::zeros({ 3, 2 }), torch::zeros({ 4, 2 }), dirs));
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument, mmdRbf(torch::zeros({ 3, 2 }), torch::zeros({ 3, 3 })));
    }
};

QTEST_GUILESS_MAIN(TestDistance2d)
#include "tst_distance2d.moc"
