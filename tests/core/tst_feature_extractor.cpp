#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/metrics/feature_extractor.h"
#include "core/models/classifier.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/csrc/jit/api/module.h>
#include <torch/types.h>

#include <fstream>

using namespace ddil;

namespace {
// A TorchScript module made here, as a user's exported extractor would be: features are the
// per-image mean and max (D = 2), or with `classify` also logits.
void writeTorchScript(const std::string& path, bool classify)
{
    torch::jit::Module module("Extractor");
    module.register_parameter("scale", torch::full({ 1 }, 2.0), false);
    if (classify)
        module.define(R"(
def forward(self, x):
    f = self.scale * torch.stack([x.flatten(1).mean(1), x.flatten(1).amax(1)], 1)
    return f, torch.cat([f, -f], 1)
)");
    else
        module.define(R"(
def forward(self, x):
    return self.scale * torch.stack([x.flatten(1).mean(1), x.flatten(1).amax(1)], 1)
)");
    module.save(path);
}
} // namespace

class TestFeatureExtractor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsATorchScriptExtractor()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("extractor.pt").toStdString();
        writeTorchScript(path, false);
        const auto extractor = FeatureExtractor::load(path, torch::kCPU);
        QCOMPARE(extractor->fidName(), std::string("FID (TorchScript features)"));
        const auto images = torch::rand({ 300, 1, 4, 4 }) * 2 - 1;
        const auto out = extractor->extract(images, 128); // three chunks
        QCOMPARE(out.features.sizes(), (c10::IntArrayRef { 300, 2 }));
        QVERIFY(!out.logits.defined());
        QVERIFY(torch::allclose(out.features.select(1, 0), 2 * images.flatten(1).mean(1)));
        QVERIFY(
            torch::allclose(out.features.select(1, 1), 2 * std::get<0>(images.flatten(1).max(1))));
        QCOMPARE(extractor->hash().size(), size_t(16));
    }

    void aTupleOutputAlsoClassifies()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("classifying.pt").toStdString();
        writeTorchScript(path, true);
        const auto out
            = FeatureExtractor::load(path, torch::kCPU)->extract(torch::zeros({ 3, 1, 2, 2 }));
        QCOMPARE(out.logits.sizes(), (c10::IntArrayRef { 3, 4 }));
    }

    void loadsAnEvaluatorCheckpoint()
    {
        QTemporaryDir dir;
        RunConfig config;
        config.task = Task::Evaluator;
        config.data.kind = DataKind::FashionMnist;
        config.model.kind = ModelKind::Classifier;
        config.model.channels = 8;
        config.model.hidden = 64;
        ClassifierNet net(config.model, { 1, 28, 28 }, 10);
        CheckpointMeta meta;
        meta.config = config;
        meta.modelSignature = net.signature();
        const std::string path = dir.filePath("evaluator.pt").toStdString();
        saveCheckpoint(path, meta, net, nullptr, nullptr, {});
        const auto extractor = FeatureExtractor::load(path, torch::kCPU);
        QCOMPARE(extractor->fidName(), std::string("FID (evaluator features)"));
        net.eval();
        const auto images = torch::rand({ 5, 1, 28, 28 });
        const auto out = extractor->extract(images);
        QVERIFY(torch::allclose(out.features, net.features(images), 1e-5, 1e-6));
        QCOMPARE(out.logits.sizes(), (c10::IntArrayRef { 5, 10 }));
    }

    void refusesOtherFiles()
    {
        QTemporaryDir dir;
        const std::string text = dir.filePath("notes.txt").toStdString();
        std::ofstream(text) << "not a model";
        try {
            FeatureExtractor::load(text, torch::kCPU);
            QFAIL("expected an error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(text)), e.what());
        }
        try {
            FeatureExtractor::load(dir.filePath("missing.pt").toStdString(), torch::kCPU);
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains("missing.pt"));
        }
        // A teacher checkpoint is not an extractor.
        RunConfig teacher;
        teacher.model.hidden = 32; // a net the file can hold (a larger one is refused as such)
        teacher.model.depth = 1;
        ClassifierNet net(ModelConfig {}, { 1, 8, 8 }, 2);
        CheckpointMeta meta;
        meta.config = teacher;
        meta.modelSignature = "mlp(...)";
        const std::string path = dir.filePath("teacher.pt").toStdString();
        saveCheckpoint(path, meta, net, nullptr, nullptr, {});
        try {
            FeatureExtractor::load(path, torch::kCPU);
            QFAIL("expected CheckpointError");
        } catch (const CheckpointError& e) {
            QVERIFY(QString(e.what()).contains("not an evaluator"));
        }
    }
};

QTEST_GUILESS_MAIN(TestFeatureExtractor)
#include "tst_feature_extractor.moc"
