#include "core/train/checkpoint.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <sstream>

namespace ddil {

namespace {
constexpr const char* kFormatTag = "ddil-checkpoint";

std::string firstLine(const std::string& text)
{
    const auto pos = text.find('\n');
    return pos == std::string::npos ? text : text.substr(0, pos);
}
} // namespace

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
    c10::IValue value;
    if (!m_archive->try_read("format", value) || !value.isString()
        || value.toStringRef() != kFormatTag)
        throw CheckpointError(path + ": not a DDIL Workbench checkpoint (no \""
            + std::string(kFormatTag) + "\" tag)");
    if (!m_archive->try_read("format_version", value) || !value.isInt())
        throw CheckpointError(path + ": checkpoint has no format version");
    m_meta.formatVersion = static_cast<int>(value.toInt());
    if (m_meta.formatVersion > kCheckpointFormatVersion)
        throw CheckpointError(path + ": checkpoint format " + std::to_string(m_meta.formatVersion)
            + " is newer than this build reads (" + std::to_string(kCheckpointFormatVersion) + ")");
    if (!m_archive->try_read("config", value) || !value.isString())
        throw CheckpointError(path + ": checkpoint holds no config");
    const auto loaded = parseConfig(value.toStringRef(), path + " (embedded config)");
    if (!loaded.ok())
        throw CheckpointError(
            path + ": embedded config is invalid: " + loaded.errors().front().toString());
    m_meta.config = loaded.config;
    if (!m_archive->try_read("model_signature", value) || !value.isString())
        throw CheckpointError(path + ": checkpoint has no model signature");
    m_meta.modelSignature = value.toStringRef();
    if (m_archive->try_read("step", value) && value.isInt())
        m_meta.step = value.toInt();
    if (m_archive->try_read("elapsed_seconds", value) && value.isDouble())
        m_meta.elapsedSeconds = value.toDouble();
    if (m_archive->try_read("build_id", value) && value.isString())
        m_meta.buildId = value.toStringRef();
    if (m_archive->try_read("pending_sums", value) && value.isString()) {
        const auto pending = nlohmann::json::parse(value.toStringRef(), nullptr, false);
        if (!pending.is_array())
            throw CheckpointError(path + ": checkpoint's pending metrics are corrupt");
        for (const auto& item : pending)
            if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_number())
                m_meta.pendingSums.emplace_back(item[0].get<std::string>(), item[1].get<double>());
    }
    if (m_archive->try_read("pending_count", value) && value.isInt())
        m_meta.pendingCount = value.toInt();
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
