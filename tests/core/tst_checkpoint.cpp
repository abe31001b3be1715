#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/pickle_prefix.h"
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
                                 << "not a readable checkpoint";
        QTest::newRow("empty") << QByteArray() << "not a readable checkpoint";
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

    void foreignArchiveIsNotOurs()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        archive.save_to(path("foreign.pt").toStdString());
        try {
            CheckpointReader reader(path("foreign.pt").toStdString());
            QFAIL("a plain LibTorch archive is not a workbench checkpoint");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("not a DDIL Workbench checkpoint"), e.what());
        }
    }

    void metadataAloneMatchesTheWholeArchive_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("a training checkpoint") << QString();
        QTest::newRow("shipped teacher") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-teacher.pt"));
        QTest::newRow("shipped evaluator") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-evaluator.pt"));
    }
    void metadataAloneMatchesTheWholeArchive()
    {
        QFETCH(QString, file);
        if (file.isEmpty()) {
            auto net = smallNet();
            torch::optim::Adam opt(net->parameters(), 1e-2);
            auto gen = at::detail::createCPUGenerator(3);
            saveTrained(path("meta.pt"), *net, opt, gen, 123456789012);
            file = path("meta.pt");
        }
        const CheckpointMeta head = readCheckpointMeta(file.toStdString());
        const CheckpointMeta whole = CheckpointReader(file.toStdString()).meta();
        QCOMPARE(configToJson(head.config), configToJson(whole.config));
        QCOMPARE(head.modelSignature, whole.modelSignature);
        QCOMPARE(head.step, whole.step);
        QCOMPARE(head.elapsedSeconds, whole.elapsedSeconds);
        QCOMPARE(head.buildId, whole.buildId);
        QCOMPARE(head.formatVersion, whole.formatVersion);
        QVERIFY(head.pendingSums == whole.pendingSums);
        QCOMPARE(head.pendingCount, whole.pendingCount);
        QVERIFY(!head.modelSignature.empty());
        if (file == path("meta.pt")) {
            QCOMPARE(head.step, int64_t { 123456789012 }); // a LONG1 in the pickle
            QCOMPARE(head.pendingSums.size(), size_t { 2 });
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
        try {
            readCheckpointMeta(path("foreign2.pt").toStdString());
            QFAIL("a plain LibTorch archive is not a workbench checkpoint");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("not a DDIL Workbench checkpoint"), e.what());
        }
    }

    void pickleHeadIsReadUpToTheFirstObject()
    {
        // PROTO 2, GLOBAL, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK, then key/value pairs.
        std::string p = std::string("\x80\x02", 2) + "c__torch__\nModule\n"
            + std::string("q\x00", 2) + ")\x81}(";
        auto str = [&](const std::string& text) {
            const auto n = static_cast<uint32_t>(text.size());
            p += 'X';
            for (int i = 0; i < 4; ++i)
                p += static_cast<char>((n >> (8 * i)) & 0xff);
            p += text;
        };
        str("name");
        p += "q\x01";
        str("ok");
        str("small");
        p += "K\x07";
        str("negative");
        p += std::string("\x8a\x02\xfe\xff", 4); // LONG1 -2
        str("pi");
        p += std::string("G\x40\x09\x21\xfb\x54\x44\x2d\x18", 9); // BINFLOAT, big-endian
        str("flag");
        p += "\x88";
        p += "h\x01"; // the memoised key "name" again
        str("again");
        str("model");
        p += "c__torch__\nSub\n"; // a submodule: the plain values end here
        str("after");
        p += "K\x01";
        const auto values = readLeadingAttributes(p);
        QVERIFY(values.has_value());
        QCOMPARE(std::get<std::string>(values->at("name")), std::string("again"));
        QCOMPARE(std::get<int64_t>(values->at("small")), int64_t { 7 });
        QCOMPARE(std::get<int64_t>(values->at("negative")), int64_t { -2 });
        QCOMPARE(std::get<double>(values->at("pi")), 3.141592653589793);
        QCOMPARE(std::get<bool>(values->at("flag")), true);
        QVERIFY(!values->count("after"));
        QVERIFY(!readLeadingAttributes("not a pickle").has_value());
        QVERIFY(!readLeadingAttributes(p.substr(0, 5)).has_value());
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
