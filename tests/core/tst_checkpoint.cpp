#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/data_only_file.h"
#include "core/io/tensorboard.h"
#include "core/models/denoiser_net.h"
#include "tests/test_support.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adam.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <functional>

using namespace ddil;

namespace {
std::shared_ptr<DenoiserNet> smallNet(int hidden = 32)
{
    ModelConfig mc;
    mc.hidden = hidden;
    mc.depth = 1;
    mc.time_embedding = 8;
    return makeDenoiserNet(mc, { 2 }, 8);
}

double maxDiff(torch::nn::Module& a, torch::nn::Module& b)
{
    double m = 0;
    const auto pa = a.parameters(), pb = b.parameters();
    for (size_t i = 0; i < pa.size(); ++i)
        m = std::max(m, (pa[i] - pb[i]).abs().max().item<double>());
    return m;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString path(const char* name) { return m_dir.filePath(name); }

    // Saves a net after one optimiser step, with meta and an advanced generator.
    void saveTrained(const QString& file, DenoiserNet& net, torch::optim::Adam& opt,
        torch::Generator& gen, int64_t step)
    {
        opt.zero_grad();
        net.forward(torch::randn({ 4, 2 }), torch::rand({ 4 }), torch::zeros({ 4 }, torch::kInt64))
            .pow(2)
            .mean()
            .backward();
        opt.step();
        CheckpointMeta meta;
        meta.config.name = "ckpt-test";
        meta.config.model.hidden = 32;
        meta.modelSignature = net.signature();
        meta.step = step;
        meta.elapsedSeconds = 12.5;
        meta.buildId = "test";
        meta.pendingSums = { { "train/loss", 1.25 }, { "train/grad_norm", -3.0 } };
        meta.pendingCount = 3;
        saveCheckpoint(file.toStdString(), meta, net, &net, &opt, gen.get_state());
    }

private Q_SLOTS:
    void roundTripRestoresEverything()
    {
        torch::manual_seed(0);
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(42);
        torch::randn({ 10 }, gen); // advance the stream
        saveTrained(path("a.pt"), *net, opt, gen, 17);
        const auto nextDraw = torch::randn({ 5 }, gen);

        torch::manual_seed(1);
        auto other = smallNet();
        QVERIFY(maxDiff(*net, *other) > 0);
        torch::optim::Adam otherOpt(other->parameters(), 1e-2);
        CheckpointReader reader(path("a.pt").toStdString());
        QCOMPARE(reader.meta().step, int64_t { 17 });
        QCOMPARE(reader.meta().elapsedSeconds, 12.5);
        QCOMPARE(reader.meta().config.name, std::string("ckpt-test"));
        QCOMPARE(reader.meta().modelSignature, net->signature());
        QVERIFY(reader.hasEma());
        reader.loadModel(*other, other->signature());
        QCOMPARE(maxDiff(*net, *other), 0.0);
        reader.loadOptimizer(otherOpt);
        auto restored = at::detail::createCPUGenerator(0);
        restored.set_state(reader.rngState());
        QVERIFY(torch::equal(torch::randn({ 5 }, restored), nextDraw));
        // The optimiser moments came back: one more identical step keeps the nets identical.
        const auto x = torch::randn({ 4, 2 });
        for (auto* pair : { &opt, &otherOpt })
            pair->zero_grad();
        net->forward(x, torch::full({ 4 }, 0.5), torch::zeros({ 4 }, torch::kInt64))
            .pow(2)
            .mean()
            .backward();
        other->forward(x, torch::full({ 4 }, 0.5), torch::zeros({ 4 }, torch::kInt64))
            .pow(2)
            .mean()
            .backward();
        opt.step();
        otherOpt.step();
        QCOMPARE(maxDiff(*net, *other), 0.0);
    }

    void mismatchedModelIsNamed()
    {
        auto net = smallNet(32);
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("b.pt"), *net, opt, gen, 1);
        auto wider = smallNet(64);
        CheckpointReader reader(path("b.pt").toStdString());
        try {
            reader.loadModel(*wider, wider->signature());
            QFAIL("loading into another architecture must fail");
        } catch (const CheckpointError& e) {
            const QString msg = e.what();
            QVERIFY2(msg.contains("hidden=32") && msg.contains("hidden=64") && msg.contains("b.pt"),
                e.what());
        }
    }

    void corruptFilesGiveOneClearError_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("garbage") << QByteArray("this is not a checkpoint at all")
                                 << "not a DDIL Workbench checkpoint";
        QTest::newRow("empty") << QByteArray() << "not a DDIL Workbench checkpoint";
        QTest::newRow("magic only") << QByteArray("DDILDAT1") << "truncated";
    }

    void corruptFilesGiveOneClearError()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QFile f(path("bad.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        try {
            CheckpointReader reader(path("bad.pt").toStdString());
            QFAIL("a corrupt checkpoint must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
            QVERIFY(QString(e.what()).count('\n') == 0);
        }
    }

    void truncatedCheckpointIsRejected()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("full.pt"), *net, opt, gen, 1);
        const QByteArray bytes = readAll(path("full.pt"));
        QFile f(path("cut.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.left(bytes.size() / 2));
        f.close();
        QVERIFY_THROWS_EXCEPTION(CheckpointError, CheckpointReader(path("cut.pt").toStdString()));
    }

    // A LibTorch archive carries TorchScript code that runs when it is loaded: it is refused
    // before anything of it is read, with the way to convert a trusted one.
    void torchScriptArchiveIsRefusedUnread()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        archive.save_to(path("foreign.pt").toStdString());
        for (const auto& read : std::vector<std::function<void()>> {
                 [&] { CheckpointReader reader(path("foreign.pt").toStdString()); },
                 [&] { readCheckpointMeta(path("foreign.pt").toStdString()); } }) {
            try {
                read();
                QFAIL("a TorchScript archive must not load");
            } catch (const CheckpointError& e) {
                QVERIFY2(QString(e.what()).contains("earlier TorchScript format")
                        && QString(e.what()).contains("ddil convert-checkpoint"),
                    e.what());
            }
        }
    }

    // A data-only file of someone else's archive is not a checkpoint of ours.
    void foreignDataOnlyFileIsNotOurs()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        QFile f(path("foreign-data.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        const std::string bytes = encodeDataOnly(archive);
        f.write(bytes.data(), static_cast<qint64>(bytes.size()));
        f.close();
        try {
            CheckpointReader reader(path("foreign-data.pt").toStdString());
            QFAIL("a plain archive is not a workbench checkpoint");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("not a DDIL Workbench checkpoint"), e.what());
        }
    }

    // The earlier format converts once into the data-only one, with the same weights and meta.
    void legacyCheckpointConverts()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive archive, model;
        archive.write("format", c10::IValue(std::string("ddil-checkpoint")));
        archive.write("format_version", c10::IValue(int64_t { 1 }));
        RunConfig config;
        config.model.hidden = 32;
        archive.write("config", c10::IValue(configToJson(config)));
        archive.write("model_signature", c10::IValue(net->signature()));
        archive.write("step", c10::IValue(int64_t { 77 }));
        net->save(model);
        archive.write("model", model);
        archive.save_to(path("legacy.pt").toStdString());
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, CheckpointReader(path("legacy.pt").toStdString()));
        convertLegacyCheckpoint(
            path("legacy.pt").toStdString(), path("converted.pt").toStdString());
        CheckpointReader reader(path("converted.pt").toStdString());
        QCOMPARE(reader.meta().step, int64_t { 77 });
        auto loaded = smallNet();
        reader.loadModel(*loaded, loaded->signature());
        QCOMPARE(maxDiff(*net, *loaded), 0.0);
        // A file of the new format is not converted again.
        QVERIFY_THROWS_EXCEPTION(CheckpointError,
            convertLegacyCheckpoint(
                path("converted.pt").toStdString(), path("again.pt").toStdString()));
    }

    // A flipped byte anywhere (here in the weights) fails the CRC: refused, naming the file.
    void flippedPayloadByteIsRefusedNamingTheFile()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("flip.pt"), *net, opt, gen, 1);
        QByteArray bytes = readAll(path("flip.pt"));
        bytes[bytes.size() - 40] = static_cast<char>(bytes[bytes.size() - 40] ^ 0x10);
        QFile f(path("flipped.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        try {
            CheckpointReader reader(path("flipped.pt").toStdString());
            QFAIL("a changed checkpoint must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("flipped.pt")
                    && QString(e.what()).contains("CRC-32C does not match"),
                e.what());
        }
    }

    // Files whose CRC is right but whose header lies: every range, size and key is checked
    // against the file before anything is allocated or copied.
    void lyingHeadersAreRefusedBeforeAnyRead_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<int>("payload");
        QTest::addColumn<QString>("expected");
        QTest::newRow("record past the payload")
            << R"(["w",{"tensor":{"dtype":"float32","shape":[268435456],"offset":0,"bytes":1073741824}}])"
            << 8 << "lie past the payload";
        QTest::newRow("record shorter than its shape")
            << R"(["w",{"tensor":{"dtype":"float32","shape":[4],"offset":0,"bytes":8}}])" << 8
            << "need 4 x 4 bytes";
        QTest::newRow("element count overflows")
            << R"(["w",{"tensor":{"dtype":"float64","shape":[1099511627776,1099511627776],"offset":0,"bytes":0}}])"
            << 0 << "overflows";
        QTest::newRow("unknown dtype")
            << R"(["w",{"tensor":{"dtype":"object","shape":[1],"offset":0,"bytes":8}}])" << 8
            << "unknown dtype";
        QTest::newRow("key that is not a name")
            << R"(["w\n  def __setstate__(self, s):\n    pass",{"value":{"int":1}}])" << 0
            << "is not [A-Za-z0-9_/]";
        QTest::newRow("field of the wrong JSON type")
            << R"(["w",{"tensor":{"dtype":"float32","shape":[1],"offset":0,"bytes":4,"buffer":"yes"}}])"
            << 4 << "corrupt checkpoint";
        QTest::newRow("key twice")
            << R"(["a",{"value":{"int":1}}],["a",{"value":{"int":2}}])" << 0 << "occurs twice";
    }
    void lyingHeadersAreRefusedBeforeAnyRead()
    {
        QFETCH(QString, entry);
        QFETCH(int, payload);
        QFETCH(QString, expected);
        const std::string header = R"({"payload_bytes":)" + std::to_string(payload)
            + R"(,"root":{"entries":[)" + entry.toStdString() + "]}}";
        std::string bytes = "DDILDAT1";
        for (int i = 0; i < 8; ++i)
            bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
        bytes += header + std::string(static_cast<size_t>(payload), '\x01');
        const std::uint32_t crc = crc32c(bytes.data(), bytes.size());
        for (int i = 0; i < 4; ++i)
            bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
        QFile f(path("lying.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.data(), static_cast<qint64>(bytes.size()));
        f.close();
        try {
            CheckpointReader reader(path("lying.pt").toStdString());
            QFAIL("a lying header must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains(expected) && QString(e.what()).contains("lying.pt"),
                e.what());
        }
    }

    void metadataOfEveryKindOfFile_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("a training checkpoint") << QString();
        QTest::newRow("shipped teacher") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-teacher.pt"));
        QTest::newRow("shipped evaluator") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-evaluator.pt"));
    }
    void metadataOfEveryKindOfFile()
    {
        QFETCH(QString, file);
        if (file.isEmpty()) {
            auto net = smallNet();
            torch::optim::Adam opt(net->parameters(), 1e-2);
            auto gen = at::detail::createCPUGenerator(3);
            saveTrained(path("meta.pt"), *net, opt, gen, 123456789012);
            file = path("meta.pt");
        }
        const CheckpointMeta meta = readCheckpointMeta(file.toStdString());
        // Read from the header alone, the same as from the whole archive.
        const CheckpointMeta whole = CheckpointReader(file.toStdString()).meta();
        QCOMPARE(configToJson(meta.config), configToJson(whole.config));
        QCOMPARE(meta.modelSignature, whole.modelSignature);
        QCOMPARE(meta.step, whole.step);
        QCOMPARE(meta.buildId, whole.buildId);
        QVERIFY(meta.pendingSums == whole.pendingSums);
        QVERIFY(!meta.modelSignature.empty());
        QCOMPARE(meta.formatVersion, kCheckpointFormatVersion);
        if (file == path("meta.pt")) {
            QCOMPARE(meta.step, int64_t { 123456789012 });
            QCOMPARE(meta.elapsedSeconds, 12.5);
            QCOMPARE(meta.pendingSums.size(), size_t { 2 });
            QCOMPARE(meta.pendingSums[1].second, -3.0);
            QCOMPARE(meta.pendingCount, int64_t { 3 });
        }
    }

    void metadataOfBadFilesFailsAsTheReaderDoes()
    {
        QFile garbage(path("garbage.pt"));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("this is not a checkpoint at all");
        garbage.close();
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, readCheckpointMeta(path("garbage.pt").toStdString()));
        QVERIFY_THROWS_EXCEPTION(IoError, readCheckpointMeta(path("nope.pt").toStdString()));
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        archive.save_to(path("foreign2.pt").toStdString());
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, readCheckpointMeta(path("foreign2.pt").toStdString()));
    }

    void missingFileIsAnIoError()
    {
        QVERIFY_THROWS_EXCEPTION(IoError, CheckpointReader(path("nope.pt").toStdString()));
    }

    void failedSaveKeepsThePreviousCheckpoint()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("keep.pt"), *net, opt, gen, 5);
        const QByteArray before = readAll(path("keep.pt"));
        saveTrained(path("keep.pt"), *net, opt, gen, 6); // overwrite works
        QVERIFY(readAll(path("keep.pt")) != before);
        QCOMPARE(
            QDir(m_dir.path()).entryList({ ".keep.pt.tmp*" }, QDir::Hidden | QDir::Files).size(),
            0);
        // Saving into a folder that does not exist fails loudly and touches nothing.
        const QByteArray good = readAll(path("keep.pt"));
        QVERIFY_THROWS_EXCEPTION(IoError, saveTrained(path("missing/keep.pt"), *net, opt, gen, 7));
        QCOMPARE(readAll(path("keep.pt")), good);
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
