// The covariate-shift diagnostics, the on-policy loss gap and the teacher-intervention sweep
// on the shipped checkerboard teacher: each measured against a case whose answer is known.
#include "core/api/evaluation.h"
#include "core/diagnose/shift_diagnostics.h"
#include "core/diagnose/student_diagnostics.h"
#include "core/diagnose/teacher_intervention.h"
#include "core/distill/distillation_method.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/sampling/student_sampler.h"
#include "core/train/distill_trainer.h"
#include "tests/core/distill_fixture.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

using namespace ddil;

namespace {
double valueOf(const StepShift& step, const std::string& name)
{
    for (const auto& [key, value] : step.values)
        if (key == name)
            return value;
    throw std::runtime_error("no " + name);
}

// The state sets of `student`'s trajectories on the trainer's current student grid.
TrajectoryStates statesOf(
    DistillTrainer& trainer, DenoiserNet& student, int64_t count, torch::Generator& gen)
{
    return collectTrajectoryStates(trainer.policy(), student, trainer.teacher(), trainer.data(),
        trainer.method().studentTimes(), count, gen, torch::kCPU, 16);
}

// Trains `config` into dir/run.
void trainInto(const RunConfig& config, const QTemporaryDir& dir)
{
    RunOptions options;
    options.outDir = dir.filePath("run").toStdString();
    CancelToken cancel;
    runTraining(config, options, {}, cancel);
}
} // namespace

class TestDiagnostics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shiftIsAtTheFloorWhenTheStudentVisitsForwardDiffusedData()
    {
        const auto config = test::toyDistillConfig(DistillMethod::Consistency, 4);
        DistillTrainer trainer(config, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(11);
        auto states = statesOf(trainer, trainer.studentEma(), 2000, gen);
        QCOMPARE(int(states.steps.size()), 4);
        QCOMPARE(states.steps.front().k, 4);
        QCOMPARE(states.steps.back().k, 1);
        ShiftMeter meter(trainer.teacher(), nullptr, { 2 }, 128, 16);

        // A broken student (every weight 0) visits states far from the data's.
        {
            torch::NoGradGuard noGrad;
            for (auto& p : trainer.studentEma().parameters())
                p.zero_();
        }
        auto broken = statesOf(trainer, trainer.studentEma(), 2000, gen);
        const auto untrained = meter.distances(broken);
        const double floor1 = valueOf(untrained.back(), "sw_floor");
        QVERIFY2(valueOf(untrained.back(), "sw_sf") > 2.0 * floor1,
            qPrintable(
                QString("sw_sf %1, floor %2").arg(valueOf(untrained.back(), "sw_sf")).arg(floor1)));
        // Shared noise: at k = N the student and the teacher stand on the same states.
        QCOMPARE(valueOf(untrained.front(), "sw_st"), 0.0);

        // Replace S_k by exact forward diffusion of an independent draw of data: every D(S_k, F_k)
        // falls to the floor of two data draws.
        const auto& schedule = trainer.policy().schedule();
        for (auto& step : states.steps) {
            const auto x0 = trainer.data().sample(2000, gen).x;
            step.student
                = schedule.alpha(step.tau) * x0 + schedule.sigma(step.tau) * torch::randn_like(x0);
        }
        for (const auto& step : meter.distances(states)) {
            const double sf = valueOf(step, "sw_sf"), floor = valueOf(step, "sw_floor");
            QVERIFY2(sf < 1.6 * floor + 0.005 && sf < 0.04,
                qPrintable(QString("k=%1: sw_sf %2, floor %3").arg(step.k).arg(sf).arg(floor)));
            QVERIFY(valueOf(step, "mmd_sf") < 1.5 * valueOf(step, "mmd_floor"));
        }
        // And with S_k = T_k the student-teacher distance is exactly 0.
        for (auto& step : states.steps)
            step.student = step.teacher;
        for (const auto& step : meter.distances(states)) {
            QCOMPARE(valueOf(step, "sw_st"), 0.0);
            QCOMPARE(valueOf(step, "sw_sf"), valueOf(step, "sw_tf"));
        }
    }

    void lossGapIsTheBaseLossOnEachStateSet()
    {
        const auto config = test::toyDistillConfig(DistillMethod::Progressive, 2);
        DistillTrainer trainer(config, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(12);
        auto states = statesOf(trainer, trainer.student(), 512, gen);
        // PD's loss has no side effects and no random draws: the per-sample loss averaged is the
        // training loss on the same states.
        const auto& step = states.steps.back();
        const auto t = torch::full({ 512 }, step.tau);
        const StateBatch batch { step.student, t, states.labels, {} };
        const double perSample
            = trainer.method().perSampleLoss(trainer.student(), batch, gen).mean().item<double>();
        const double training = trainer.method().loss(batch, gen).loss.item<double>();
        QVERIFY2(std::abs(perSample - training) <= 1e-6 * std::abs(training),
            qPrintable(QString("%1 vs %2").arg(perSample).arg(training)));

        std::vector<StepShift> shift;
        for (const auto& s : states.steps)
            shift.push_back({ s.k, s.tau, {} });
        addLossGap(shift, trainer.method(), trainer.student(), states, gen, 16);
        QVERIFY(std::abs(valueOf(shift.back(), "loss_s") - perSample) <= 1e-6 * perSample);
        for (const auto& s : shift)
            QCOMPARE(valueOf(s, "loss_gap"), valueOf(s, "loss_s") - valueOf(s, "loss_f"));
        // On the data's own states the gap is exactly 0.
        for (auto& s : states.steps)
            s.student = s.data;
        addLossGap(shift, trainer.method(), trainer.student(), states, gen, 16);
        for (const auto& s : shift)
            QCOMPARE(s.values.back().second, 0.0);
    }

    void interventionEndpointsAreTheStudentAndTheTeacher()
    {
        const auto config = test::toyDistillConfig(DistillMethod::Consistency, 4);
        DistillTrainer trainer(config, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(13);
        const auto z = torch::randn({ 300, 2 }, gen);
        const auto labels = torch::randint(0, 2, { 300 }, gen, torch::kInt64);
        const auto times = trainer.method().studentTimes();
        auto sample = [&](Intervention setting) {
            auto g = at::detail::createCPUGenerator(14);
            return sampleWithIntervention(trainer.policy(), trainer.studentEma(), trainer.teacher(),
                z, labels, times, setting, g, torch::kCPU, 16);
        };
        // p = 1 and j = N: the teacher's own M-step sampler on the same grid.
        const auto teacher = trainer.teacher().solve(z, 1.0, 0.0, labels);
        const auto all = sample({ 0, 1.0, true });
        QCOMPARE(all.teacherShare, 1.0);
        QVERIFY(torch::allclose(all.x0, teacher, 1e-5, 1e-6));
        QVERIFY(torch::equal(sample({ 4, 0.0, false }).x0, all.x0));
        // p = 0 and j = 0: the student alone, sample for sample what its own sampler draws at the
        // same chunk size, and what one rollout of the whole batch draws up to float rounding
        // (passes over 16 rows and over 300 may take different BLAS kernels: bit-equal on the VM
        // of earlier sessions, up to 2.4e-7 apart on an AMD EPYC VM).
        const auto none = sample({ 0, 0.0, true });
        QCOMPARE(none.teacherShare, 0.0);
        auto g = at::detail::createCPUGenerator(14);
        StudentSampling alone;
        alone.chunk = 16;
        const auto sampler = sampleStudent(
            trainer.policy(), trainer.studentEma(), z, labels, times, g, torch::kCPU, alone);
        QCOMPARE(sampler.teacherSteps, int64_t(0));
        QVERIFY(torch::equal(none.x0, sampler.x0));
        g = at::detail::createCPUGenerator(14);
        const auto own
            = rolloutStudent(trainer.policy(), trainer.studentEma(), z, labels, times, g).x0;
        QVERIFY2(torch::allclose(none.x0, own, 1e-5, 1e-6),
            qPrintable(QString::number((none.x0 - own).abs().max().item<double>())));
        QVERIFY(!torch::allclose(own, teacher, 1e-2, 1e-2));
        // j = 2: exactly half the steps; p = 0.5: about half.
        QCOMPARE(sample({ 2, 0.0, false }).teacherShare, 0.5);
        QVERIFY(std::abs(sample({ 0, 0.5, true }).teacherShare - 0.5) < 0.05);

        const auto grid = interventionGrid(4);
        QCOMPARE(int(grid.size()), 10);
        QCOMPARE(QString::fromStdString(grid[2].key()), QString("j2"));
        QCOMPARE(QString::fromStdString(grid[6].key()), QString("p0.25"));
    }

    void diagnosticsAreLoggedWithEachEvaluation()
    {
        auto config = test::toyDistillConfig(DistillMethod::Consistency, 2);
        config.train.steps = 20;
        config.train.log_every = 10;
        config.eval.every = 10;
        config.eval.count = 200;
        config.eval.shift_diagnostics = true;
        config.eval.teacher_intervention = true;
        config.eval.diagnose_samples = 100;
        QTemporaryDir dir;
        trainInto(config, dir);
        QFile metrics(dir.filePath("run/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        QList<int> diagnosedSteps;
        for (const auto& line : metrics.readAll().split('\n')) {
            const auto object = QJsonDocument::fromJson(line).object();
            if (!object.contains("shift/sw_sf/k2"))
                continue;
            diagnosedSteps << object["step"].toInt();
            for (const char* key : { "shift/sw_st/k1", "shift/mmd_floor/k2", "shift/loss_gap/k1",
                     "intervene/j0/sw_to_data", "intervene/j1/teacher_share",
                     "intervene/p0.5/mmd_to_teacher" })
                QVERIFY2(object.contains(key), key);
            QCOMPARE(object["intervene/j2/sw_to_teacher"].toDouble(), 0.0);
        }
        QCOMPARE(diagnosedSteps, QList<int>({ 10, 20 }));
    }

    void exportedWeightsAreDiagnosedWithoutTheLossGap()
    {
        // Training state present: everything loads; exported weights: the weights only.
        auto config = test::toyDistillConfig(DistillMethod::Consistency, 2);
        config.train.steps = 5;
        QTemporaryDir dir;
        trainInto(config, dir);
        const auto checkpoint = dir.filePath("run/checkpoint.safetensors").toStdString();
        const auto weights = dir.filePath("weights.pt").toStdString();
        exportWeights(checkpoint, weights);
        DistillTrainer a(config, torch::kCPU), b(config, torch::kCPU);
        QVERIFY(a.loadForInspection(checkpoint));
        QVERIFY(!b.loadForInspection(weights));
        QCOMPARE(b.step(), int64_t(5));
        auto pa = a.studentEma().parameters(), pb = b.studentEma().parameters();
        for (size_t i = 0; i < pa.size(); ++i)
            QVERIFY(torch::equal(pa[i], pb[i]));
    }
};

QTEST_GUILESS_MAIN(TestDiagnostics)
#include "tst_diagnostics.moc"
