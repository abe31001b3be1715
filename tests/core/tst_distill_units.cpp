// The exact properties of the distillation pieces: the PD target, the consistency boundary
// condition, the DMD gradient, the DDIL source shares, the replay buffer, live mixture changes.
#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/diffusion/ddim_sampler.h"
#include "core/diffusion/parameterization.h"
#include "core/diffusion/schedule.h"
#include "core/distill/consistency_distillation.h"
#include "core/distill/distillation_method.h"
#include "core/distill/dmd2_distillation.h"
#include "core/distill/replay_buffer.h"
#include "core/distill/student_policy.h"
#include "core/io/atomic_file.h"
#include "core/train/distill_trainer.h"
#include "tests/core/distill_fixture.h"

#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <cmath>
#include <set>

using namespace ddil;

Q_DECLARE_METATYPE(ddil::DistillMethod)
Q_DECLARE_METATYPE(ddil::StudentRollouts)

namespace {
// What the rollout tests start from: a 4-step LCM student of the toy teacher, n draws of noise
// and labels, the student's times (1, 0.75, 0.5, 0.25, 0) and options with the teacher set.
struct ToyRollout {
    explicit ToyRollout(int64_t n)
        : trainer(test::toyDistillConfig(DistillMethod::Consistency, 4), torch::kCPU)
        , gen(at::detail::createCPUGenerator(8))
        , z(torch::randn({ n, 2 }, gen))
        , labels(torch::randint(0, 8, { n }, gen, torch::kInt64))
        , times(trainer.method().studentTimes())
    {
        options.teacher = &trainer.teacher();
    }
    Rollout roll(torch::Generator& g)
    {
        return rolloutStudent(trainer.policy(), trainer.student(), z, labels, times, g, options);
    }
    DistillTrainer trainer;
    torch::Generator gen;
    torch::Tensor z, labels;
    std::vector<double> times;
    RolloutOptions options;
};
} // namespace

class TestDistillUnits : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // A distillation run's start-up reads the teacher's metadata from its header alone (to
    // resolve the config, and to check it before the rest) and its whole file once (weights,
    // CRC, and the cache key of the teacher's samples): a 2 GB teacher costs 2 GB of reading,
    // not 6.
    void teacherFileIsReadOnceAtStartUp()
    {
        const std::string teacher
            = test::sourcePath("resources/weights/toy-checkerboard-teacher.safetensors");
        QFile file(QString::fromStdString(teacher));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray prefix = file.read(8);
        std::uint64_t headerBytes = 0;
        for (int i = 7; i >= 0; --i)
            headerBytes = (headerBytes << 8) | static_cast<unsigned char>(prefix[i]);
        const auto size = static_cast<std::uint64_t>(file.size());
        QTemporaryDir dir;
        resetFileReads();
        RunConfig c = test::toyDistillConfig(DistillMethod::Consistency, 2); // resolves
        c.train.steps = 2;
        c.train.log_every = 1;
        c.eval.every = 2;
        c.eval.count = 64;
        RunOptions options;
        options.outDir = dir.filePath("run").toStdString();
        CancelToken cancel;
        runTraining(c, options, {}, cancel);
        const FileReads reads = fileReads(teacher);
        QCOMPARE(reads.wholeReads, 1);
        // Each metadata read (the fixture resolves the config, so does runTraining, and the
        // reader checks the header before it reads the whole file): the first 16 bytes to tell
        // the format, the header's length, the header.
        QCOMPARE(reads.partialReads, 9);
        QCOMPARE(reads.bytes, size + 3 * (16 + 8 + headerBytes));
    }

    void progressiveTargetMakesOneStudentStepLandOnTheTeachersTwo()
    {
        // Any z_t and any teacher result z_t'': a DDIM step from z_t with x0 = x~ gives z_t''.
        const auto schedule = VpSchedule::cosine();
        auto gen = at::detail::createCPUGenerator(1);
        for (double t : { 1.0, 0.5, 0.25 }) {
            const double tEnd = t - 0.25;
            const auto zt = torch::randn({ 16, 3, 4, 4 }, gen);
            const auto zEnd = torch::randn({ 16, 3, 4, 4 }, gen);
            const auto full = [](double v) { return torch::full({ 16 }, v); };
            const auto target = progressiveTarget(zt, zEnd, full(schedule.alpha(t)),
                full(schedule.sigma(t)), full(schedule.alpha(tEnd)), full(schedule.sigma(tEnd)));
            const Denoised d { target, (zt - schedule.alpha(t) * target) / schedule.sigma(t) };
            const auto landed = ddimStep(d, schedule.alpha(t), schedule.sigma(t),
                schedule.alpha(tEnd), schedule.sigma(tEnd));
            const double err = (landed - zEnd).abs().max().item<double>();
            QVERIFY2(err < 1e-4, qPrintable(QString("t=%1: off by %2").arg(t).arg(err)));
        }
    }

    void consistencyBoundaryHoldsExactlyAtTimeZero()
    {
        auto c = test::toyDistillConfig(DistillMethod::Consistency);
        auto net = makeDenoiserNet(c.model, { 2 }, 8);
        StudentPolicy policy(c);
        auto gen = at::detail::createCPUGenerator(2);
        const auto z = torch::randn({ 64, 2 }, gen) * 3.0;
        const auto labels = torch::randint(0, 8, { 64 }, gen, torch::kInt64);
        torch::NoGradGuard noGrad;
        QVERIFY(torch::equal(policy.x0(*net, z, torch::zeros({ 64 }), labels), z));
        // Away from 0 the net's estimate takes over: c_skip falls and c_out rises towards 1.
        const auto t = torch::tensor({ 0.0, 0.001, 0.01, 0.5 });
        const auto skip = consistencyCSkip(t, 0.5, 10.0), out = consistencyCOut(t, 0.5, 10.0);
        QCOMPARE(skip[0].item<double>(), 1.0);
        QCOMPARE(out[0].item<double>(), 0.0);
        QVERIFY(skip[1].item<double>() < 0.01 && out[3].item<double>() > 0.9999);
    }

    void distributionMatchingGradientVanishesWhenScoresCoincide()
    {
        auto gen = at::detail::createCPUGenerator(3);
        const auto x = torch::randn({ 8, 1, 5, 5 }, gen);
        const auto real = torch::randn({ 8, 1, 5, 5 }, gen);
        QCOMPARE(distributionMatchingGrad(x, real, real).abs().max().item<double>(), 0.0);
        const auto fake = real + 0.1;
        const auto grad = distributionMatchingGrad(x, real, fake);
        // (p_real - p_fake) / mean|p_real| = (fake - real) / mean|x - real|, per sample.
        const auto expected = 0.1 / (x - real).abs().mean({ 1, 2, 3 }, true);
        QVERIFY(torch::allclose(grad, expected.expand_as(grad), 1e-5, 1e-6));
        // And through a real method: a DMD2 student whose fake score is the teacher itself, with
        // guidance 1 (the fake score is conditional, unguided), gets exactly no DM gradient.
        auto c = test::toyDistillConfig(DistillMethod::Dmd2);
        c.distill.guidance.scale = 1.0;
        DistillTrainer trainer(c, torch::kCPU);
        auto sgen = at::detail::createCPUGenerator(4);
        const auto states = trainer.source().draw(64, 0, sgen);
        // Before any fake update the fake net is the teacher.
        const auto xt = torch::randn({ 64, 2 }, sgen);
        const auto t = torch::full({ 64 }, 0.5);
        const auto realX0 = trainer.teacher().denoise(xt, t, states.labels).x0;
        torch::NoGradGuard noGrad;
        const auto out = trainer.teacher().net().forward(xt, t, states.labels);
        const auto& schedule = trainer.policy().schedule();
        const auto fakeX0
            = fromPrediction(c.diffusion.prediction, out, xt, schedule.alpha(t), schedule.sigma(t))
                  .x0;
        QVERIFY(distributionMatchingGrad(xt, realX0, fakeX0).abs().max().item<double>() < 1e-6);
    }

    void mixedPolicyRolloutAtPTeachOneIsTheTeachersTrajectory()
    {
        ToyRollout r(256);
        r.options.pTeach = 1.0;
        const auto mixed = r.roll(r.gen);
        const auto teacher = r.trainer.teacher().trajectory(r.z, r.times, r.labels);
        QCOMPARE(int(mixed.states.size()), 4);
        QCOMPARE(mixed.teacherSteps, int64_t(4 * 256));
        for (int k = 0; k < 4; ++k)
            QVERIFY(torch::equal(mixed.states[k], teacher[k]));
        QVERIFY(torch::equal(mixed.x0, teacher[4]));
        // p_teach = 0.5: about half the steps are the teacher's, and the result lies between.
        r.options.pTeach = 0.5;
        const auto half = r.roll(r.gen);
        QVERIFY(std::abs(half.teacherSteps - 512) < 4 * std::sqrt(1024 * 0.25));
        r.options.pTeach = 0.0;
        const auto own = r.roll(r.gen);
        QCOMPARE(own.teacherSteps, int64_t(0));
        QVERIFY(!torch::equal(own.x0, teacher[4]));
    }

    void replayBufferRefreshAndStaleness()
    {
        ReplayBuffer buffer(100, BufferReplacement::Random);
        auto gen = at::detail::createCPUGenerator(5);
        auto states = [](int64_t n, int64_t born) {
            return BufferedStates { torch::full({ n, 2 }, double(born)), torch::full({ n }, 0.5),
                torch::zeros({ n }, torch::kInt64), torch::full({ n }, born, torch::kInt64) };
        };
        QCOMPARE(buffer.insert(states(60, 0), gen), int64_t(60));
        QCOMPARE(buffer.size(), int64_t(60));
        buffer.insert(states(40, 0), gen);
        QCOMPARE(buffer.size(), int64_t(100));
        QCOMPARE(buffer.meanAge(10), 10.0);
        // A refresh of fraction 0.5 at step 50 replaces 50 distinct entries.
        buffer.insert(states(50, 50), gen);
        QCOMPARE(buffer.size(), int64_t(100));
        QCOMPARE(buffer.meanAge(60), 60.0 - 25.0);
        const auto drawn = buffer.sample(20000, gen);
        const double fresh = (drawn.born == 50).to(torch::kFloat64).mean().item<double>();
        QVERIFY2(std::abs(fresh - 0.5) < 0.02, qPrintable(QString::number(fresh)));
        // States and their birth steps travel together.
        QVERIFY(torch::equal(drawn.x.select(1, 0).to(torch::kInt64), drawn.born));
    }

    // Oldest-first replacement on a hand example: which slots a refresh overwrites, exactly.
    void replayBufferReplacesTheOldestFirst()
    {
        ReplayBuffer buffer(4, BufferReplacement::Oldest);
        auto gen = at::detail::createCPUGenerator(5);
        auto states = [](std::vector<int64_t> born) {
            const auto b = torch::tensor(born, torch::kInt64);
            const int64_t n = b.size(0);
            return BufferedStates { b.to(torch::kFloat32).unsqueeze(1).repeat({ 1, 2 }),
                torch::full({ n }, 0.5), torch::zeros({ n }, torch::kInt64), b };
        };
        auto born = [&] {
            const auto b = buffer.born();
            return std::vector<int64_t>(b.data_ptr<int64_t>(), b.data_ptr<int64_t>() + b.numel());
        };
        buffer.insert(states({ 0, 0 }), gen);
        buffer.insert(states({ 3, 1 }), gen); // appended: 0 0 3 1
        QCOMPARE(born(), (std::vector<int64_t> { 0, 0, 3, 1 }));
        buffer.insert(states({ 5, 5 }), gen); // the two born at 0
        QCOMPARE(born(), (std::vector<int64_t> { 5, 5, 3, 1 }));
        buffer.insert(states({ 7 }), gen); // the one born at 1
        QCOMPARE(born(), (std::vector<int64_t> { 5, 5, 3, 7 }));
        buffer.insert(states({ 9, 9 }), gen); // born at 3, then the lower slot of the two 5s
        QCOMPARE(born(), (std::vector<int64_t> { 9, 5, 9, 7 }));
        // Ages at step 10: 1, 5, 1, 3.
        QCOMPARE(buffer.meanAge(10), 2.5);
        // Each state moved with its birth step.
        const auto all = buffer.sample(64, gen);
        QVERIFY(torch::equal(all.x.select(1, 0).to(torch::kInt64), all.born));
        // Oldest-first draws no random numbers; random replacement does.
        auto a = at::detail::createCPUGenerator(11), b = at::detail::createCPUGenerator(11);
        ReplayBuffer oldest(2, BufferReplacement::Oldest), random(2, BufferReplacement::Random);
        for (int64_t step : { 0, 1, 2 }) {
            oldest.insert(states({ step, step }), a);
            random.insert(states({ step, step }), b);
        }
        const auto fresh
            = torch::randint(1000, { 1 }, at::detail::createCPUGenerator(11), torch::kInt64)
                  .item<int64_t>();
        QCOMPARE(torch::randint(1000, { 1 }, a, torch::kInt64).item<int64_t>(), fresh);
        QVERIFY(torch::randint(1000, { 1 }, b, torch::kInt64).item<int64_t>() != fresh);
    }

    // LCM's guidance scale travels with each buffered state, through a checkpoint too.
    void replayBufferKeepsEachStatesGuidanceScale()
    {
        ReplayBuffer buffer(8);
        auto gen = at::detail::createCPUGenerator(2);
        const auto born = torch::arange(6, torch::kInt64);
        auto w = born.to(torch::kFloat32) * 0.5f + 1.0f;
        w[5] = std::nan(""); // a state rolled out without a scale of its own
        buffer.insert({ born.to(torch::kFloat32).unsqueeze(1).repeat({ 1, 2 }),
                          torch::full({ 6 }, 0.5), torch::zeros({ 6 }, torch::kInt64), born, w },
            gen);
        const auto drawn = buffer.sample(200, gen);
        const auto expected = drawn.born.to(torch::kFloat32) * 0.5f + 1.0f;
        const auto known = drawn.born < 5;
        QVERIFY(torch::equal(drawn.w.masked_select(known), expected.masked_select(known)));
        QVERIFY(torch::isnan(drawn.w.masked_select(~known)).all().item<bool>());
        // States inserted without a scale read back NaN: their w is drawn by the method.
        ReplayBuffer plain(2);
        plain.insert({ torch::zeros({ 2, 2 }), torch::full({ 2 }, 0.5),
                         torch::zeros({ 2 }, torch::kInt64), torch::zeros({ 2 }, torch::kInt64) },
            gen);
        QVERIFY(torch::isnan(plain.sample(4, gen).w).all().item<bool>());

        torch::serialize::OutputArchive out;
        buffer.save(out, "b_");
        std::ostringstream bytes;
        out.save_to(bytes);
        torch::serialize::InputArchive in;
        std::istringstream read(bytes.str());
        in.load_from(read);
        ReplayBuffer loaded(8);
        loaded.load(in, "b_");
        auto a = at::detail::createCPUGenerator(3), b = at::detail::createCPUGenerator(3);
        const auto x = buffer.sample(50, a), y = loaded.sample(50, b);
        QVERIFY(torch::equal(torch::nan_to_num(x.w, -1.0), torch::nan_to_num(y.w, -1.0)));
    }

    // An LCM state rolled out with w keeps it: the loss is then the same whatever the generator
    // (LCM draws nothing else); data states (NaN) draw w anew.
    void consistencyLossTrainsBufferedStatesWithTheirOwnScale()
    {
        auto c = test::toyDistillConfig(DistillMethod::Consistency, 4);
        c.distill.ddil.beta = { 0.0, 0.0, 1.0 };
        DistillTrainer trainer(c, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(5);
        const auto states = trainer.source().draw(64, 0, gen);
        QVERIFY(states.w.defined());
        QVERIFY(((states.w >= 1.0) & (states.w <= 2.0)).all().item<bool>()); // U[w_min, w_max]
        QVERIFY(states.w.std().item<double>() > 0.1);
        auto lossWith = [&](const StateBatch& s, uint64_t seed) {
            auto g = at::detail::createCPUGenerator(seed);
            return trainer.method().perSampleLoss(trainer.student(), s, g);
        };
        QVERIFY(torch::equal(lossWith(states, 1), lossWith(states, 2)));
        StateBatch drawnAnew = states;
        drawnAnew.w = torch::full_like(states.w, std::nan(""));
        QVERIFY(!torch::equal(lossWith(drawnAnew, 1), lossWith(drawnAnew, 2)));
        QVERIFY(!torch::equal(lossWith(drawnAnew, 1), lossWith(states, 1)));
        // Data states carry no scale.
        c.distill.ddil.beta = { 1.0, 0.0, 0.0 };
        DistillTrainer data(c, torch::kCPU);
        QVERIFY(torch::isnan(data.source().draw(64, 0, gen).w).all().item<bool>());
    }

    // On-policy student states (student_rollouts = fresh): a rollout drawn at step k is the
    // rollout of the weights of step k, whatever the weights were before. The buffered source
    // fails the same check (its states were rolled out by older weights).
    void freshStudentRolloutsUseTheCurrentWeights_data()
    {
        QTest::addColumn<StudentRollouts>("rollouts");
        QTest::newRow("fresh") << StudentRollouts::Fresh;
        QTest::newRow("buffered") << StudentRollouts::Buffered;
    }
    void freshStudentRolloutsUseTheCurrentWeights()
    {
        QFETCH(StudentRollouts, rollouts);
        auto c = test::toyDistillConfig(DistillMethod::Dmd2, 4);
        c.train.batch_size = 64;
        c.train.lr = 5e-3; // the weights move visibly in 3 steps
        c.distill.dmd2.fake_updates = 1;
        c.distill.ddil.beta = { 0.0, 0.0, 1.0 };
        c.distill.ddil.student_rollouts = rollouts;
        DistillTrainer trained(c, torch::kCPU), copy(c, torch::kCPU), untrained(c, torch::kCPU);
        for (int i = 0; i < 3; ++i)
            trained.trainStep();
        copyMatchingWeights(copy.student(), trained.student());
        auto draw = [](DistillTrainer& t) {
            auto g = at::detail::createCPUGenerator(9);
            return t.source().draw(64, 3, g);
        };
        const auto a = draw(trained), b = draw(copy), u = draw(untrained);
        QCOMPARE(a.x.size(0), int64_t(64));
        QVERIFY((a.source == int64_t(StateSourceKind::Student)).all().item<bool>());
        // States at tau = 1 are the noise itself for every student: compare the later ones.
        const auto later = a.t < 0.99;
        QVERIFY(later.sum().item<int64_t>() > 16);
        if (rollouts == StudentRollouts::Fresh) {
            QVERIFY(torch::equal(a.x, b.x));
            QVERIFY(!torch::equal(a.x.index({ later }), u.x.index({ later })));
            const auto stats = trained.source().lastStats();
            QVERIFY(std::any_of(stats.begin(), stats.end(), [](const auto& s) {
                return s.first == "ddil/staleness_student" && s.second == 0.0;
            }));
        } else {
            QVERIFY(!torch::equal(a.x, b.x));
        }
    }

    // A rollout stopped at state k (the fresh student source runs only the steps leading
    // there) is the full rollout's state k: the same steps, the same draws, LCM's re-noising too.
    void rolloutStoppedAtAStateIsTheFullRolloutsState_data()
    {
        QTest::addColumn<DistillMethod>("method");
        QTest::newRow("lcm") << DistillMethod::Consistency;
        QTest::newRow("dmd2") << DistillMethod::Dmd2;
    }
    void rolloutStoppedAtAStateIsTheFullRolloutsState()
    {
        QFETCH(DistillMethod, method);
        auto c = test::toyDistillConfig(method, 4);
        DistillTrainer trainer(c, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(8);
        const auto z = torch::randn({ 32, 2 }, gen);
        const auto labels = torch::randint(0, 8, { 32 }, gen, torch::kInt64);
        const auto times = trainer.method().studentTimes();
        QCOMPARE(int(times.size()), 5);
        auto roll = [&](std::vector<double> t) {
            auto g = at::detail::createCPUGenerator(21);
            return rolloutStudent(trainer.policy(), trainer.student(), z, labels, t, g);
        };
        const auto full = roll(times);
        for (size_t k = 1; k < 4; ++k) {
            const auto stopped = roll(std::vector<double>(times.begin(), times.begin() + k + 1));
            QVERIFY2(torch::equal(stopped.x0, full.states[k]), qPrintable(QString::number(k)));
        }
    }

    // DMD2's critic takes each of its updates on a batch of its own, drawn after the previous
    // update; with critic_sources = student that batch is the student's own fresh rollouts even
    // when the generator trains on data states.
    void dmd2CriticDrawsABatchPerUpdate()
    {
        auto c = test::toyDistillConfig(DistillMethod::Dmd2, 2);
        c.distill.dmd2.fake_updates = 3;
        c.distill.ddil.beta = { 0.5, 0.0, 0.5 };
        DistillTrainer trainer(c, torch::kCPU);
        std::vector<StateBatch> seen;
        std::vector<CriticSources> asked;
        DistillContext context { c, trainer.student(), trainer.studentEma(), trainer.teacher(),
            trainer.policy(), trainer.data(), torch::kCPU, DataParallel::single(),
            [&](CriticSources sources, torch::Generator& g) {
                asked.push_back(sources);
                seen.push_back(trainer.source().drawMore(32, sources, g));
                return seen.back();
            } };
        Dmd2Distillation dmd2(context);
        auto gen = at::detail::createCPUGenerator(4);
        const auto states = trainer.source().draw(32, 0, gen);
        const auto terms = dmd2.loss(states, gen);
        QVERIFY(std::isfinite(terms.loss.item<double>()));
        QCOMPARE(int(seen.size()), 3);
        QVERIFY(asked == std::vector<CriticSources>(3, CriticSources::Mixture));
        for (size_t i = 0; i < seen.size(); ++i) {
            QVERIFY(!torch::equal(seen[i].x, states.x));
            for (size_t j = i + 1; j < seen.size(); ++j)
                QVERIFY(!torch::equal(seen[i].x, seen[j].x));
        }
        // The mixture's critic batches mix data and student states like the generator's.
        int64_t data = 0;
        for (const auto& s : seen)
            data += (s.source == int64_t(StateSourceKind::Data)).sum().item<int64_t>();
        QVERIFY(data > 24 && data < 72);
        // An on-policy critic: only student states, from the pure noise on (tau = 1, 0.5).
        const auto student = trainer.source().drawMore(400, CriticSources::Student, gen);
        QVERIFY((student.source == int64_t(StateSourceKind::Student)).all().item<bool>());
        const auto atNoise = (student.t == 1.0f).sum().item<int64_t>();
        QVERIFY2(atNoise > 150 && atNoise < 250, qPrintable(QString::number(atNoise)));
        QCOMPARE((student.t == 0.5f).sum().item<int64_t>(), 400 - atNoise);
    }

    void pTeachScheduleDecaysLinearlyToZero()
    {
        auto c = test::toyDistillConfig(DistillMethod::Consistency);
        c.distill.ddil.p_teach = 0.8;
        DistillTrainer constant(c, torch::kCPU);
        QCOMPARE(constant.source().pTeachAt(0), 0.8);
        QCOMPARE(constant.source().pTeachAt(1000), 0.8);
        c.distill.ddil.p_teach = 1.0;
        c.distill.ddil.p_teach_schedule = PTeachSchedule::LinearDecay;
        c.distill.ddil.p_teach_decay_steps = 200;
        DistillTrainer decaying(c, torch::kCPU);
        QCOMPARE(decaying.source().pTeachAt(0), 1.0);
        QCOMPARE(decaying.source().pTeachAt(50), 0.75);
        QCOMPARE(decaying.source().pTeachAt(100), 0.5);
        QCOMPARE(decaying.source().pTeachAt(200), 0.0);
        QCOMPARE(decaying.source().pTeachAt(350), 0.0);
        // What a draw logs is the value in force at its step.
        c.distill.ddil.beta = { 0.5, 0.0, 0.5 };
        c.distill.ddil.buffer_capacity = 64;
        DistillTrainer logged(c, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(2);
        logged.source().draw(32, 150, gen);
        for (const auto& [key, value] : logged.source().lastStats())
            if (key == "ddil/p_teach")
                QCOMPARE(value, 0.25);
    }

    // A per-sample guidance scale equal to the default changes nothing: the plumbing of the
    // rollouts' guidance (LCM's w input and the teacher's steps).
    void rolloutGuidanceScalesReachStudentAndTeacher()
    {
        ToyRollout r(64);
        r.options.pTeach = 0.5;
        auto g1 = at::detail::createCPUGenerator(4), g2 = at::detail::createCPUGenerator(4),
             g3 = at::detail::createCPUGenerator(4);
        const auto plain = r.roll(g1);
        r.options.scale = torch::full({ 64 }, r.trainer.policy().samplingScale());
        const auto same = r.roll(g2);
        QVERIFY(torch::allclose(plain.x0, same.x0, 1e-5, 1e-6));
        QCOMPARE(plain.teacherSteps, same.teacherSteps);
        r.options.scale = torch::full({ 64 }, 3.0);
        const auto other = r.roll(g3);
        QVERIFY(!torch::allclose(plain.x0, other.x0, 1e-3, 1e-3));
        auto& teacher = r.trainer.teacher();
        const auto unscaled = teacher.trajectory(r.z, r.times, r.labels);
        const auto scaled = teacher.trajectory(
            r.z, r.times, r.labels, torch::full({ 64 }, teacher.guidance().scale));
        QVERIFY(torch::allclose(unscaled.back(), scaled.back(), 1e-5, 1e-6));
    }

    void realisedSharesMatchBetaAndBuffersRefreshOnSchedule()
    {
        auto c = test::toyDistillConfig(DistillMethod::Consistency);
        c.distill.ddil.beta = { 0.5, 0.3, 0.2 };
        c.distill.ddil.buffer_capacity = 400;
        c.distill.ddil.refresh_every = 10;
        c.distill.ddil.refresh_fraction = 0.25;
        DistillTrainer trainer(c, torch::kCPU);
        auto gen = at::detail::createCPUGenerator(6);
        const int64_t batch = 200, draws = 50;
        double counts[3] = { 0, 0, 0 };
        for (int64_t step = 0; step < draws; ++step) {
            const auto s = trainer.source().draw(batch, step, gen);
            QCOMPARE(s.x.size(0), batch);
            for (int k = 0; k < 3; ++k)
                counts[k] += (s.source == k).sum().item<double>();
            // Teacher and student states sit on the student's grid (tau = 1/2): the rollouts'
            // first state, the pure noise at tau = 1, is not stored.
            const auto fromBuffers = s.t.index({ s.source != 0 });
            QVERIFY((fromBuffers == 0.5).all().item<bool>());
            if (step == 9)
                QCOMPARE(trainer.source().teacherBuffer().meanAge(9), 9.0);
            if (step == 10) // a quarter of each buffer was remade at step 10
                QCOMPARE(trainer.source().studentBuffer().meanAge(10), 10.0 * 0.75);
        }
        const double n = batch * draws;
        const double beta[3] = { 0.5, 0.3, 0.2 };
        for (int k = 0; k < 3; ++k) {
            const double sd = std::sqrt(n * beta[k] * (1 - beta[k]));
            QVERIFY2(std::abs(counts[k] - n * beta[k]) < 4 * sd,
                qPrintable(QString("source %1: %2 of %3").arg(k).arg(counts[k]).arg(n)));
        }
        // Asked to, the buffers also keep the first state: half of them at tau = 1.
        c.distill.ddil.store_first_state = true;
        DistillTrainer withNoise(c, torch::kCPU);
        const auto s = withNoise.source().draw(batch, 0, gen);
        const auto t = s.t.index({ s.source != 0 });
        const double atOne = (t == 1.0).to(torch::kFloat64).mean().item<double>();
        QVERIFY2(atOne > 0.3 && atOne < 0.7, qPrintable(QString::number(atOne)));
        QVERIFY(((t == 1.0) | (t == 0.5)).all().item<bool>());
        c.distill.ddil.store_first_state = false;
        // Without the data source nothing else gives tau = 1: the first state is kept.
        c.distill.ddil.beta = { 0.0, 0.5, 0.5 };
        DistillTrainer noData(c, torch::kCPU);
        const auto noDataTimes = noData.source().draw(batch, 0, gen).t;
        QVERIFY((noDataTimes == 1.0).any().item<bool>());
        c.distill.ddil.beta = { 0.5, 0.3, 0.2 };

        // The ramp moves beta_student's share from data, from 0 to its full value.
        c.distill.ddil.beta_schedule = BetaSchedule::RampStudent;
        c.distill.ddil.ramp_steps = 100;
        DistillTrainer ramped(c, torch::kCPU);
        QCOMPARE(ramped.source().betaAt(0)[2], 0.0);
        QCOMPARE(ramped.source().betaAt(0)[0], 0.7);
        QVERIFY(std::abs(ramped.source().betaAt(50)[2] - 0.1) < 1e-12);
        QCOMPARE(ramped.source().betaAt(200)[2], 0.2);
    }

    void mixtureChangesApplyFromTheNextStepAndAreLogged()
    {
        QTemporaryDir dir;
        auto c = test::toyDistillConfig(DistillMethod::Consistency);
        c.train.steps = 12;
        c.train.log_every = 1;
        c.eval.count = 64;
        LiveSettings live;
        RunOptions options;
        options.outDir = dir.filePath("run").toStdString();
        options.live = &live;
        std::vector<double> betaStudent;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) {
            for (const auto& [name, value] : r.scalars)
                if (name == "train/ddil/beta_student")
                    betaStudent.push_back(value);
            if (r.step == 5)
                live.setMixture({ 0, { 0.2, 0.2, 0.6 }, 0.5 });
        };
        CancelToken cancel;
        runTraining(c, options, hooks, cancel);
        QCOMPARE(int(betaStudent.size()), 12);
        QCOMPARE(betaStudent[4], 0.0); // step 5
        QCOMPARE(betaStudent[5], 0.6); // step 6: the change applies from the next step
        QFile metrics(dir.filePath("run/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const QString log = QString::fromUtf8(metrics.readAll());
        QVERIFY(log.contains(QRegularExpression(
            "\"step\":5[^\\n]*\"ddil/set_beta_student\":0\\.6[^\\n]*\"ddil/set_p_teach\":0\\.5")));
        const auto applied = live.applied();
        QCOMPARE(int(applied.size()), 1);
        QCOMPARE(applied[0].step, 5);
        QCOMPARE(applied[0].p_teach, 0.5);
    }

    // A session's recorded changes (DdilConfig::changes) replay it: the same losses at every
    // step, buffer and reflection changes included.
    void recordedChangesReplayTheLiveSession()
    {
        QTemporaryDir dir;
        auto c = test::toyDistillConfig(DistillMethod::Dmd2);
        c.train.steps = 10;
        c.train.checkpoint_every = 0;
        c.eval.every = 0;
        c.eval.count = 64;
        c.runtime.threads = 1;
        LiveSettings live;
        auto lossesOf = [&](const RunConfig& config, const QString& name, LiveSettings* settings) {
            RunOptions options;
            options.outDir = dir.filePath(name).toStdString();
            options.live = settings;
            std::vector<double> losses;
            RunHooks hooks;
            hooks.onStep = [&](const StepReport& r) {
                losses.push_back(r.scalars.front().second);
                if (settings && r.step == 3)
                    settings->setMixture(
                        { 0, { 1, 1, 2 }, 0.25, 96, 2, 0.5, ProjectionKind::Dynamic, 0.9 });
                if (settings && r.step == 6)
                    settings->setMixture({ 0, { 0, 0, 1 }, 0.0, 64, 1, 1.0 });
            };
            CancelToken cancel;
            runTraining(config, options, hooks, cancel);
            return losses;
        };
        const auto session = lossesOf(c, "live", &live);
        const auto applied = live.applied();
        QCOMPARE(int(applied.size()), 2);
        QCOMPARE(applied[0].step, 3);
        QCOMPARE(applied[0].beta[2], 0.5); // normalised
        QCOMPARE(applied[1].step, 6);

        auto replay = c;
        replay.distill.ddil.changes = applied;
        QVERIFY(validateConfig(replay).empty());
        const auto replayed = lossesOf(replay, "replay", nullptr);
        QCOMPARE(int(replayed.size()), 10);
        for (int i = 0; i < 10; ++i)
            QVERIFY2(replayed[i] == session[i], qPrintable(QString::number(i)));
        QVERIFY(session[4] != lossesOf(c, "plain", nullptr)[4]); // the changes did change it
    }

    void snapshotsShowStudentAndTeacherFromTheSameNoise()
    {
        QTemporaryDir dir;
        auto c = test::toyDistillConfig(DistillMethod::Consistency, 4);
        c.train.steps = 6;
        c.eval.every = 0;
        c.eval.count = 64;
        RunOptions options;
        options.outDir = dir.filePath("run").toStdString();
        options.snapshots.every = 3;
        options.snapshots.count = 32;
        options.snapshots.seed = 7;
        options.snapshots.studentSteps = { 1, 2 };
        std::vector<Snapshot> snapshots;
        RunHooks hooks;
        hooks.onSnapshot = [&](const Snapshot& s) { snapshots.push_back(s); };
        CancelToken cancel;
        runTraining(c, options, hooks, cancel);
        QCOMPARE(int(snapshots.size()), 3); // steps 0, 3 and 6
        QCOMPARE(snapshots[0].step, std::int64_t(0));
        QCOMPARE(snapshots[2].step, std::int64_t(6));
        const auto& s = snapshots[1];
        QCOMPARE(int(s.sets.size()), 4); // student at 1, 2 and N = 4 steps, then the teacher
        QCOMPARE(s.sets[2].steps, 4);
        QVERIFY(s.sets[3].teacher);
        QCOMPARE(s.sets[3].steps, c.distill.ddil.teacher_steps);
        QCOMPARE(s.sets[0].count(), std::int64_t(32));
        QCOMPARE(s.sets[0].itemSize(), std::int64_t(2));
        QCOMPARE(int(s.labels.size()), 32);
        // The teacher is frozen and the noise fixed: its set is the same in every snapshot.
        QVERIFY(snapshots[0].sets[3].values == snapshots[2].sets[3].values);
        QVERIFY(snapshots[0].sets[2].values != snapshots[2].sets[2].values);
        QCOMPARE(int(s.trajectory.size()), 4);
        QCOMPARE(s.trajectory[0].k, 4);
        QCOMPARE(int(s.trajectory[0].student.size()), 64);
        // k = N: every set starts from noise; the student's and the teacher's noise is shared.
        QVERIFY(s.trajectory[0].student == s.trajectory[0].teacher);
    }

    void dmd2WithTheGanHeadReportsBothGanLosses()
    {
        auto c = test::toyDistillConfig(DistillMethod::Dmd2);
        c.distill.dmd2.gan = true;
        c.distill.dmd2.fake_updates = 2;
        DistillTrainer trainer(c, torch::kCPU);
        const auto terms = trainer.trainStep();
        std::set<std::string> names;
        for (const auto& [name, value] : terms) {
            names.insert(name);
            QVERIFY2(std::isfinite(value), name.c_str());
        }
        for (const char* name : { "loss", "dmd2/dm_loss", "dmd2/fake_loss", "dmd2/gan_generator",
                 "dmd2/gan_discriminator" })
            QVERIFY2(names.count(name), name);
    }

    void resumedRunContinuesExactlyAsAnUninterruptedOne_data()
    {
        QTest::addColumn<DistillMethod>("method");
        QTest::newRow("pd") << DistillMethod::Progressive;
        QTest::newRow("lcm") << DistillMethod::Consistency;
        QTest::newRow("dmd2") << DistillMethod::Dmd2;
    }
    void resumedRunContinuesExactlyAsAnUninterruptedOne()
    {
        // DDIL buffers, the method's networks and optimisers, the round (PD) and the RNG all
        // come back from the checkpoint: the losses after a resume are the uninterrupted ones.
        QFETCH(DistillMethod, method);
        auto c = test::toyDistillConfig(method);
        c.train.steps = 12;
        c.train.log_every = 1;
        c.train.batch_size = 64;
        c.distill.ddil.beta = { 0.4, 0.3, 0.3 };
        c.distill.ddil.refresh_every = 4;
        c.distill.ddil.buffer_capacity = 64;
        c.distill.pd.start_steps = 8; // rounds change at step 6
        c.eval.count = 32;
        QTemporaryDir dir;
        auto losses = [](const QString& path) {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            QStringList out;
            for (const auto& line : QString::fromUtf8(f.readAll()).split('\n'))
                if (line.contains("train/loss"))
                    out << line.section("\"train/loss\":", 1).section(',', 0, 0);
            return out;
        };
        CancelToken none;
        RunOptions straight;
        straight.outDir = dir.filePath("straight").toStdString();
        runTraining(c, straight, {}, none);

        RunOptions split;
        split.outDir = dir.filePath("split").toStdString();
        CancelToken cancel;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) {
            if (r.step == 7)
                cancel.cancel();
        };
        QVERIFY(runTraining(c, split, hooks, cancel).status == RunResult::Status::Cancelled);
        split.resume = true;
        CancelToken fresh;
        runTraining(c, split, {}, fresh);
        const auto a = losses(dir.filePath("straight/metrics.jsonl"));
        const auto b = losses(dir.filePath("split/metrics.jsonl"));
        QCOMPARE(a.size(), 12);
        QCOMPARE(b, a);
    }

    void teacherFromAnotherDataSetIsRefused()
    {
        auto c = test::toyDistillConfig(DistillMethod::Consistency);
        c.data.distribution = ToyDistribution::TwoMoons;
        try {
            resolveRunConfig(c);
            QFAIL("expected ConfigError");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("distill.teacher")
                    && QString(e.what()).contains("checkerboard"),
                e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestDistillUnits)
#include "tst_distill_units.moc"
