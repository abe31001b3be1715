#include "core/diffusion/reflection.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

using namespace ddil;

class TestReflection : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noneLeavesEstimatesAlone()
    {
        const auto x0 = torch::tensor({ { 3.0, -2.0 } });
        QVERIFY(torch::equal(projectX0(x0, {}), x0));
        QCOMPARE(toString(ProjectionKind::Dynamic), std::string("dynamic"));
        QVERIFY(*enumFromString<ProjectionKind>("static") == ProjectionKind::Static);
    }

    void identityInsideTheDomainAndIdempotent_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("static") << int(ProjectionKind::Static);
        QTest::newRow("dynamic") << int(ProjectionKind::Dynamic);
    }
    void identityInsideTheDomainAndIdempotent()
    {
        QFETCH(int, kind);
        const ProjectionSpec spec { ProjectionKind(kind), 0.9 };
        auto gen = at::detail::createCPUGenerator(7);
        // Inside [-1, 1]^d nothing moves.
        const auto inside = torch::rand({ 32, 1, 6, 6 }, gen) * 2.0 - 1.0;
        QVERIFY(torch::equal(projectX0(inside, spec), inside));
        // Anywhere, projecting twice is projecting once (within float rounding for dynamic).
        const auto wild = torch::randn({ 32, 1, 6, 6 }, gen) * 3.0;
        const auto once = projectX0(wild, spec);
        QVERIFY(once.abs().max().item<double>() <= 1.0);
        QVERIFY(torch::allclose(projectX0(once, spec), once, 0.0, 1e-6));
    }

    void staticClampsToTheDataDomain()
    {
        const auto x0 = torch::tensor({ { 0.5, 2.0, -4.0, 1.0 } });
        QVERIFY(torch::equal(
            projectX0(x0, { ProjectionKind::Static }), torch::tensor({ { 0.5, 1.0, -1.0, 1.0 } })));
    }

    void dynamicThresholdsPerSampleAtTheQuantile()
    {
        // |x0| sorted: 0.5, 1, 2, 4. p = 1: s = 4; p = 0.75: s = 2 (the 3rd of 4); p = 0.5:
        // the 2nd is 1, so s = max(1, 1) = 1 and the projection is the static clamp.
        const auto x0 = torch::tensor({ { 0.5, 2.0, -4.0, 1.0 } });
        QVERIFY(torch::allclose(projectX0(x0, { ProjectionKind::Dynamic, 1.0 }),
            torch::tensor({ { 0.125, 0.5, -1.0, 0.25 } })));
        QVERIFY(torch::allclose(projectX0(x0, { ProjectionKind::Dynamic, 0.75 }),
            torch::tensor({ { 0.25, 1.0, -1.0, 0.5 } })));
        QVERIFY(torch::allclose(projectX0(x0, { ProjectionKind::Dynamic, 0.5 }),
            projectX0(x0, { ProjectionKind::Static })));
        // Each sample gets its own threshold; a sample inside the domain is unchanged.
        const auto two = torch::tensor({ { 0.5, 2.0, -4.0, 1.0 }, { 0.1, -0.2, 0.3, 0.9 } });
        const auto out = projectX0(two, { ProjectionKind::Dynamic, 1.0 });
        QVERIFY(torch::allclose(out[0], torch::tensor({ 0.125, 0.5, -1.0, 0.25 })));
        QVERIFY(torch::equal(out[1], two[1]));
        // Images: the quantile runs over all of a sample's pixels.
        const auto images = torch::randn({ 3, 1, 4, 4 }) * 3;
        QVERIFY(
            projectX0(images, { ProjectionKind::Dynamic, 0.9 }).abs().max().item<float>() <= 1.0f);
    }

    void epsIsRederivedFromTheProjectedX0()
    {
        const auto x = torch::randn({ 4, 3 });
        const auto alpha = torch::tensor({ 0.9, 0.5, 0.3, 0.1 });
        const auto sigma = (1 - alpha * alpha).sqrt();
        const Denoised raw { torch::randn({ 4, 3 }) * 4, torch::randn({ 4, 3 }) };
        for (auto kind : { ProjectionKind::Static, ProjectionKind::Dynamic }) {
            const auto d = reflectDenoised(raw, x, alpha, sigma, { kind, 0.9 });
            QVERIFY(d.x0.abs().max().item<float>() <= 1.0f);
            // The pair describes the same state: x = alpha x0 + sigma eps.
            QVERIFY(torch::allclose(
                alpha.unsqueeze(1) * d.x0 + sigma.unsqueeze(1) * d.eps, x, 1e-5, 1e-5));
        }
    }

    void reflectedDenoiserWrapsAnyDenoiser()
    {
        const auto schedule = VpSchedule::fromConfig(DiffusionConfig {});
        DenoiseFn wild = [](const torch::Tensor& x, const torch::Tensor&) {
            return Denoised { x * 10, torch::zeros_like(x) };
        };
        const auto reflected = reflectedDenoiser(wild, schedule, { ProjectionKind::Static });
        const auto x = torch::randn({ 5, 2 });
        const auto t = torch::full({ 5 }, 0.5);
        const auto d = reflected(x, t);
        QVERIFY(d.x0.abs().max().item<float>() <= 1.0f);
        const auto alpha = schedule.alpha(t).unsqueeze(1), sigma = schedule.sigma(t).unsqueeze(1);
        QVERIFY(torch::allclose(alpha * d.x0 + sigma * d.eps, x, 1e-5, 1e-5));
    }
};

QTEST_GUILESS_MAIN(TestReflection)
#include "tst_reflection.moc"
