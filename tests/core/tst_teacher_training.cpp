#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/run.h"
#include "core/checkpoint/checkpoint.h"
#include "core/data/toy2d.h"
#include "core/train/teacher_trainer.h"
#include "tests/test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <torch/types.h>
#include <torch/utils.h>

using namespace ddil;

namespace {
RunConfig shippedCheckerboard()
{
    const auto loaded
        = loadConfigFile(ddil::test::sourcePath("configs/toy/checkerboard-teacher.json"));
    if (!loaded.ok())
        qFatal("shipped config invalid");
    RunConfig c = loaded.config;
    c.runtime.device = Device::Cpu;
    return c;
}

RunConfig tinyConfig()
{
    RunConfig c;
    c.name = "tiny";
    c.runtime.device = Device::Cpu;
    c.model.hidden = 32;
    c.model.depth = 1;
    c.model.time_embedding = 8;
    c.train.steps = 60;
    c.train.batch_size = 64;
    c.train.log_every = 10;
    c.train.checkpoint_every = 25;
    c.train.warmup_steps = 5;
    c.eval.every = 0;
    c.eval.count = 200;
    c.eval.projections = 16;
    c.sample.steps = 5;
    return c;
}

// Clean toy data for the first `cleanBatches` draws, NaN afterwards.
class PoisonedSource final : public DataSource {
public:
    explicit PoisonedSource(int cleanBatches)
        : m_clean(cleanBatches)
    {
    }
    LabeledBatch sample(int64_t count, torch::Generator& generator) const override
    {
        auto batch = m_toy.sample(count, generator);
        if (m_drawn++ >= m_clean)
            batch.x.fill_(std::numeric_limits<float>::quiet_NaN());
        return batch;
    }
    int64_t numClasses() const override { return m_toy.numClasses(); }
    std::vector<int64_t> sampleShape() const override { return m_toy.sampleShape(); }
    std::string describe() const override { return "poisoned"; }

private:
    Toy2dSource m_toy { ToyDistribution::Checkerboard };
    int m_clean;
    mutable int m_drawn = 0;
};

std::map<int64_t, double> lossesByStep(const QString& metricsPath)
{
    QFile f(metricsPath);
    std::map<int64_t, double> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    while (!f.atEnd()) {
        const auto j = nlohmann::json::parse(f.readLine().toStdString());
        if (j.contains("train/loss"))
            out[j["step"].get<int64_t>()] = j["train/loss"].get<double>();
    }
    return out;
}

// train/loss rows of a metrics.csv (step,elapsed,name,value), by step.
std::map<int64_t, double> csvLossesByStep(const QString& csvPath)
{
    QFile f(csvPath);
    std::map<int64_t, double> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    for (const QString& line : lines.mid(1)) {
        const QStringList cells = line.split(',');
        if (cells.size() == 4 && cells[2] == "train/loss")
            out[cells[0].toLongLong()] = cells[3].toDouble();
    }
    return out;
}
} // namespace

class TestTeacherTraining : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void trainedTeacherBeatsThresholdUntrainedFails()
    {
        // An untrained net is far off; the shipped recipe gets within a few times the floor (the
        // distance between two independent 2000-point draws of the checkerboard).
        const double threshold = 0.04;
        RunConfig c = shippedCheckerboard();
        TeacherTrainer trainer(c, torch::kCPU);
        const auto untrained = trainer.evaluate();
        QCOMPARE(untrained.front().first, std::string("eval/sliced_wasserstein"));
        qInfo("untrained: sliced W1 %.4f, MMD %.4f; floor: sliced W1 %.4f, MMD %.4f",
            untrained[0].second, untrained[1].second, untrained[2].second, untrained[3].second);
        QVERIFY(untrained[0].second > threshold);
        QVERIFY(untrained[2].second < threshold / 2);
        double firstLoss = 0, lastLoss = 0;
        for (int i = 0; i < c.train.steps; ++i) {
            const double loss = trainer.trainStep().front().second;
            if (i < 50)
                firstLoss += loss / 50;
            if (i >= c.train.steps - 50)
                lastLoss += loss / 50;
        }
        const auto trained = trainer.evaluate();
        qInfo("trained (%d steps): sliced W1 %.4f, MMD %.4f; loss %.4f -> %.4f", c.train.steps,
            trained[0].second, trained[1].second, firstLoss, lastLoss);
        QVERIFY(trained[0].second < threshold);
        QVERIFY(trained[0].second < 2 * trained[2].second); // within twice the data-vs-data floor
        QVERIFY(trained[1].second < untrained[1].second / 3);
        QVERIFY(lastLoss < firstLoss);
    }

    void resumedRunEndsWhereUninterruptedRunEnds()
    {
        QTemporaryDir dir;
        const RunConfig c = tinyConfig();
        CancelToken never;
        const auto whole
            = runTraining(c, { dir.filePath("whole").toStdString(), false }, {}, never);
        QCOMPARE(whole.step, int64_t { 60 });

        // Interrupt after step 33 (the hook cancels; the trainer checkpoints before step 34).
        CancelToken cancel;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) {
            if (r.step == 33)
                cancel.cancel();
        };
        const std::string partDir = dir.filePath("part").toStdString();
        const auto first = runTraining(c, { partDir, false }, hooks, cancel);
        QVERIFY(first.status == RunResult::Status::Cancelled);
        QCOMPARE(first.step, int64_t { 33 });
        // Starting again without --resume refuses to clobber the run.
        QVERIFY_THROWS_EXCEPTION(IoError, runTraining(c, { partDir, false }, {}, never));
        const auto second = runTraining(c, { partDir, true }, {}, never);
        QVERIFY(second.status == RunResult::Status::Finished);
        QCOMPARE(second.step, int64_t { 60 });

        CheckpointReader a(whole.checkpointPath), b(second.checkpointPath);
        auto netA = makeDenoiserNet(c.model, { 2 }, 8), netB = makeDenoiserNet(c.model, { 2 }, 8);
        a.loadModel(*netA, netA->signature());
        b.loadModel(*netB, netB->signature());
        double diff = 0;
        for (size_t i = 0; i < netA->parameters().size(); ++i)
            diff = std::max(
                diff, (netA->parameters()[i] - netB->parameters()[i]).abs().max().item<double>());
        QVERIFY2(diff < 1e-6, qPrintable(QString::number(diff)));
        // The loss curve continues: same steps logged, same values.
        const auto la = lossesByStep(dir.filePath("whole/metrics.jsonl"));
        const auto lb = lossesByStep(dir.filePath("part/metrics.jsonl"));
        QCOMPARE(la.size(), lb.size());
        for (const auto& [step, loss] : la)
            QVERIFY2(std::abs(lb.at(step) - loss) <= 1e-6 * std::abs(loss),
                qPrintable(QString::number(step)));
        // metrics.csv was truncated with it: the same rows as the uninterrupted run's.
        const auto ca = csvLossesByStep(dir.filePath("whole/metrics.csv"));
        const auto cb = csvLossesByStep(dir.filePath("part/metrics.csv"));
        QCOMPARE(ca.size(), la.size());
        QCOMPARE(cb.size(), ca.size());
        for (const auto& [step, loss] : ca)
            QVERIFY2(std::abs(cb.at(step) - loss) <= 1e-6 * std::abs(loss),
                qPrintable(QString::number(step)));
    }

    // A stop during the final evaluation (the hook cancels at the last step, so the evaluation
    // sees it) leaves a cancelled run at its last step, without evaluation lines; resuming it
    // runs the evaluation alone and finishes.
    void stopDuringTheFinalEvaluationIsNotFinished()
    {
        QTemporaryDir dir;
        const RunConfig c = tinyConfig();
        CancelToken cancel;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) {
            if (r.step == c.train.steps)
                cancel.cancel();
        };
        const std::string runDir = dir.filePath("run").toStdString();
        const auto first = runTraining(c, { runDir, false }, hooks, cancel);
        QVERIFY(first.status == RunResult::Status::Cancelled);
        QCOMPARE(first.step, int64_t { c.train.steps });
        const auto evalLines
            = [&] { return test::readFile(dir.filePath("run/metrics.jsonl")).count("\"eval/"); };
        QCOMPARE(evalLines(), 0);
        QVERIFY(
            test::readFile(dir.filePath("run/state.json")).contains("\"status\": \"cancelled\""));
        CancelToken never;
        const auto second = runTraining(c, { runDir, true }, {}, never);
        QVERIFY(second.status == RunResult::Status::Finished);
        QCOMPARE(second.step, int64_t { c.train.steps });
        QVERIFY(!second.finalMetrics.empty());
        QVERIFY(evalLines() > 0);
        QVERIFY(
            test::readFile(dir.filePath("run/state.json")).contains("\"status\": \"finished\""));
    }

    // read_every 1: the NaN of step 31 is read at once; 7: it is read with steps 32-37. Either
    // way the error names step 31, and the checkpoint of step 20 (written after reading the
    // steps before it) is the one kept.
    void nonFiniteLossStopsAndKeepsTheLastCheckpoint_data()
    {
        QTest::addColumn<int>("readEvery");
        QTest::newRow("read every step") << 1;
        QTest::newRow("read 7 at a time") << 7;
    }

    void nonFiniteLossStopsAndKeepsTheLastCheckpoint()
    {
        QFETCH(int, readEvery);
        QTemporaryDir dir;
        RunConfig c = tinyConfig();
        c.train.checkpoint_every = 20;
        c.runtime.read_every = readEvery;
        TeacherTrainer trainer(c, torch::kCPU, std::make_unique<PoisonedSource>(30));
        RunFolder folder(dir.path().toStdString());
        CancelToken never;
        try {
            trainer.run(folder, {}, never);
            QFAIL("a NaN loss must stop the run");
        } catch (const TrainingError& e) {
            QVERIFY2(QString(e.what()).contains("step 31: loss is NaN"), e.what());
        }
        QFile stateFile(dir.filePath("state.json"));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        const auto state = nlohmann::json::parse(stateFile.readAll().toStdString());
        QCOMPARE(state["status"].get<std::string>(), std::string("failed"));
        QVERIFY(
            QString::fromStdString(state["message"].get<std::string>()).contains("loss is NaN"));
        QCOMPARE(lossesByStep(dir.filePath("metrics.jsonl")).rbegin()->first, int64_t { 30 });
        // The checkpoint of step 20 is intact and loads.
        CheckpointReader reader(folder.checkpointPath());
        QCOMPARE(reader.meta().step, int64_t { 20 });
        auto net = makeDenoiserNet(c.model, { 2 }, 8);
        reader.loadModel(*net, net->signature());
        for (const auto& p : net->parameters())
            QVERIFY(torch::isfinite(p).all().item<bool>());
    }

    void bf16TrainingOfTheToyStillConverges()
    {
        // runtime.precision = bf16 autocasts the forward passes (here the MLP's matrix
        // products) to bfloat16: the same recipe lands near the float32 run, far from the
        // untrained net.
        RunConfig c = shippedCheckerboard();
        c.train.steps = 400;
        c.train.batch_size = 256;
        c.eval.count = 1000;
        auto distance = [](const RunConfig& config, int steps) {
            TeacherTrainer trainer(config, torch::kCPU);
            for (int i = 0; i < steps; ++i)
                trainer.trainStep();
            return trainer.evaluate().front().second; // sliced W1 to data
        };
        const double untrained = distance(c, 0);
        const double fp32 = distance(c, c.train.steps);
        c.runtime.precision = Precision::Bf16;
        const double bf16 = distance(c, c.train.steps);
        qInfo("sliced W1: untrained %.4f, fp32 %.4f, bf16 %.4f", untrained, fp32, bf16);
        QVERIFY(fp32 < untrained / 4);
        QVERIFY(bf16 < untrained / 4);
        QVERIFY(bf16 < 1.5 * fp32);
        QVERIFY(bf16 != fp32); // it did run in another precision
    }

    void readingStepsInBatchesChangesNothing()
    {
        // runtime.read_every = 7 reads the losses of 7 steps at once (the CUDA path): the same
        // weights, the same metrics lines and a step report for every step, in order.
        QTemporaryDir dir;
        RunConfig c = tinyConfig();
        CancelToken never;
        const auto every
            = runTraining(c, { dir.filePath("every").toStdString(), false }, {}, never);
        c.runtime.read_every = 7;
        std::vector<int64_t> reported;
        RunHooks hooks;
        hooks.onStep = [&](const StepReport& r) { reported.push_back(r.step); };
        const auto batched
            = runTraining(c, { dir.filePath("batched").toStdString(), false }, hooks, never);
        QCOMPARE(int(reported.size()), 60);
        for (int i = 0; i < 60; ++i)
            QCOMPARE(reported[size_t(i)], int64_t(i + 1));
        CheckpointReader a(every.checkpointPath), b(batched.checkpointPath);
        auto netA = makeDenoiserNet(c.model, { 2 }, 8), netB = makeDenoiserNet(c.model, { 2 }, 8);
        a.loadModel(*netA, netA->signature());
        b.loadModel(*netB, netB->signature());
        for (size_t i = 0; i < netA->parameters().size(); ++i)
            QVERIFY(torch::equal(netA->parameters()[i], netB->parameters()[i]));
        const auto la = lossesByStep(dir.filePath("every/metrics.jsonl"));
        const auto lb = lossesByStep(dir.filePath("batched/metrics.jsonl"));
        QCOMPARE(la.size(), size_t(6));
        QVERIFY(la == lb);
    }

    void runFolderIsSelfDescribing()
    {
        QTemporaryDir dir;
        CancelToken never;
        const auto result
            = runTraining(tinyConfig(), { dir.path().toStdString(), false }, {}, never);
        for (const char* name : { "config.json", "state.json", "metrics.jsonl", "metrics.csv",
                 "checkpoint.safetensors", "samples/step-60.npy", "samples/step-60.png" })
            QVERIFY2(QFile::exists(dir.filePath(name)), name);
        const auto reloaded = loadConfigFile(dir.filePath("config.json").toStdString());
        QVERIFY(reloaded.ok() && reloaded.config == tinyConfig());
        QFile stateFile(dir.filePath("state.json"));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        const auto state = nlohmann::json::parse(stateFile.readAll().toStdString());
        QCOMPARE(state["status"].get<std::string>(), std::string("finished"));
        QCOMPARE(state["step"].get<int64_t>(), int64_t { 60 });
        QCOMPARE(
            state["last_checkpoint"].get<std::string>(), std::string("checkpoint.safetensors"));
        QVERIFY(state.contains("build_id") && state["versions"].contains("libtorch"));
        QCOMPARE(result.finalMetrics.size(), size_t { 4 });
        QCOMPARE(result.finalMetrics[2].first, std::string("eval/sliced_wasserstein_floor"));
        // metrics.csv: a header, then one row per scalar of metrics.jsonl.
        QFile csv(dir.filePath("metrics.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.first(), QString("step,elapsed,name,value"));
        QFile jsonl(dir.filePath("metrics.jsonl"));
        QVERIFY(jsonl.open(QIODevice::ReadOnly));
        int scalars = 0;
        while (!jsonl.atEnd())
            scalars += int(nlohmann::json::parse(jsonl.readLine().toStdString()).size()) - 3;
        QCOMPARE(rows.size() - 1, scalars);
        QVERIFY(rows.contains(QString("60,%1,eval/sliced_wasserstein_floor,%2")
                .arg(rows.last().section(',', 1, 1))
                .arg(QString::asprintf("%.10g", result.finalMetrics[2].second))));
    }
};

QTEST_GUILESS_MAIN(TestTeacherTraining)
#include "tst_teacher_training.moc"
