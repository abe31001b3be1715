#include "core/api/errors.h"
#include "core/metrics/image_metrics.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cmath>

using namespace ddil;

namespace {
torch::Tensor rows(std::initializer_list<std::initializer_list<double>> values)
{
    std::vector<torch::Tensor> out;
    for (const auto& r : values)
        out.push_back(torch::tensor(std::vector<double>(r), torch::kFloat64));
    return torch::stack(out);
}
} // namespace

class TestImageMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void frechetOfIdenticalSetsIsZero()
    {
        auto gen = at::detail::createCPUGenerator(1);
        const auto a = torch::randn({ 500, 16 }, gen);
        const auto s = gaussianStats(a);
        QVERIFY(std::abs(frechetDistance(s, s)) < 1e-6);
    }

    void frechetOfShiftedSetIsSquaredShift()
    {
        // Same covariance, means apart by delta: FID = |delta|^2 exactly.
        auto gen = at::detail::createCPUGenerator(2);
        const auto a = torch::randn({ 800, 8 }, gen, torch::kFloat64);
        const auto delta = torch::linspace(-1.0, 2.0, 8, torch::kFloat64);
        const double expected = delta.pow(2).sum().item<double>();
        const double fid = frechetDistance(gaussianStats(a), gaussianStats(a + delta));
        QVERIFY2(std::abs(fid - expected) < 1e-8 * expected, qPrintable(QString::number(fid)));
    }

    void frechetOfDiagonalGaussiansIsClosedForm()
    {
        // N(0, diag(a)) vs N(m, diag(b)): |m|^2 + sum (sqrt a - sqrt b)^2.
        GaussianStats x { torch::zeros({ 3 }, torch::kFloat64),
            torch::diag(torch::tensor({ 1.0, 4.0, 9.0 }, torch::kFloat64)), 100 };
        GaussianStats y { torch::tensor({ 1.0, 0.0, -2.0 }, torch::kFloat64),
            torch::diag(torch::tensor({ 4.0, 4.0, 1.0 }, torch::kFloat64)), 100 };
        const double expected = (1.0 + 4.0) + (1.0 + 0.0 + 4.0);
        QVERIFY(std::abs(frechetDistance(x, y) - expected) < 1e-9);
        QVERIFY(std::abs(frechetDistance(y, x) - expected) < 1e-9);
    }

    void frechetRefusesTooFewSamples()
    {
        const auto a = torch::randn({ 64, 64 });
        try {
            gaussianStats(a);
            QFAIL("expected ConfigError");
        } catch (const ConfigError& e) {
            QVERIFY(QString(e.what()).contains("64 samples of 64-dimensional features"));
        }
        gaussianStats(torch::randn({ 65, 64 })); // enough
    }

    void polynomialMmdMatchesHandComputation()
    {
        // 1-D, k(x, y) = (xy + 1)^3. Kxx off-diagonal: k(0,1) = 1; Kyy: k(2,3) = 343;
        // Kxy: 1, 1, 27, 64 -> mean 23.25. MMD^2 = 1 + 343 - 2 * 23.25 = 297.5.
        const auto x = rows({ { 0.0 }, { 1.0 } });
        const auto y = rows({ { 2.0 }, { 3.0 } });
        QCOMPARE(polynomialMmdUnbiased(x, y), 297.5);
        // Unbiased: two draws of one distribution average to about zero.
        auto gen = at::detail::createCPUGenerator(3);
        const auto a = torch::randn({ 2000, 16 }, gen), b = torch::randn({ 2000, 16 }, gen);
        const auto kid = kernelInceptionDistance(a, b, 10, 1000, gen);
        QVERIFY2(std::abs(kid.mean) < 3 * kid.std + 1e-3, qPrintable(QString::number(kid.mean)));
        const auto shifted = kernelInceptionDistance(a, b + 0.5, 10, 1000, gen);
        QVERIFY(shifted.mean > 10 * std::abs(kid.mean));
    }

    void knnRadiiExcludeThePointItself()
    {
        const auto x = rows({ { 0.0 }, { 1.0 }, { 3.0 }, { 7.0 } });
        const auto r1 = kNearestRadii(x, 1, 2);
        QCOMPARE(r1[0].item<double>(), 1.0);
        QCOMPARE(r1[1].item<double>(), 1.0);
        QCOMPARE(r1[2].item<double>(), 2.0);
        QCOMPARE(r1[3].item<double>(), 4.0);
        const auto r2 = kNearestRadii(x, 2, 3);
        QCOMPARE(r2[0].item<double>(), 3.0);
        QCOMPARE(r2[3].item<double>(), 6.0);
    }

    void prdcMatchesHandComputation()
    {
        // Real points 0, 1, 2, 3 on a line: with k = 1 every real ball has radius 1.
        // Fake points 0.5 (in balls of 0 and 1), 2.5 (balls of 2 and 3) and 10 (in none).
        const auto real = rows({ { 0.0 }, { 1.0 }, { 2.0 }, { 3.0 } });
        const auto fake = rows({ { 0.5 }, { 2.5 }, { 10.0 } });
        const auto r = precisionRecallDensityCoverage(real, fake, 1, 1, 2);
        QCOMPARE(r.precision, 2.0 / 3.0);
        QCOMPARE(r.density, (2.0 + 2.0 + 0.0) / (1.0 * 3.0));
        // Coverage: the nearest fake of each real point is 0.5 away, inside its radius 1.
        QCOMPARE(r.coverage, 1.0);
        // Recall: fake radii (k = 1) are 2, 2 and 7.5; the ball of 10 reaches 2.5 .. 17.5 and
        // the balls of 0.5 and 2.5 cover -1.5 .. 4.5: every real point.
        QCOMPARE(r.recall, 1.0);
        // Far-away fakes: nothing matches.
        const auto far = precisionRecallDensityCoverage(real, real + 100.0, 1, 1, 3);
        QCOMPARE(far.precision, 0.0);
        QCOMPARE(far.recall, 0.0);
        QCOMPARE(far.density, 0.0);
        QCOMPARE(far.coverage, 0.0);
    }

    void prdcOfIdenticalLargeSetsIsFullAndBlockwiseIsExact()
    {
        auto gen = at::detail::createCPUGenerator(4);
        const auto a = torch::randn({ 1500, 8 }, gen);
        const auto same = precisionRecallDensityCoverage(a, a, 3, 5, 256);
        QCOMPARE(same.precision, 1.0);
        QCOMPARE(same.recall, 1.0);
        QCOMPARE(same.coverage, 1.0);
        const auto b = torch::randn({ 1500, 8 }, gen) * 1.3;
        const auto blocks = precisionRecallDensityCoverage(a, b, 3, 5, 100);
        const auto whole = precisionRecallDensityCoverage(a, b, 3, 5, 4096);
        QCOMPARE(blocks.precision, whole.precision);
        QCOMPARE(blocks.recall, whole.recall);
        QCOMPARE(blocks.density, whole.density);
        QCOMPARE(blocks.coverage, whole.coverage);
        // A wider fake distribution: lower precision than recall.
        QVERIFY(blocks.precision < blocks.recall);
    }

    void intraClassDistanceAveragesClasses()
    {
        // Class 0: points 0 and 2 (distance 2); class 1: 0, 3 and 4 in 1-D (3, 4, 1 -> 8/3);
        // class 2 has one point and is skipped.
        const auto f = rows({ { 0.0 }, { 2.0 }, { 0.0 }, { 3.0 }, { 4.0 }, { 9.0 } });
        const auto labels = torch::tensor({ 0, 0, 1, 1, 1, 2 }, torch::kInt64);
        QVERIFY(std::abs(meanIntraClassDistance(f, labels) - (2.0 + 8.0 / 3.0) / 2.0) < 1e-12);
    }

    void classConsistencyAndEntropy()
    {
        const auto predicted = torch::tensor({ 0, 1, 2, 3, 0, 1, 2, 0 }, torch::kInt64);
        const auto conditioning = torch::tensor({ 0, 1, 2, 3, 0, 1, 3, 3 }, torch::kInt64);
        const auto c = classConsistency(predicted, conditioning, 4);
        QCOMPARE(c.consistency, 6.0 / 8.0);
        QCOMPARE(c.histogram, (std::vector<int64_t> { 3, 2, 2, 1 }));
        const double expected = -(3.0 / 8 * std::log2(3.0 / 8) + 2 * (2.0 / 8 * std::log2(2.0 / 8))
            + 1.0 / 8 * std::log2(1.0 / 8));
        QVERIFY(std::abs(c.entropyBits - expected) < 1e-12);
        // Uniform over 4 classes: 2 bits; one class only: 0 bits.
        QCOMPARE(classConsistency(torch::arange(8) % 4, torch::arange(8) % 4, 4).entropyBits, 2.0);
        QCOMPARE(classConsistency(torch::zeros({ 8 }, torch::kInt64), torch::arange(8) % 4, 4)
                     .entropyBits,
            0.0);
    }
};

QTEST_GUILESS_MAIN(TestImageMetrics)
#include "tst_image_metrics.moc"
