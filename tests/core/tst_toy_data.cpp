#include "core/data/toy2d.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cmath>

using namespace ddil;

class TestToyData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shapesLabelsAndSeeds_data()
    {
        QTest::addColumn<int>("distribution");
        QTest::addColumn<int>("classes");
        QTest::newRow("checkerboard") << static_cast<int>(ToyDistribution::Checkerboard) << 8;
        QTest::newRow("eight_gaussians") << static_cast<int>(ToyDistribution::EightGaussians) << 8;
        QTest::newRow("two_moons") << static_cast<int>(ToyDistribution::TwoMoons) << 2;
        QTest::newRow("swiss_roll") << static_cast<int>(ToyDistribution::SwissRoll) << 4;
    }

    void shapesLabelsAndSeeds()
    {
        QFETCH(int, distribution);
        QFETCH(int, classes);
        const Toy2dSource source(static_cast<ToyDistribution>(distribution));
        QCOMPARE(source.numClasses(), int64_t { classes });
        QCOMPARE(source.sampleShape(), (std::vector<int64_t> { 2 }));
        auto g1 = at::detail::createCPUGenerator(5), g2 = at::detail::createCPUGenerator(5);
        const auto a = source.sample(4000, g1), b = source.sample(4000, g2);
        QCOMPARE(a.x.sizes().vec(), (std::vector<int64_t> { 4000, 2 }));
        QCOMPARE(a.x.scalar_type(), torch::kFloat32);
        QCOMPARE(a.labels.scalar_type(), torch::kInt64);
        QVERIFY(torch::equal(a.x, b.x) && torch::equal(a.labels, b.labels));
        QCOMPARE(a.labels.min().item<int64_t>(), int64_t { 0 });
        QCOMPARE(a.labels.max().item<int64_t>(), int64_t { classes - 1 });
        QVERIFY(a.x.abs().max().item<double>() < 1.25);
        // Every class is drawn with about the same frequency.
        const auto counts = torch::bincount(a.labels).to(torch::kFloat64) / 4000.0;
        QVERIFY((counts - 1.0 / classes).abs().max().item<double>() < 0.05);
    }

    void checkerboardPointsSitInTheirDarkSquare()
    {
        const Toy2dSource source(ToyDistribution::Checkerboard);
        auto gen = at::detail::createCPUGenerator(1);
        const auto batch = source.sample(5000, gen);
        for (int i = 0; i < 5000; ++i) {
            const double x = batch.x[i][0].item<double>(), y = batch.x[i][1].item<double>();
            const int col = static_cast<int>(std::floor((x + 1.0) / Toy2dSource::kCheckerCell));
            const int row = static_cast<int>(std::floor((y + 1.0) / Toy2dSource::kCheckerCell));
            QVERIFY((col + row) % 2 == 0);
            QCOMPARE(batch.labels[i].item<int64_t>(), int64_t { 2 * row + (col - row % 2) / 2 });
        }
    }

    void eightGaussiansAreCentredOnTheirModes()
    {
        const Toy2dSource source(ToyDistribution::EightGaussians);
        auto gen = at::detail::createCPUGenerator(2);
        const auto batch = source.sample(40000, gen);
        for (int k = 0; k < 8; ++k) {
            const auto pts = batch.x.index({ batch.labels == k });
            const double angle = 2 * M_PI * k / 8;
            const auto mean = pts.mean(0);
            QVERIFY(
                std::abs(mean[0].item<double>() - Toy2dSource::kGaussianRadius * std::cos(angle))
                < 0.005);
            QVERIFY(
                std::abs(mean[1].item<double>() - Toy2dSource::kGaussianRadius * std::sin(angle))
                < 0.005);
            QVERIFY(std::abs(pts.std(0).mean().item<double>() - Toy2dSource::kGaussianStd) < 0.005);
        }
    }

    void moonsLieOnTheirArcs()
    {
        // Upper moon: centre (0.6 * -0.5, 0.6 * -0.25), radius 0.6; lower: centre (0.3, 0.15).
        const Toy2dSource source(ToyDistribution::TwoMoons);
        auto gen = at::detail::createCPUGenerator(3);
        const auto batch = source.sample(20000, gen);
        const auto upper = batch.x.index({ batch.labels == 0 }) - torch::tensor({ -0.3, -0.15 });
        const auto lower = batch.x.index({ batch.labels == 1 }) - torch::tensor({ 0.3, 0.15 });
        QVERIFY(std::abs(upper.norm(2, 1).mean().item<double>() - 0.6) < 0.01);
        QVERIFY(std::abs(lower.norm(2, 1).mean().item<double>() - 0.6) < 0.01);
        QVERIFY(upper.select(1, 1).mean().item<double>() > 0.2); // the upper moon opens downwards
    }
};

QTEST_GUILESS_MAIN(TestToyData)
#include "tst_toy_data.moc"
