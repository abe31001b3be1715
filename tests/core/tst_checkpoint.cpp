#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/notices.h"
#include "core/checkpoint/archive_file.h"
#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/data_only_file.h"
#include "core/checkpoint/safetensors.h"
#include "core/io/atomic_file.h"
#include "core/io/tensorboard.h"
#include "core/models/classifier.h"
#include "core/models/denoiser_net.h"
#include "core/sampling/checkpoint_sampler.h"
#include "tests/test_support.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/optim/adam.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cstdio>
#include <functional>
#include <map>

using namespace ddil;

namespace {
// The model of smallNet(), as a checkpoint's embedded config describes it.
ModelConfig smallModel(int hidden = 32)
{
    ModelConfig mc;
    mc.hidden = hidden;
    mc.depth = 1;
    mc.time_embedding = 8;
    return mc;
}

std::shared_ptr<DenoiserNet> smallNet(int hidden = 32)
{
    return makeDenoiserNet(smallModel(hidden), { 2 }, 8);
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

void writeBytes(const QString& path, const std::string& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes.data(), static_cast<qint64>(bytes.size()));
}

std::string u64(std::uint64_t v)
{
    std::string out;
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return out;
}

// A safetensors file of `header` (JSON text) and `data`, with ddil.crc32c made right when the
// header holds it as "ddil.crc32c":"00000000".
std::string safetensorsFile(const std::string& header, const std::string& data)
{
    std::string bytes = u64(header.size()) + header + data;
    const std::string key = "\"ddil.crc32c\":\"";
    if (const auto at = bytes.find(key + "00000000"); at != std::string::npos) {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", crc32c(bytes.data(), bytes.size()));
        bytes.replace(at + key.size(), 8, hex);
    }
    return bytes;
}

// The file `bytes` with its header changed by `change` (the data kept) and its CRC made right.
std::string withHeader(const std::string& bytes, const std::function<void(nlohmann::json&)>& change)
{
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    auto header = nlohmann::json::parse(bytes.substr(8, n));
    change(header);
    header["__metadata__"]["ddil.crc32c"] = "00000000";
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    return safetensorsFile(text, bytes.substr(8 + n));
}

// A checkpoint in the earlier "DDILDAT1" format, as its writer made them: the metadata as
// top-level values and the net's parameters under "model".
std::string earlierFormatCheckpoint(DenoiserNet& net, const RunConfig& config, int64_t step)
{
    using Json = nlohmann::ordered_json;
    std::string payload;
    Json model = Json::array();
    std::map<std::string, Json> archives; // dotted prefix -> its entries
    for (const auto& p : net.named_parameters()) {
        const auto t = p.value().contiguous();
        const auto bytes = static_cast<std::size_t>(t.numel() * t.element_size());
        Json spec { { "dtype", "float32" }, { "shape", t.sizes().vec() },
            { "offset", payload.size() }, { "bytes", bytes } };
        payload.append(static_cast<const char*>(t.data_ptr()), bytes);
        const std::string name = p.key();
        const auto dot = name.rfind('.');
        archives[dot == std::string::npos ? "" : name.substr(0, dot)].push_back(
            { dot == std::string::npos ? name : name.substr(dot + 1), { { "tensor", spec } } });
    }
    // Nest the archives, deepest first.
    for (auto it = archives.rbegin(); it != archives.rend(); ++it) {
        if (it->first.empty())
            continue;
        const auto dot = it->first.rfind('.');
        archives[dot == std::string::npos ? "" : it->first.substr(0, dot)].push_back(
            { dot == std::string::npos ? it->first : it->first.substr(dot + 1),
                { { "archive", { { "entries", it->second } } } } });
    }
    const auto value
        = [](const char* key, Json v) { return Json::array({ key, { { "value", v } } }); };
    Json root = Json::array({ value("format", { { "string", "ddil-checkpoint" } }),
        value("format_version", { { "int", 1 } }),
        value("config", { { "string", configToJson(config) } }),
        value("model_signature", { { "string", net.signature() } }),
        value("step", { { "int", step } }),
        Json::array({ "model", { { "archive", { { "entries", archives[""] } } } } }) });
    const std::string header
        = Json { { "payload_bytes", payload.size() }, { "root", { { "entries", root } } } }.dump();
    std::string bytes = "DDILDAT1" + u64(header.size()) + header + payload;
    const std::uint32_t crc = crc32c(bytes.data(), bytes.size());
    for (int i = 0; i < 4; ++i)
        bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return bytes;
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
        meta.config.model = smallModel();
        meta.config.train.steps = static_cast<int>(std::max<int64_t>(step, 4000));
        meta.modelSignature = net.signature();
        meta.step = step;
        meta.elapsedSeconds = 12.5;
        meta.buildId = "test";
        meta.pendingSums = { { "train/loss", 1.25 }, { "train/grad_norm", -3.0 } };
        meta.pendingCount = std::min<int64_t>(3, step);
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
        saveTrained(path("a.safetensors"), *net, opt, gen, 17);
        const auto nextDraw = torch::randn({ 5 }, gen);

        torch::manual_seed(1);
        auto other = smallNet();
        QVERIFY(maxDiff(*net, *other) > 0);
        torch::optim::Adam otherOpt(other->parameters(), 1e-2);
        CheckpointReader reader(path("a.safetensors").toStdString());
        QCOMPARE(reader.meta().step, int64_t { 17 });
        QCOMPARE(reader.meta().elapsedSeconds, 12.5);
        QCOMPARE(reader.meta().config.name, std::string("ckpt-test"));
        QCOMPARE(reader.meta().modelSignature, net->signature());
        QVERIFY(reader.hasEma());
        reader.loadModel(*other, other->signature());
        QCOMPARE(maxDiff(*net, *other), 0.0);
        reader.loadOptimizer(otherOpt);
        auto restored = at::detail::createCPUGenerator(0);
        reader.restoreRng(restored);
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
        saveTrained(path("b.safetensors"), *net, opt, gen, 1);
        auto wider = smallNet(64);
        CheckpointReader reader(path("b.safetensors").toStdString());
        try {
            reader.loadModel(*wider, wider->signature());
            QFAIL("loading into another architecture must fail");
        } catch (const CheckpointError& e) {
            const QString msg = e.what();
            QVERIFY2(msg.contains("hidden=32") && msg.contains("hidden=64")
                    && msg.contains("b.safetensors"),
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
        QFile f(path("bad.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        try {
            CheckpointReader reader(path("bad.safetensors").toStdString());
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
        saveTrained(path("full.safetensors"), *net, opt, gen, 1);
        const QByteArray bytes = readAll(path("full.safetensors"));
        QFile f(path("cut.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.left(bytes.size() / 2));
        f.close();
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, CheckpointReader(path("cut.safetensors").toStdString()));
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

    // A safetensors file of someone else's archive (no "format" in its metadata) is not ours.
    void foreignSafetensorsFileIsNotOurs()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        writeBytes(path("foreign.safetensors"), encodeArchive(archive, { { "framework", "pt" } }));
        for (const auto& read : std::vector<std::function<void()>> {
                 [&] { CheckpointReader reader(path("foreign.safetensors").toStdString()); },
                 [&] { readCheckpointMeta(path("foreign.safetensors").toStdString()); } }) {
            try {
                read();
                QFAIL("a plain archive is not a workbench checkpoint");
            } catch (const CheckpointError& e) {
                QVERIFY2(QString(e.what()).contains("not a DDIL Workbench checkpoint"), e.what());
            }
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
        config.model = smallModel();
        archive.write("config", c10::IValue(configToJson(config)));
        archive.write("model_signature", c10::IValue(net->signature()));
        archive.write("step", c10::IValue(int64_t { 77 }));
        net->save(model);
        archive.write("model", model);
        archive.save_to(path("legacy.pt").toStdString());
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, CheckpointReader(path("legacy.pt").toStdString()));
        convertLegacyCheckpoint(
            path("legacy.pt").toStdString(), path("converted.safetensors").toStdString());
        CheckpointReader reader(path("converted.safetensors").toStdString());
        QCOMPARE(reader.meta().step, int64_t { 77 });
        auto loaded = smallNet();
        reader.loadModel(*loaded, loaded->signature());
        QCOMPARE(maxDiff(*net, *loaded), 0.0);
        // A file of the new format is not converted again.
        QVERIFY_THROWS_EXCEPTION(CheckpointError,
            convertLegacyCheckpoint(path("converted.safetensors").toStdString(),
                path("again.safetensors").toStdString()));
    }

    // The earlier "DDILDAT1" files are still read (with a notice) and convert to safetensors with
    // the same weights and metadata.
    void earlierDataOnlyFileIsReadAndConverts()
    {
        torch::manual_seed(4);
        auto net = smallNet();
        RunConfig config;
        config.name = "earlier";
        config.model = smallModel();
        writeBytes(path("earlier.pt"), earlierFormatCheckpoint(*net, config, 55));
        QStringList notices;
        const auto previous = setNoticeHandler(
            [&](const std::string& line) { notices << QString::fromStdString(line); });
        {
            CheckpointReader reader(path("earlier.pt").toStdString());
            QCOMPARE(reader.meta().step, int64_t { 55 });
            QCOMPARE(reader.meta().formatVersion, 1);
            auto loaded = smallNet();
            reader.loadModel(*loaded, loaded->signature());
            QCOMPARE(maxDiff(*net, *loaded), 0.0);
        }
        setNoticeHandler(previous);
        QCOMPARE(notices.size(), 1);
        QVERIFY2(notices[0].contains("earlier DDILDAT1 format")
                && notices[0].contains("ddil convert-checkpoint"),
            qPrintable(notices[0]));
        QCOMPARE(readCheckpointMeta(path("earlier.pt").toStdString()).config.name,
            std::string("earlier"));
        convertLegacyCheckpoint(
            path("earlier.pt").toStdString(), path("earlier.safetensors").toStdString());
        CheckpointReader converted(path("earlier.safetensors").toStdString());
        QCOMPARE(converted.meta().formatVersion, kCheckpointFormatVersion);
        QCOMPARE(converted.meta().step, int64_t { 55 });
        QCOMPARE(converted.meta().config.name, std::string("earlier"));
        auto loaded = smallNet();
        converted.loadModel(*loaded, loaded->signature());
        QCOMPARE(maxDiff(*net, *loaded), 0.0);
    }

    // The file is safetensors: tensors by dotted names, metadata as strings, the CRC beside them.
    void checkpointIsASafetensorsFile()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("st.safetensors"), *net, opt, gen, 9);
        const auto header = readSafetensorsHeader(path("st.safetensors").toStdString());
        QCOMPARE(header.metadata.at("format"), std::string("ddil-checkpoint"));
        QCOMPARE(header.metadata.at("format_version"), std::string("2"));
        QCOMPARE(header.metadata.at("step"), std::string("9"));
        QCOMPARE(header.metadata.at("model_signature"), net->signature());
        QVERIFY(header.hasCrc());
        QCOMPARE(header.dataStart() % 8, std::uint64_t { 0 });
        for (const auto& p : net->named_parameters()) {
            const auto* entry = header.find("model." + p.key());
            QVERIFY2(entry, p.key().c_str());
            QVERIFY(entry->shape == p.value().sizes().vec());
            QVERIFY(header.find("ema." + p.key()));
        }
        QVERIFY(header.find("rng_state"));
        // The optimiser's moments are tensors too; its plain values are in the layout.
        int moments = 0;
        for (const auto& t : header.tensors)
            moments += t.name.rfind("optimizer.", 0) == 0 ? 1 : 0;
        QCOMPARE(moments, 2 * int(net->parameters().size()) + 2);
    }

    // The metadata come from the header alone; the full read (with the CRC) is the reader's.
    void metadataReadsOnlyTheHeader()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("hdr.safetensors"), *net, opt, gen, 3);
        const QByteArray bytes = readAll(path("hdr.safetensors"));
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        resetFileReads();
        QCOMPARE(readCheckpointMeta(path("hdr.safetensors").toStdString()).step, int64_t { 3 });
        auto reads = fileReads(path("hdr.safetensors").toStdString());
        QCOMPARE(reads.wholeReads, 0);
        QCOMPARE(reads.bytes, 24 + n); // the first 16 bytes to tell the format, then 8 + N
        CheckpointReader reader(path("hdr.safetensors").toStdString());
        reads = fileReads(path("hdr.safetensors").toStdString());
        QCOMPARE(reads.wholeReads, 1);
        // The reader checks the header (16, then 8 + N bytes) before it reads the whole file.
        QCOMPARE(reads.bytes, 2 * (24 + n) + std::uint64_t(bytes.size()));
    }

    // A file another tool wrote has no CRC of ours: read, with one notice; a wrong CRC is refused.
    void crcAbsentIsANoticeAndWrongIsRefused()
    {
        auto net = smallNet();
        torch::serialize::OutputArchive model;
        net->save(model);
        RunConfig config;
        config.model = smallModel();
        const std::string json = configToJson(config);
        torch::serialize::OutputArchive archive;
        archive.write("model", model);
        std::string bytes = encodeArchive(archive,
            { { "format", "ddil-checkpoint" }, { "format_version", "2" }, { "config", json },
                { "model_signature", net->signature() } });
        // Without ddil.crc32c and our archive layout: the header rewritten as another tool
        // would write it.
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        auto header = nlohmann::ordered_json::parse(bytes.substr(8, n));
        header["__metadata__"].erase("ddil.crc32c");
        // Our layout without its CRC is a damaged file of ours (a flipped bit in the key): refused.
        std::string damaged = header.dump(1);
        writeBytes(
            path("damaged.safetensors"), u64(damaged.size()) + damaged + bytes.substr(8 + n));
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, CheckpointReader(path("damaged.safetensors").toStdString()));
        header["__metadata__"].erase("ddil.archive");
        std::string text = header.dump(1);
        writeBytes(path("nocrc.safetensors"), u64(text.size()) + text + bytes.substr(8 + n));
        QStringList notices;
        const auto previous = setNoticeHandler(
            [&](const std::string& line) { notices << QString::fromStdString(line); });
        CheckpointReader reader(path("nocrc.safetensors").toStdString());
        setNoticeHandler(previous);
        auto loaded = smallNet();
        reader.loadModel(*loaded, loaded->signature());
        QCOMPARE(maxDiff(*net, *loaded), 0.0);
        QCOMPARE(notices.size(), 1);
        QVERIFY2(notices[0].contains("without an integrity check"), qPrintable(notices[0]));
        // One wrong digit of the CRC itself.
        const auto at = bytes.find("\"ddil.crc32c\":\"") + 15;
        bytes[at] = bytes[at] == '0' ? '1' : '0';
        writeBytes(path("badcrc.safetensors"), bytes);
        try {
            CheckpointReader bad(path("badcrc.safetensors").toStdString());
            QFAIL("a wrong CRC must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("CRC-32C does not match"), e.what());
        }
    }

    // The library's rules and this reader's own, each broken once in a file whose CRC is right:
    // refused in one line naming the file and the rule.
    void safetensorsRulesAreEnforced_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("data");
        QTest::addColumn<QString>("expected");
        const QString meta = R"("__metadata__":{"ddil.crc32c":"00000000"})";
        // A header whose metadata hold `layout` as the archive layout.
        const auto withLayout = [](const nlohmann::json& layout) {
            return QString::fromStdString(nlohmann::json {
                { "__metadata__",
                    { { "ddil.crc32c", "00000000" }, { "ddil.archive", layout.dump() } } } }
                    .dump());
        };
        const auto row
            = [&](const char* name, const QString& tensors, int data, const char* expected) {
                  QTest::newRow(name) << "{" + meta + (tensors.isEmpty() ? "" : "," + tensors) + "}"
                                      << data << expected;
              };
        row("gap",
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]})",
            12, "a gap before it");
        row("overlap",
            R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})",
            12, "overlaps");
        row("bytes after the last tensor",
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 8,
            "the tensors cover 4 bytes");
        row("range past the file",
            R"("a":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]})", 8,
            "the tensors cover 1073741824 bytes");
        row("shape against offsets", R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]})", 8,
            "need 4 x 4 bytes");
        row("offsets backwards", R"("a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]})", 8,
            "end before they begin");
        row("element count overflows",
            R"("a":{"dtype":"F64","shape":[1099511627776,1099511627776],"data_offsets":[0,0]})", 0,
            "overflows");
        row("dtype the library has", R"("a":{"dtype":"U32","shape":[1],"data_offsets":[0,4]})", 4,
            "not one this program reads");
        row("unknown dtype", R"("a":{"dtype":"object","shape":[1],"data_offsets":[0,8]})", 8,
            "unknown dtype");
        row("unknown field", R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0})",
            4, "unknown field");
        row("tensor name twice",
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]})",
            8, "duplicate key");
        row("field twice", R"("a":{"dtype":"I64","dtype":"F32","shape":[1],"data_offsets":[0,4]})",
            4, "duplicate key");
        row("control character in a name",
            R"("a\u0085b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 4, "printable ASCII");
        row("nested deep", R"("a":{"dtype":"F32","shape":[[[[[[1]]]]]],"data_offsets":[0,4]})", 4,
            "nested deeper");
        QTest::newRow("metadata not strings")
            << R"({"__metadata__":{"ddil.crc32c":"00000000","step":3}})" << 0 << "is not a string";
        QTest::newRow("not an object") << R"(["a"])" << 0 << "does not start with '{'";
        QTest::newRow("layout names a missing tensor") << withLayout(
            nlohmann::json { { "w", "tensor" } }) << 0 << "which the file does not hold";
        QTest::newRow("tensor left out of the layout")
            << R"({"__metadata__":{"ddil.crc32c":"00000000","ddil.archive":"{}"},)"
               R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})"
            << 4 << "not in the archive layout";
        QTest::newRow("layout value of unknown type")
            << withLayout(nlohmann::json { { "v", { { "value", { { "code", 1 } } } } } }) << 0
            << "unknown type";
    }
    void safetensorsRulesAreEnforced()
    {
        QFETCH(QString, header);
        QFETCH(int, data);
        QFETCH(QString, expected);
        writeBytes(path("rule.safetensors"),
            safetensorsFile(header.toStdString(), std::string(static_cast<size_t>(data), '\x01')));
        try {
            const auto bytes = readAll(path("rule.safetensors")).toStdString();
            const auto parsed = parseSafetensorsHeader(bytes, bytes.size(), "rule.safetensors");
            QVERIFY(verifySafetensorsCrc(bytes, parsed, "rule.safetensors"));
            decodeArchive(bytes, parsed, "rule.safetensors");
            QFAIL("a file that breaks a rule must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains(expected)
                    && QString(e.what()).startsWith("rule.safetensors: ")
                    && !QString(e.what()).contains('\n'),
                e.what());
        }
    }

    void headerLengthBeyondTheLimitIsRefusedUnread()
    {
        // 100,000,001 bytes claimed: refused from the first 8 bytes, before any allocation.
        writeBytes(path("huge.safetensors"), u64(100000001) + "{}");
        try {
            readSafetensorsHeader(path("huge.safetensors").toStdString());
            QFAIL("a header over 100 MB must be refused");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("more than the format's 100,000,000"), e.what());
        }
        QVERIFY(fileReads(path("huge.safetensors").toStdString()).bytes <= 16);
    }

    // Lies that keep the bytes (a shape or dtype rewritten with the same byte count, the CRC
    // made right) pass the file's checks; loading refuses them, naming the parameter, what the
    // model needs and the file.
    void tensorsMustFitTheirParameters_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("expected");
        QTest::newRow("[32] stored as [1, 32]")
            << "[1,32]" << "F32"
            << "in_proj.bias is Float [1, 32] in the file, the model needs Float [32]";
        QTest::newRow("int32 for float32")
            << "[32]" << "I32"
            << "in_proj.bias is Int [32] in the file, the model needs Float [32]";
    }
    void tensorsMustFitTheirParameters()
    {
        QFETCH(QString, shape);
        QFETCH(QString, dtype);
        QFETCH(QString, expected);
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("fit.safetensors"), *net, opt, gen, 2);
        writeBytes(path("lie.safetensors"),
            withHeader(readAll(path("fit.safetensors")).toStdString(), [&](nlohmann::json& h) {
                h["model.in_proj.bias"]["shape"] = nlohmann::json::parse(shape.toStdString());
                h["model.in_proj.bias"]["dtype"] = dtype.toStdString();
            }));
        CheckpointReader reader(path("lie.safetensors").toStdString());
        auto other = smallNet();
        const auto before = other->named_parameters()["in_proj.bias"].clone();
        try {
            reader.loadModel(*other, other->signature());
            QFAIL("a tensor that does not fit its parameter must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains(expected)
                    && QString(e.what()).contains("lie.safetensors"),
                e.what());
        }
        // Refused before anything was loaded.
        QVERIFY(torch::equal(other->named_parameters()["in_proj.bias"], before));
    }

    // Adam's moments load into LibTorch whatever their shape; the first step would then fail with
    // LibTorch's text. They are checked against their parameters, and must all be there.
    void optimiserMomentsMustFitTheirParameters()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("opt.safetensors"), *net, opt, gen, 2);
        const auto bytes = readAll(path("opt.safetensors")).toStdString();
        std::string moment; // a [32] moment: the first exp_avg_sq of that shape
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        const auto header = nlohmann::json::parse(bytes.substr(8, n));
        for (const auto& [key, value] : header.items())
            if (moment.empty() && key.rfind("optimizer.", 0) == 0 && key.size() > 11
                && key.substr(key.size() - 11) == ".exp_avg_sq"
                && value["shape"] == nlohmann::json::array({ 32 }))
                moment = key;
        QVERIFY(!moment.empty());
        writeBytes(path("opt-lie.safetensors"), withHeader(bytes, [&](nlohmann::json& h) {
            h[moment]["shape"] = nlohmann::json::array({ 1, 32 });
        }));
        auto other = smallNet();
        torch::optim::Adam otherOpt(other->parameters(), 1e-2);
        try {
            CheckpointReader(path("opt-lie.safetensors").toStdString()).loadOptimizer(otherOpt);
            QFAIL("a moment that does not fit its parameter must not load");
        } catch (const CheckpointError& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("opt-lie.safetensors: optimiser state does not fit the model: "
                                   "exp_avg_sq of parameter #")
                    && what.contains(" is Float [1, 32] in the file, the parameter is Float [32]"),
                e.what());
        }

        // A parameter without moments past step 0 (a file with part of its state cut).
        auto partial = smallNet();
        torch::optim::Adam partialOpt(partial->parameters(), 1e-2);
        partialOpt.zero_grad();
        partial->named_parameters()["out_proj.bias"].sum().backward(); // one parameter stepped
        partialOpt.step();
        CheckpointMeta meta;
        meta.config.model = smallModel();
        meta.modelSignature = partial->signature();
        for (const int64_t step : { 0, 5 }) {
            meta.step = step;
            saveCheckpoint(path("part.safetensors").toStdString(), meta, *partial, partial.get(),
                &partialOpt, gen.get_state());
            torch::optim::Adam fresh(smallNet()->parameters(), 1e-2);
            try {
                CheckpointReader(path("part.safetensors").toStdString()).loadOptimizer(fresh);
                QVERIFY2(step == 0, "a stepped run's optimiser without all its moments loaded");
            } catch (const CheckpointError& e) {
                QVERIFY2(step > 0 && QString(e.what()).contains("optimiser state is incomplete"),
                    e.what());
            }
        }
    }

    void rngStateIsCheckedBeforeTheGeneratorSeesIt()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("rng.safetensors"), *net, opt, gen, 2);
        const auto size = gen.get_state().numel();
        writeBytes(path("rng-shape.safetensors"),
            withHeader(readAll(path("rng.safetensors")).toStdString(), [&](nlohmann::json& h) {
                h["rng_state"]["shape"] = nlohmann::json::array({ 2, size / 2 });
            }));
        CheckpointMeta meta;
        meta.config.model = smallModel();
        meta.modelSignature = net->signature();
        saveCheckpoint(path("rng-zero.safetensors").toStdString(), meta, *net, net.get(), &opt,
            torch::zeros_like(gen.get_state()));
        const std::vector<std::pair<QString, QString>> cases {
            { "rng-shape.safetensors",
                QString("RNG state is Byte [2, %1], the generator's is Byte [%2]")
                    .arg(size / 2)
                    .arg(size) },
            { "rng-zero.safetensors", "RNG state is not a valid generator state" },
        };
        for (const auto& [file, expected] : cases) {
            auto restored = at::detail::createCPUGenerator(0);
            const auto before = restored.get_state();
            try {
                CheckpointReader(m_dir.filePath(file).toStdString()).restoreRng(restored);
                QFAIL(qPrintable(file + " restored"));
            } catch (const CheckpointError& e) {
                QVERIFY2(QString(e.what()).contains(file + ": " + expected), e.what());
            }
            QVERIFY(torch::equal(restored.get_state(), before));
        }
    }

    void nonFiniteWeightsAreRefusedNamingTheParameter()
    {
        auto net = smallNet();
        {
            torch::NoGradGuard noGrad;
            net->named_parameters()["out_proj.weight"][0][1] = std::nan("");
        }
        CheckpointMeta meta;
        meta.config.model = smallModel();
        meta.modelSignature = net->signature();
        saveCheckpoint(path("nan.safetensors").toStdString(), meta, *net, nullptr, nullptr, {});
        CheckpointReader reader(path("nan.safetensors").toStdString());
        auto other = smallNet();
        try {
            reader.loadModel(*other, other->signature());
            QFAIL("NaN weights must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("out_proj.weight holds NaN or Inf")
                    && QString(e.what()).contains("nan.safetensors"),
                e.what());
        }
    }

    // Finite weights that overflow (1e38 in the output layer): sampling them is an error naming
    // the file, never a tensor of NaN handed on to a file or a score.
    void overflowingSamplesAreAnError()
    {
        auto net = smallNet();
        {
            torch::NoGradGuard noGrad;
            net->named_parameters()["out_proj.weight"].fill_(1e38);
        }
        CheckpointMeta meta;
        meta.config.model = smallModel();
        meta.modelSignature = net->signature();
        saveCheckpoint(path("huge.safetensors").toStdString(), meta, *net, nullptr, nullptr, {});
        CheckpointReader reader(path("huge.safetensors").toStdString());
        CheckpointSampler sampler(reader, { 2 }, 8, torch::kCPU, 0);
        auto gen = at::detail::createCPUGenerator(0);
        try {
            sampler.sample(torch::zeros({ 16 }, torch::kInt64), 4, std::nullopt, 0.0, gen);
            QFAIL("samples of NaN or Inf must not be returned");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("huge.safetensors: the model's samples are not "
                                                "finite (16 of 16 hold NaN or Inf)"),
                e.what());
        }
    }

    // The bound used to refuse a net before it is built is a true lower bound, and near the
    // real count (within 3x) for the shipped kinds of net.
    void minimumParameterCountIsALowerBound()
    {
        ModelConfig mlp;
        mlp.hidden = 64;
        mlp.depth = 2;
        ModelConfig unet;
        unet.kind = ModelKind::Unet;
        unet.channels = 16;
        unet.channel_mult = { 1, 2 };
        unet.depth = 1;
        ModelConfig attention = unet;
        attention.channel_mult = { 1, 2, 2 };
        attention.depth = 2;
        for (const auto& [config, shape] :
            std::vector<std::pair<ModelConfig, std::vector<int64_t>>> {
                { mlp, { 2 } }, { unet, { 1, 28, 28 } }, { attention, { 3, 16, 16 } } }) {
            const double actual = double(parameterCount(*makeDenoiserNet(config, shape, 10)));
            const double bound = minimumParameterCount(config);
            QVERIFY2(bound <= actual && bound * 3 >= actual,
                qPrintable(QString("bound %1, actual %2").arg(bound).arg(actual)));
        }
        ModelConfig classifier;
        classifier.kind = ModelKind::Classifier;
        classifier.channels = 16;
        classifier.hidden = 64;
        const double actual = double(parameterCount(ClassifierNet(classifier, { 1, 28, 28 }, 10)));
        QVERIFY(minimumParameterCount(classifier) <= actual
            && minimumParameterCount(classifier) * 3 >= actual);
    }

    // Metadata that parse but mean nothing: a negative step or pending count, an embedded config
    // that would read another file.
    void meaninglessMetadataIsRefused_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("negative step") << "step" << "-1000000" << "is negative";
        QTest::newRow("negative pending count") << "pending_count" << "-3" << "is negative";
        QTest::newRow("step past the total")
            << "step" << "100000000" << "step 100000000 is past its config's train.steps";
        QTest::newRow("pending past the step")
            << "pending_count" << "3" << "pending count 3 is past its step 2";
        QTest::newRow("elapsed NaN") << "elapsed_seconds" << "nan" << "elapsed time";
        // An 87 KB file asking for a net of 8192 x 8192 x 129 weights: refused unbuilt.
        QTest::newRow("config of a huge model")
            << "config"
            << R"({"schema_version": 1, "name": "big", "model": {"hidden": 8192, "depth": 64}})"
            << "describes a model of at least 8.66e+09 parameters";
        QTest::newRow("elapsed negative") << "elapsed_seconds" << "-1" << "elapsed time";
        QTest::newRow("config that extends") << "config"
                                             << R"({"schema_version": 1, "extends": "/etc/passwd"})"
                                             << "embedded config names \"extends\"";
    }
    void meaninglessMetadataIsRefused()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("meta-ok.safetensors"), *net, opt, gen, 2);
        writeBytes(path("meta-bad.safetensors"),
            withHeader(readAll(path("meta-ok.safetensors")).toStdString(), [&](nlohmann::json& h) {
                h["__metadata__"][key.toStdString()] = value.toStdString();
            }));
        for (const auto& read : std::vector<std::function<void()>> {
                 [&] { CheckpointReader reader(path("meta-bad.safetensors").toStdString()); },
                 [&] { readCheckpointMeta(path("meta-bad.safetensors").toStdString()); } }) {
            try {
                read();
                QFAIL("meaningless metadata must be refused");
            } catch (const CheckpointError& e) {
                QVERIFY2(QString(e.what()).contains(expected)
                        && QString(e.what()).contains("meta-bad.safetensors"),
                    e.what());
            }
        }
    }

    // A flipped byte anywhere (here in the weights) fails the CRC: refused, naming the file.
    void flippedPayloadByteIsRefusedNamingTheFile()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("flip.safetensors"), *net, opt, gen, 1);
        QByteArray bytes = readAll(path("flip.safetensors"));
        bytes[bytes.size() - 40] = static_cast<char>(bytes[bytes.size() - 40] ^ 0x10);
        QFile f(path("flipped.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        try {
            CheckpointReader reader(path("flipped.safetensors").toStdString());
            QFAIL("a changed checkpoint must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains("flipped.safetensors")
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
        QFile f(path("lying.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.data(), static_cast<qint64>(bytes.size()));
        f.close();
        try {
            CheckpointReader reader(path("lying.safetensors").toStdString());
            QFAIL("a lying header must not load");
        } catch (const CheckpointError& e) {
            QVERIFY2(QString(e.what()).contains(expected)
                    && QString(e.what()).contains("lying.safetensors"),
                e.what());
        }
    }

    void metadataOfEveryKindOfFile_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("a training checkpoint") << QString();
        QTest::newRow("shipped teacher") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-teacher.safetensors"));
        QTest::newRow("shipped evaluator") << QString::fromStdString(
            test::sourcePath("resources/weights/fashion-mnist-evaluator.safetensors"));
    }
    void metadataOfEveryKindOfFile()
    {
        QFETCH(QString, file);
        if (file.isEmpty()) {
            auto net = smallNet();
            torch::optim::Adam opt(net->parameters(), 1e-2);
            auto gen = at::detail::createCPUGenerator(3);
            saveTrained(path("meta.safetensors"), *net, opt, gen, 99999999);
            file = path("meta.safetensors");
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
        if (file == path("meta.safetensors")) {
            QCOMPARE(meta.step, int64_t { 99999999 });
            QCOMPARE(meta.elapsedSeconds, 12.5);
            QCOMPARE(meta.pendingSums.size(), size_t { 2 });
            QCOMPARE(meta.pendingSums[1].second, -3.0);
            QCOMPARE(meta.pendingCount, int64_t { 3 });
        }
    }

    void metadataOfBadFilesFailsAsTheReaderDoes()
    {
        QFile garbage(path("garbage.safetensors"));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("this is not a checkpoint at all");
        garbage.close();
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, readCheckpointMeta(path("garbage.safetensors").toStdString()));
        QVERIFY_THROWS_EXCEPTION(
            IoError, readCheckpointMeta(path("nope.safetensors").toStdString()));
        auto net = smallNet();
        torch::serialize::OutputArchive archive;
        net->save(archive);
        archive.save_to(path("foreign2.pt").toStdString());
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, readCheckpointMeta(path("foreign2.pt").toStdString()));
    }

    void missingFileIsAnIoError()
    {
        QVERIFY_THROWS_EXCEPTION(IoError, CheckpointReader(path("nope.safetensors").toStdString()));
    }

    void failedSaveKeepsThePreviousCheckpoint()
    {
        auto net = smallNet();
        torch::optim::Adam opt(net->parameters(), 1e-2);
        auto gen = at::detail::createCPUGenerator(1);
        saveTrained(path("keep.safetensors"), *net, opt, gen, 5);
        const QByteArray before = readAll(path("keep.safetensors"));
        saveTrained(path("keep.safetensors"), *net, opt, gen, 6); // overwrite works
        QVERIFY(readAll(path("keep.safetensors")) != before);
        QCOMPARE(QDir(m_dir.path())
                     .entryList({ ".keep.safetensors.tmp*" }, QDir::Hidden | QDir::Files)
                     .size(),
            0);
        // Saving into a folder that does not exist fails loudly and touches nothing.
        const QByteArray good = readAll(path("keep.safetensors"));
        QVERIFY_THROWS_EXCEPTION(
            IoError, saveTrained(path("missing/keep.safetensors"), *net, opt, gen, 7));
        QCOMPARE(readAll(path("keep.safetensors")), good);
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
