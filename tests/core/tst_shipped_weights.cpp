// The weights under resources/weights/ are what `make run` and `ddil eval` use by default: they
// must load, come from the configs committed beside them, and be as good as the README says.

#include "core/api/config_io.h"
#include "core/api/evaluation.h"
#include "core/checkpoint/checkpoint.h"
#include "core/data/image_dataset.h"
#include "core/io/resource_path.h"
#include "core/metrics/feature_extractor.h"
#include "core/metrics/image_metrics.h"
#include "core/models/denoiser_net.h"
#include "core/runtime/device.h"
#include "core/sampling/model_sampling.h"
#include "core/train/evaluator_trainer.h"
#include "tests/test_support.h"

#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

using namespace ddil;

class TestShippedWeights : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { applyThreadCount(0); }

    void weightsComeFromTheCommittedConfigs()
    {
        const std::pair<const char*, const char*> pairs[] = {
            { kShippedTeacher, "configs/fashion-mnist/teacher.json" },
            { kShippedEvaluator, "configs/fashion-mnist/evaluator.json" },
        };
        for (const auto& [weights, config] : pairs) {
            CheckpointReader reader(resolveResourcePath(weights));
            const auto committed = loadConfigFile(ddil::test::sourcePath(config));
            QVERIFY(committed.ok());
            QVERIFY2(reader.meta().config == committed.config,
                qPrintable(QString::fromStdString(std::string(weights) + " differs from " + config
                    + ": "
                    + (configDifferences(committed.config, reader.meta().config).empty()
                            ? std::string("?")
                            : configDifferences(committed.config, reader.meta().config).front()))));
            QCOMPARE(reader.meta().step, int64_t(committed.config.train.steps));
            QVERIFY(!reader.hasEma()); // exported weights only: no optimiser, no RNG state
        }
    }

    void evaluatorReachesNinetyPercentOnTheTestSplit()
    {
        CheckpointReader reader(resolveResourcePath(kShippedEvaluator));
        const auto test = loadImageDataset(reader.meta().config.data, DataSplit::Test);
        ClassifierNet net(reader.meta().config.model, test->sampleShape(), test->numClasses());
        reader.loadModel(net, net.signature(), true);
        const auto score = scoreClassifier(net, *test, torch::kCPU);
        qInfo("evaluator test accuracy %.4f", score.accuracy);
        QVERIFY2(score.accuracy >= 0.90, qPrintable(QString::number(score.accuracy)));
    }

    void teacherSamplesTheirClasses()
    {
        CheckpointReader reader(resolveResourcePath(kShippedTeacher));
        const RunConfig& config = reader.meta().config;
        auto net = makeDenoiserNet(config.model, { 1, 28, 28 }, 10);
        reader.loadModel(*net, net->signature(), true);
        const int64_t count = 300;
        const auto labels = torch::arange(count, torch::kInt64).remainder(10);
        auto options = ModelSampleOptions::fromConfig(config.sample);
        options.steps = 8;
        auto gen = at::detail::createCPUGenerator(123);
        const auto samples
            = sampleModel(*net, config.diffusion, labels, { 1, 28, 28 }, gen, torch::kCPU, options)
                  .x;
        QVERIFY(samples.isfinite().all().item<bool>());
        const auto extractor = FeatureExtractor::load(kShippedEvaluator, torch::kCPU);
        const auto predicted = extractor->extract(samples).logits.argmax(1);
        const auto cc = classConsistency(predicted, labels, 10);
        qInfo("class consistency %.3f (%d samples, %d steps, guidance %g)", cc.consistency,
            int(count), options.steps, options.guidance.scale);
        QVERIFY2(cc.consistency >= 0.80, qPrintable(QString::number(cc.consistency)));
    }
};

QTEST_GUILESS_MAIN(TestShippedWeights)
#include "tst_shipped_weights.moc"
