#include "core/diffusion/schedule.h"

#include <QtTest>

#include <torch/types.h>

#include <cmath>

using namespace ddil;

class TestSchedule : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cosineIsCosOfAnAngle()
    {
        // alpha = cos(a t + b), sigma = sin(a t + b) with the angle ends fixed by the logSNR range.
        const double lmin = -15, lmax = 15;
        const auto s = VpSchedule::cosine(lmin, lmax);
        const double b = std::atan(std::exp(-0.5 * lmax));
        const double a = std::atan(std::exp(-0.5 * lmin)) - b;
        for (double t = 0.0; t <= 1.0; t += 0.05) {
            QVERIFY(std::abs(s.alpha(t) - std::cos(a * t + b)) < 1e-12);
            QVERIFY(std::abs(s.sigma(t) - std::sin(a * t + b)) < 1e-12);
        }
        QVERIFY(std::abs(s.logSnr(0.0) - lmax) < 1e-9);
        QVERIFY(std::abs(s.logSnr(1.0) - lmin) < 1e-9);
    }

    void cosineApproachesNicholDhariwal()
    {
        const auto s = VpSchedule::cosine(-40, 40);
        for (double t : { 0.1, 0.25, 0.5, 0.75, 0.9 })
            QVERIFY(std::abs(s.alpha(t) - std::cos(M_PI / 2 * t)) < 1e-7);
    }

    void linearMatchesSongEtAl()
    {
        const auto s = VpSchedule::linear(0.1, 20.0);
        for (double t = 0.01; t <= 1.0; t += 0.07) {
            const double expected = std::exp(-0.25 * t * t * (20.0 - 0.1) - 0.5 * t * 0.1);
            QVERIFY2(std::abs(s.alpha(t) - expected) < 1e-12, qPrintable(QString::number(t)));
        }
    }

    void variancePreserving_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("cosine") << 0;
        QTest::newRow("linear") << 1;
    }

    void variancePreserving()
    {
        QFETCH(int, kind);
        const auto s = kind == 0 ? VpSchedule::cosine() : VpSchedule::linear();
        double previous = INFINITY;
        for (double t = 0.0; t <= 1.0; t += 0.01) {
            QVERIFY(std::abs(s.alpha(t) * s.alpha(t) + s.sigma(t) * s.sigma(t) - 1.0) < 1e-12);
            QVERIFY(std::abs(
                        s.logSnr(t) - std::log(s.alpha(t) * s.alpha(t) / (s.sigma(t) * s.sigma(t))))
                < 1e-6);
            QVERIFY(s.logSnr(t) <= previous); // noise only grows
            previous = s.logSnr(t);
        }
    }

    void inversesRoundTrip_data() { variancePreserving_data(); }

    void inversesRoundTrip()
    {
        QFETCH(int, kind);
        const auto s = kind == 0 ? VpSchedule::cosine() : VpSchedule::linear();
        for (double t = 0.02; t <= 0.98; t += 0.04) {
            QVERIFY2(
                std::abs(s.tFromLogSnr(s.logSnr(t)) - t) < 1e-9, qPrintable(QString::number(t)));
            QVERIFY(std::abs(s.tFromAlpha(s.alpha(t)) - t) < 1e-7);
            QVERIFY(std::abs(s.tFromSigma(s.sigma(t)) - t) < 1e-6);
        }
        QCOMPARE(s.tFromLogSnr(1000.0), s.tFromLogSnr(s.logSnrMax())); // clipped, never NaN
    }

    void tensorAgreesWithScalar_data() { variancePreserving_data(); }

    void tensorAgreesWithScalar()
    {
        QFETCH(int, kind);
        const auto s = kind == 0 ? VpSchedule::cosine() : VpSchedule::linear();
        const auto t = torch::linspace(0, 1, 101, torch::kFloat64);
        const auto alpha = s.alpha(t), sigma = s.sigma(t), lambda = s.logSnr(t);
        for (int i = 0; i <= 100; ++i) {
            const double ti = i / 100.0;
            QVERIFY(std::abs(alpha[i].item<double>() - s.alpha(ti)) < 1e-12);
            QVERIFY(std::abs(sigma[i].item<double>() - s.sigma(ti)) < 1e-12);
            QVERIFY(std::abs(lambda[i].item<double>() - s.logSnr(ti)) < 1e-9);
        }
    }

    void rejectsBadRanges()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, VpSchedule::cosine(5, 1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, VpSchedule::linear(1, 0.5));
    }
};

QTEST_GUILESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
