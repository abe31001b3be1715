#include "core/checkpoint/checkpoint.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/data_only_file.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <variant>

namespace ddil {

namespace {
// The earlier checkpoint format, LibTorch's TorchScript archive: a zip file.
bool isTorchScriptArchive(const std::string& bytes)
{
    return bytes.compare(0, 4, "PK\x03\x04") == 0;
}

constexpr const char* kFormatTag = "ddil-checkpoint";

std::string firstLine(const std::string& text)
{
    const auto pos = text.find('\n');
    return pos == std::string::npos ? text : text.substr(0, pos);
}

// The metadata from the archive's top-level values.
using FieldLookup = std::function<std::optional<PlainValue>(const char* key)>;

template <class T>
const T* as(const std::optional<PlainValue>& value)
{
    return value ? std::get_if<T>(&*value) : nullptr;
}

CheckpointMeta metaFromFields(const std::string& path, const FieldLookup& field)
{
    CheckpointMeta meta;
    const auto format = field("format");
    if (!as<std::string>(format) || *as<std::string>(format) != kFormatTag)
        throw CheckpointError(path + ": not a DDIL Workbench checkpoint (no \""
            + std::string(kFormatTag) + "\" tag)");
    const auto version = field("format_version");
    if (!as<int64_t>(version))
        throw CheckpointError(path + ": checkpoint has no format version");
    meta.formatVersion = static_cast<int>(*as<int64_t>(version));
    if (meta.formatVersion > kCheckpointFormatVersion)
        throw CheckpointError(path + ": checkpoint format " + std::to_string(meta.formatVersion)
            + " is newer than this build reads (" + std::to_string(kCheckpointFormatVersion) + ")");
    const auto config = field("config");
    if (!as<std::string>(config))
        throw CheckpointError(path + ": checkpoint holds no config");
    const auto loaded = parseConfig(*as<std::string>(config), path + " (embedded config)");
    // Rules about how a config trains do not stop its model from being sampled (a checkpoint
    // trained before the rule existed stays usable).
    if (!loaded.readable())
        for (const auto& issue : loaded.errors())
            if (!issue.trainingOnly)
                throw CheckpointError(path + ": embedded config is invalid: " + issue.toString());
    meta.config = loaded.config;
    const auto signature = field("model_signature");
    if (!as<std::string>(signature))
        throw CheckpointError(path + ": checkpoint has no model signature");
    meta.modelSignature = *as<std::string>(signature);
    if (const auto step = field("step"); as<int64_t>(step))
        meta.step = *as<int64_t>(step);
    if (const auto elapsed = field("elapsed_seconds"); as<double>(elapsed))
        meta.elapsedSeconds = *as<double>(elapsed);
    if (const auto build = field("build_id"); as<std::string>(build))
        meta.buildId = *as<std::string>(build);
    if (const auto sums = field("pending_sums"); as<std::string>(sums)) {
        const auto pending = nlohmann::json::parse(*as<std::string>(sums), nullptr, false);
        if (!pending.is_array())
            throw CheckpointError(path + ": checkpoint's pending metrics are corrupt");
        for (const auto& item : pending)
            if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_number())
                meta.pendingSums.emplace_back(item[0].get<std::string>(), item[1].get<double>());
    }
    if (const auto count = field("pending_count"); as<int64_t>(count))
        meta.pendingCount = *as<int64_t>(count);
    return meta;
}

} // namespace

CheckpointMeta readCheckpointMeta(const std::string& path)
{
    const std::string bytes = readWholeFile(path);
    if (!isDataOnlyFile(bytes))
        return CheckpointReader(path).meta(); // its error
    const auto values = readDataOnlyPlainValues(bytes, path);
    return metaFromFields(path, [&](const char* key) -> std::optional<PlainValue> {
        const auto it = values.find(key);
        return it == values.end() ? std::nullopt : std::optional<PlainValue>(it->second);
    });
}

void saveCheckpoint(const std::string& path, const CheckpointMeta& meta,
    const torch::nn::Module& model, const torch::nn::Module* ema,
    const torch::optim::Optimizer* optimizer, const torch::Tensor& rngState,
    const ExtraStateWriter& extra)
{
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormatTag)));
    archive.write("format_version", c10::IValue(static_cast<int64_t>(meta.formatVersion)));
    archive.write("config", c10::IValue(configToJson(meta.config)));
    archive.write("model_signature", c10::IValue(meta.modelSignature));
    archive.write("step", c10::IValue(meta.step));
    archive.write("elapsed_seconds", c10::IValue(meta.elapsedSeconds));
    archive.write("build_id", c10::IValue(meta.buildId));
    nlohmann::ordered_json pending = nlohmann::ordered_json::array();
    for (const auto& [name, sum] : meta.pendingSums)
        pending.push_back({ name, sum });
    archive.write("pending_sums", c10::IValue(pending.dump()));
    archive.write("pending_count", c10::IValue(meta.pendingCount));
    torch::serialize::OutputArchive modelArchive;
    model.save(modelArchive);
    archive.write("model", modelArchive);
    if (ema) {
        torch::serialize::OutputArchive emaArchive;
        ema->save(emaArchive);
        archive.write("ema", emaArchive);
    }
    if (optimizer) {
        torch::serialize::OutputArchive optArchive;
        optimizer->save(optArchive);
        archive.write("optimizer", optArchive);
    }
    if (rngState.defined())
        archive.write("rng_state", rngState);
    if (extra) {
        torch::serialize::OutputArchive extraArchive;
        extra(extraArchive);
        archive.write("extra", extraArchive);
    }
    writeFileAtomically(path, encodeDataOnly(archive));
}

CheckpointReader::CheckpointReader(const std::string& path)
    : m_path(path)
{
    const std::string bytes = readWholeFile(path);
    if (isDataOnlyFile(bytes)) {
        m_archive = decodeDataOnly(bytes, path);
    } else if (isTorchScriptArchive(bytes)) {
        throw CheckpointError(path
            + ": a checkpoint in the earlier TorchScript format, which can run code from the file "
              "when loaded; if you trust the file, convert it once with `ddil convert-checkpoint "
            + path + " NEW.pt`");
    } else {
        throw CheckpointError(path + ": not a DDIL Workbench checkpoint (no \"DDILDAT1\" magic)");
    }
    m_meta = metaFromFields(path, [this](const char* key) -> std::optional<PlainValue> {
        c10::IValue value;
        if (!m_archive->try_read(key, value))
            return std::nullopt;
        if (value.isString())
            return value.toStringRef();
        if (value.isInt())
            return value.toInt();
        if (value.isDouble())
            return value.toDouble();
        if (value.isBool())
            return value.toBool();
        return std::nullopt;
    });
    torch::serialize::InputArchive probe;
    m_hasEma = m_archive->try_read("ema", probe);
    torch::serialize::InputArchive optimizerProbe;
    m_hasTrainingState = m_archive->try_read("optimizer", optimizerProbe);
}

void CheckpointReader::loadSub(
    const char* key, torch::nn::Module& net, const std::string& netSignature)
{
    if (netSignature != m_meta.modelSignature)
        throw CheckpointError(m_path + ": checkpoint holds model " + m_meta.modelSignature
            + " but the config describes " + netSignature);
    torch::serialize::InputArchive sub;
    if (!m_archive->try_read(key, sub))
        throw CheckpointError(m_path + ": checkpoint has no \"" + key + "\" weights");
    try {
        net.load(sub);
    } catch (const c10::Error& e) {
        throw CheckpointError(m_path + ": \"" + key
            + "\" weights do not fit the model: " + firstLine(e.what_without_backtrace()));
    }
}

void CheckpointReader::loadModel(
    torch::nn::Module& net, const std::string& netSignature, bool preferEma)
{
    loadSub(preferEma && m_hasEma ? "ema" : "model", net, netSignature);
}

void CheckpointReader::loadEma(torch::nn::Module& net, const std::string& netSignature)
{
    loadSub("ema", net, netSignature);
}

void CheckpointReader::loadOptimizer(torch::optim::Optimizer& optimizer)
{
    torch::serialize::InputArchive sub;
    if (!m_archive->try_read("optimizer", sub))
        throw CheckpointError(
            m_path + ": checkpoint has no optimiser state (cannot resume training from it)");
    try {
        optimizer.load(sub);
    } catch (const c10::Error& e) {
        throw CheckpointError(
            m_path + ": optimiser state does not fit: " + firstLine(e.what_without_backtrace()));
    }
}

bool CheckpointReader::readExtra(torch::serialize::InputArchive& out)
{
    return m_archive->try_read("extra", out);
}

torch::Tensor CheckpointReader::rngState()
{
    torch::Tensor state;
    if (!m_archive->try_read("rng_state", state))
        throw CheckpointError(
            m_path + ": checkpoint has no RNG state (cannot resume training from it)");
    return state;
}

void convertLegacyCheckpoint(const std::string& from, const std::string& to)
{
    const std::string bytes = readWholeFile(from);
    if (!isTorchScriptArchive(bytes))
        throw CheckpointError(from + ": not a checkpoint in the earlier TorchScript format");
    std::string converted;
    try {
        std::istringstream in(bytes);
        converted = encodeTorchArchive(in);
    } catch (const c10::Error& e) {
        throw CheckpointError(
            from + ": not a readable checkpoint: " + firstLine(e.what_without_backtrace()));
    }
    writeFileAtomically(to, converted);
    try {
        CheckpointReader check(to); // ours, and readable in the new format
    } catch (...) {
        std::remove(to.c_str());
        throw;
    }
}

} // namespace ddil
