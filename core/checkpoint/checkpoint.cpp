#include "core/checkpoint/checkpoint.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/checkpoint/pickle_prefix.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <caffe2/serialize/inline_container.h>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace ddil {

namespace {
constexpr const char* kFormatTag = "ddil-checkpoint";

std::string firstLine(const std::string& text)
{
    const auto pos = text.find('\n');
    return pos == std::string::npos ? text : text.substr(0, pos);
}

// The metadata from the archive's top-level values, whichever way they were read.
using FieldLookup = std::function<std::optional<PickledScalar>(const char* key)>;

template <class T>
const T* as(const std::optional<PickledScalar>& value)
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

// The leading plain values of the archive's data.pkl, read without its tensors; nullopt when
// the file is not laid out as expected (the caller then reads the whole archive, which gives
// the precise error).
std::optional<std::map<std::string, PickledScalar>> readArchiveHead(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return std::nullopt;
    try {
        caffe2::serialize::PyTorchStreamReader archive(&file);
        if (!archive.hasRecord("data.pkl"))
            return std::nullopt;
        auto [data, size] = archive.getRecord("data.pkl");
        return readLeadingAttributes(std::string(static_cast<const char*>(data.get()), size));
    } catch (const c10::Error&) {
        return std::nullopt;
    }
}
} // namespace

CheckpointMeta readCheckpointMeta(const std::string& path)
{
    if (const auto head = readArchiveHead(path); head && head->count("config")) {
        return metaFromFields(path, [&](const char* key) -> std::optional<PickledScalar> {
            const auto it = head->find(key);
            return it == head->end() ? std::nullopt : std::optional<PickledScalar>(it->second);
        });
    }
    return CheckpointReader(path).meta();
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
    std::ostringstream bytes;
    archive.save_to(bytes);
    writeFileAtomically(path, bytes.str());
}

CheckpointReader::CheckpointReader(const std::string& path)
    : m_path(path)
{
    const std::string bytes = readWholeFile(path);
    m_archive = std::make_unique<torch::serialize::InputArchive>();
    try {
        std::istringstream in(bytes);
        m_archive->load_from(in, torch::kCPU);
    } catch (const c10::Error& e) {
        throw CheckpointError(path + ": not a readable checkpoint (corrupt or truncated file): "
            + firstLine(e.what_without_backtrace()));
    }
    m_meta = metaFromFields(path, [this](const char* key) -> std::optional<PickledScalar> {
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

} // namespace ddil
