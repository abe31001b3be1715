// The image path end to end on a tiny IDX dataset: a UNet teacher trains, evaluates with a
// feature extractor (a TorchScript file made here), logs the image metrics and writes a sample
// sheet; chunked sampling equals sampling in one pass.

#include "core/api/config_io.h"
#include "core/api/run.h"
#include "core/models/denoiser_net.h"
#include "core/sampling/model_sampling.h"
#include "tests/core/small_unet.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/types.h>

#include <fstream>

using namespace ddil;

namespace {
void writeIdx(const std::string& path, std::vector<uint32_t> dims, const std::vector<uint8_t>& data)
{
    std::string out { 0, 0, 0x08, static_cast<char>(dims.size()) };
    for (uint32_t d : dims)
        for (int shift : { 24, 16, 8, 0 })
            out.push_back(static_cast<char>((d >> shift) & 0xff));
    out.append(data.begin(), data.end());
    std::ofstream(path, std::ios::binary) << out;
}

// Two classes of 8 x 8 images: a bright left half (class 0) or a bright top half (class 1).
void writeSplit(const QString& dir, const std::string& prefix, int count)
{
    std::vector<uint8_t> images, labels;
    for (int i = 0; i < count; ++i) {
        const int label = i % 2;
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x)
                images.push_back(
                    ((label == 0 ? x : y) < 4) ? uint8_t(200 + (i * 7) % 50) : uint8_t(20));
        labels.push_back(uint8_t(label));
    }
    writeIdx((dir + "/" + QString::fromStdString(prefix) + "-images-idx3-ubyte").toStdString(),
        { uint32_t(count), 8, 8 }, images);
    writeIdx((dir + "/" + QString::fromStdString(prefix) + "-labels-idx1-ubyte").toStdString(),
        { uint32_t(count) }, labels);
}

void writeExtractor(const std::string& path)
{
    torch::jit::Module module("Extractor");
    module.define("def forward(self, x):\n"
                  "    left = x[:, :, :, :4].flatten(1).mean(1)\n"
                  "    top = x[:, :, :4, :].flatten(1).mean(1)\n"
                  "    f = torch.stack([left, top, x.flatten(1).std(1)], 1)\n"
                  "    return f, torch.stack([left - top, top - left], 1)\n");
    module.save(path);
}
} // namespace

class TestImageTeacher : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QDir().mkpath(m_dir.filePath("data"));
        writeSplit(m_dir.filePath("data"), "train", 64);
        writeSplit(m_dir.filePath("data"), "t10k", 40);
        writeExtractor(m_dir.filePath("extractor.pt").toStdString());
        qputenv("DDIL_CACHE_DIR", m_dir.filePath("cache").toLocal8Bit());
    }

    void trainsEvaluatesAndWritesASampleSheet()
    {
        // moc does not read raw string literals: the config is spelled with escapes.
        const std::string json = "{\"schema_version\": 1, \"name\": \"tiny-images\", \"seed\": 1,"
                                 "\"runtime\": {\"device\": \"cpu\", \"threads\": 1},"
                                 "\"data\": {\"kind\": \"idx\", \"path\": \""
            + m_dir.filePath("data").toStdString()
            + "\"},"
              "\"model\": {\"kind\": \"unet\", \"channels\": 8, \"channel_mult\": [1, 2], "
              "\"depth\": 1, \"groups\": 4, \"time_embedding\": 8},"
              "\"diffusion\": {\"prediction\": \"v\"},"
              "\"train\": {\"steps\": 6, \"batch_size\": 8, \"log_every\": 3, "
              "\"checkpoint_every\": 0, \"warmup_steps\": 1},"
              "\"sample\": {\"steps\": 3, \"guidance\": {\"scale\": 2.0}},"
              "\"eval\": {\"every\": 3, \"count\": 24, \"feature_extractor\": \""
            + m_dir.filePath("extractor.pt").toStdString() + "\"}}";
        const auto loaded = parseConfig(json);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.errors().front().toString().c_str());
        RunOptions options;
        options.outDir = m_dir.filePath("run").toStdString();
        CancelToken never;
        std::vector<EvalReport> evals;
        RunHooks hooks;
        hooks.onEval = [&](const EvalReport& r) { evals.push_back(r); };
        const auto result = runTraining(loaded.config, options, hooks, never);
        QCOMPARE(result.step, int64_t(6));
        QCOMPARE(int(evals.size()), 2); // at step 3 and at the end
        auto value = [&](const char* key) {
            for (const auto& [k, v] : result.finalMetrics)
                if (k == key)
                    return v;
            return -1.0;
        };
        for (const char* key : { "eval/fid", "eval/fid_floor", "eval/kid", "eval/precision",
                 "eval/recall", "eval/density", "eval/coverage", "eval/diversity",
                 "eval/diversity_real", "eval/class_consistency", "eval/class_entropy_bits" })
            QVERIFY2(value(key) >= 0.0 || std::string(key) == "eval/kid", key);
        QVERIFY(value("eval/class_consistency") <= 1.0);
        QVERIFY(QFile::exists(m_dir.filePath("run/samples/step-6.png")));
        QVERIFY(QFile::exists(m_dir.filePath("run/samples/step-6.npy")));
        QFile metrics(m_dir.filePath("run/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        QCOMPARE(metrics.readAll().count("\"eval/fid\""), 2);
        // The real features were cached once and reused.
        QCOMPARE(QDir(m_dir.filePath("cache")).entryList({ "real-features-*.npy" }).size(), 1);
    }

    void chunkedSamplingEqualsOnePass()
    {
        auto net = test::randomSmallUnet(2, 0);
        DiffusionConfig diffusion;
        diffusion.prediction = Prediction::V;
        const auto labels = torch::arange(10, torch::kInt64).remainder(2);
        auto run = [&](int64_t chunk) {
            ModelSampleOptions options;
            options.steps = 4;
            options.guidance.scale = 1.5;
            options.recordSteps = { 4, 2, 0 };
            options.chunk = chunk;
            auto gen = at::detail::createCPUGenerator(9);
            return sampleModel(*net, diffusion, labels, { 1, 8, 8 }, gen, torch::kCPU, options);
        };
        const auto whole = run(100), chunked = run(3);
        QVERIFY(torch::allclose(whole.x, chunked.x, 1e-5, 1e-6));
        QCOMPARE(chunked.trajectory.size(), size_t(3));
        for (size_t i = 0; i < whole.trajectory.size(); ++i) {
            QCOMPARE(chunked.trajectory[i].step, whole.trajectory[i].step);
            QCOMPARE(chunked.trajectory[i].x.size(0), int64_t(10));
            QVERIFY(torch::allclose(whole.trajectory[i].x, chunked.trajectory[i].x, 1e-5, 1e-6));
        }
    }
};

QTEST_GUILESS_MAIN(TestImageTeacher)
#include "tst_image_teacher.moc"
