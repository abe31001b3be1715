// The one student sampler (core/sampling/student_sampler.h): its samples do not depend on the
// chunk size, it takes the same steps as a training rollout, and its intervention and recorded
// states are those of the rollout.
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/models/denoiser_net.h"
#include "core/runtime/device.h"
#include "core/sampling/student_sampler.h"
#include "core/train/distill_trainer.h"
#include "tests/core/distill_fixture.h"
#include "tests/core/small_unet.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

using namespace ddil;

namespace {
StudentSamples sampleWith(const StudentPolicy& policy, DenoiserNet& net, const torch::Tensor& z,
    const torch::Tensor& labels, const std::vector<double>& times, int64_t chunk,
    RolloutOptions rollout = {})
{
    auto gen = at::detail::createCPUGenerator(21);
    StudentSampling options;
    options.chunk = chunk;
    options.rollout = rollout;
    options.keepStates = true;
    return sampleStudent(policy, net, z, labels, times, gen, torch::kCPU, options);
}

double maxDifference(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>();
}

} // namespace

class TestStudentSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chunkSizeDoesNotChangeTheSamples_data()
    {
        QTest::addColumn<int>("method");
        QTest::newRow("pd (DDIM)") << int(DistillMethod::Progressive);
        QTest::newRow("lcm (re-noising)") << int(DistillMethod::Consistency);
        QTest::newRow("dmd2 (re-noising)") << int(DistillMethod::Dmd2);
    }
    void chunkSizeDoesNotChangeTheSamples()
    {
        QFETCH(int, method);
        const auto config = test::toyDistillConfig(static_cast<DistillMethod>(method), 4);
        DistillTrainer trainer(config, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(3);
        const auto z = torch::randn({ 300, 2 }, gen);
        const auto labels = torch::zeros({ 300 }, torch::kInt64);
        const auto times = trainer.method().studentTimes();
        const auto one = sampleWith(trainer.policy(), trainer.studentEma(), z, labels, times, 1);
        const auto seven = sampleWith(trainer.policy(), trainer.studentEma(), z, labels, times, 7);
        const auto all = sampleWith(trainer.policy(), trainer.studentEma(), z, labels, times, 512);
        // The same draws: only the network's float rounding differs with its batch size (BLAS
        // kernels differ for 1, 7 and 300 rows; measured 1.8e-7 at most).
        QVERIFY(maxDifference(one.x0, seven.x0) <= 1e-6);
        QVERIFY(maxDifference(one.x0, all.x0) <= 1e-6);
        QCOMPARE(all.states.size(), times.size() - 1);
        for (size_t i = 0; i < all.states.size(); ++i)
            QVERIFY(maxDifference(one.states[i], all.states[i]) <= 1e-6);
        QVERIFY(torch::equal(all.states[0], z)); // the state entering the first step: the noise
        // Not a constant: the samples follow the noise.
        QVERIFY(all.x0.std().item<double>() > 1e-3);
    }

    void imageSamplesDoNotDependOnTheChunkSize()
    {
        RunConfig config;
        config.task = Task::Distill;
        config.distill.method = DistillMethod::Consistency;
        config.distill.student_steps = 2;
        const StudentPolicy policy(config);
        auto net = test::randomSmallUnet(10, 5);
        auto gen = at::detail::createCPUGenerator(8);
        const auto z = torch::randn({ 40, 1, 8, 8 }, gen);
        const auto labels = torch::arange(40, torch::kInt64).remainder(10);
        const auto times = studentTimes(config.distill, 2);
        const auto one = sampleWith(policy, *net, z, labels, times, 1);
        const auto seven = sampleWith(policy, *net, z, labels, times, 7);
        const auto all = sampleWith(policy, *net, z, labels, times, 512);
        // oneDNN picks convolution kernels per batch size: equal up to float rounding, relative
        // to the samples' scale (a random UNet's samples reach |x| ~ 7,000; measured 2e-7).
        const double scale = all.x0.abs().max().item<double>();
        QVERIFY(maxDifference(one.x0, seven.x0) <= 1e-6 * scale);
        QVERIFY(maxDifference(one.x0, all.x0) <= 1e-6 * scale);
        QVERIFY(all.x0.std().item<double>() > 0.1);
    }

    void wholeBatchIsTheTrainingRollout()
    {
        // With one chunk, the sampler takes exactly the steps and draws of rolloutStudent.
        const auto config = test::toyDistillConfig(DistillMethod::Consistency, 4);
        DistillTrainer trainer(config, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(4);
        const auto z = torch::randn({ 100, 2 }, gen);
        const auto labels = torch::zeros({ 100 }, torch::kInt64);
        const auto times = trainer.method().studentTimes();
        RolloutOptions options;
        options.teacher = &trainer.teacher();
        options.pTeach = 0.5;
        auto rolloutGen = at::detail::createCPUGenerator(21);
        const auto rollout = rolloutStudent(
            trainer.policy(), trainer.studentEma(), z, labels, times, rolloutGen, options);
        const auto sampled
            = sampleWith(trainer.policy(), trainer.studentEma(), z, labels, times, 100, options);
        QVERIFY(torch::equal(rollout.x0, sampled.x0));
        QCOMPARE(sampled.teacherSteps, rollout.teacherSteps);
        // The mixed policy's draws are per step for the whole batch: chunks do not change them.
        const auto chunked
            = sampleWith(trainer.policy(), trainer.studentEma(), z, labels, times, 7, options);
        QVERIFY(maxDifference(chunked.x0, sampled.x0) <= 1e-6);
        QCOMPARE(chunked.teacherSteps, sampled.teacherSteps);
        QVERIFY(sampled.teacherSteps > 100 && sampled.teacherSteps < 300); // about half of 400
    }

    void cancelStopsBeforeTheNextStep()
    {
        const auto config = test::toyDistillConfig(DistillMethod::Dmd2, 2);
        DistillTrainer trainer(config, torch::kCPU);
        const auto z = torch::zeros({ 10, 2 });
        const auto labels = torch::zeros({ 10 }, torch::kInt64);
        CancelToken cancel;
        cancel.cancel();
        RolloutOptions options;
        options.cancel = &cancel;
        const auto out = sampleWith(trainer.policy(), trainer.studentEma(), z, labels,
            trainer.method().studentTimes(), 4, options);
        QVERIFY(out.cancelled);
        QVERIFY(!out.x0.defined());
    }

    void chunkSizeIsChosenPerDevice()
    {
        QCOMPARE(sampleChunk(0, torch::kCPU), int64_t(16));
        QCOMPARE(sampleChunk(0, torch::Device(torch::kCUDA, 0)), int64_t(256));
        QCOMPARE(sampleChunk(33, torch::kCPU), int64_t(33));
    }
};

QTEST_GUILESS_MAIN(TestStudentSampler)
#include "tst_student_sampler.moc"
