#include "core/checkpoint/checkpoint.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/notices.h"
#include "core/checkpoint/archive_file.h"
#include "core/checkpoint/data_only_file.h"
#include "core/checkpoint/strict_load.h"
#include "core/io/atomic_file.h"
#include "core/io/fnv_hash.h"
#include "core/io/strict_json.h"
#include "core/models/denoiser_net.h"

#include <nlohmann/json.hpp>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

// The metadata, as the strings a file's header holds.
using FieldLookup = std::function<std::optional<std::string>(const char* key)>;

std::optional<int64_t> integerField(const std::optional<std::string>& text)
{
    if (!text || text->empty() || text->size() > 20)
        return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text->c_str(), &end, 10);
    if (errno != 0 || *end != '\0')
        return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<double> doubleField(const std::optional<std::string>& text)
{
    if (!text || text->empty())
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text->c_str(), &end);
    if (*end != '\0')
        return std::nullopt;
    return v;
}

std::string plainText(const PlainValue& value)
{
    if (const auto* s = std::get_if<std::string>(&value))
        return *s;
    if (const auto* i = std::get_if<std::int64_t>(&value))
        return std::to_string(*i);
    if (const auto* b = std::get_if<bool>(&value))
        return *b ? "true" : "false";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(value));
    return buf;
}

std::string doubleText(double x)
{
    return plainText(PlainValue(x));
}

FieldLookup lookupIn(const std::map<std::string, std::string>& fields)
{
    return [&fields](const char* key) -> std::optional<std::string> {
        const auto it = fields.find(key);
        return it == fields.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

CheckpointMeta metaFromFields(const std::string& path, const FieldLookup& field)
{
    CheckpointMeta meta;
    const auto format = field("format");
    if (!format || *format != kFormatTag)
        throw CheckpointError(path + ": not a DDIL Workbench checkpoint (no \"format\": \""
            + std::string(kFormatTag) + "\" in its metadata)");
    const auto version = integerField(field("format_version"));
    if (!version)
        throw CheckpointError(path + ": checkpoint has no format version");
    if (*version > kCheckpointFormatVersion || *version < 1)
        throw CheckpointError(path + ": checkpoint format " + std::to_string(*version)
            + (*version < 1 ? " does not exist" : " is newer than this build reads")
            + " (it reads 1-" + std::to_string(kCheckpointFormatVersion) + ")");
    meta.formatVersion = static_cast<int>(*version);
    const auto config = field("config");
    if (!config)
        throw CheckpointError(path + ": checkpoint holds no config");
    // A checkpoint's config is complete: it never reads another file.
    nlohmann::ordered_json parsed;
    std::string problem;
    if (parseStrictJson(*config, parsed, problem) && parsed.is_object()
        && parsed.contains("extends"))
        throw CheckpointError(path
            + ": embedded config names \"extends\" (a checkpoint's "
              "config is complete and reads no other file)");
    const auto loaded = parseConfig(*config, path + " (embedded config)");
    // Rules about how a config trains do not stop its model from being sampled (a checkpoint
    // trained before the rule existed stays usable).
    if (!loaded.readable())
        for (const auto& issue : loaded.errors())
            if (!issue.trainingOnly)
                throw CheckpointError(path + ": embedded config is invalid: " + issue.toString());
    meta.config = loaded.config;
    const auto signature = field("model_signature");
    if (!signature)
        throw CheckpointError(path + ": checkpoint has no model signature");
    meta.modelSignature = *signature;
    if (const auto step = integerField(field("step")))
        meta.step = *step;
    if (const auto elapsed = doubleField(field("elapsed_seconds")))
        meta.elapsedSeconds = *elapsed;
    if (const auto build = field("build_id"))
        meta.buildId = *build;
    if (const auto sums = field("pending_sums")) {
        const auto pending = parseStrictJsonOrDiscarded(*sums);
        if (!pending.is_array())
            throw CheckpointError(path + ": checkpoint's pending metrics are corrupt");
        for (const auto& item : pending)
            if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_number())
                meta.pendingSums.emplace_back(item[0].get<std::string>(), item[1].get<double>());
    }
    if (const auto count = integerField(field("pending_count")))
        meta.pendingCount = *count;
    if (meta.step < 0 || meta.pendingCount < 0)
        throw CheckpointError(path + ": checkpoint's step " + std::to_string(meta.step)
            + " or pending count " + std::to_string(meta.pendingCount) + " is negative");
    if (meta.step > meta.config.train.steps)
        throw CheckpointError(path + ": checkpoint's step " + std::to_string(meta.step)
            + " is past its config's train.steps " + std::to_string(meta.config.train.steps));
    if (meta.pendingCount > meta.step)
        throw CheckpointError(path + ": checkpoint's pending count "
            + std::to_string(meta.pendingCount) + " is past its step " + std::to_string(meta.step));
    if (!std::isfinite(meta.elapsedSeconds) || meta.elapsedSeconds < 0)
        throw CheckpointError(path + ": checkpoint's elapsed time is not a duration");
    return meta;
}

std::map<std::string, std::string> dataOnlyFields(const std::string& bytes, const std::string& path)
{
    std::map<std::string, std::string> fields;
    for (const auto& [key, value] : readDataOnlyPlainValues(bytes, path))
        fields[key] = plainText(value);
    return fields;
}

void noticeEarlierFormat(const std::string& path)
{
    notify(path + ": a checkpoint in the earlier DDILDAT1 format; `ddil convert-checkpoint " + path
        + " NEW.safetensors` rewrites it as safetensors");
}

[[noreturn]] void refuseUnknown(const std::string& bytes, const std::string& path)
{
    if (isTorchScriptArchive(bytes))
        throw CheckpointError(path
            + ": a checkpoint in the earlier TorchScript format, which can run code from the file "
              "when loaded; if you trust the file, convert it once with `ddil convert-checkpoint "
            + path + " NEW.safetensors`");
    throw CheckpointError(path
        + ": not a DDIL Workbench checkpoint (neither a safetensors file nor an earlier "
          "checkpoint format)");
}

// The metadata of a file of `fileBytes`, which holds at most fileBytes / 4 float32 weights: an
// embedded config that describes a larger net (a few KB asking for gigabytes) is refused before
// that net is built.
CheckpointMeta checkedMeta(
    const std::string& path, const FieldLookup& field, std::uint64_t fileBytes)
{
    CheckpointMeta meta = metaFromFields(path, field);
    const double needed = minimumParameterCount(meta.config.model);
    if (needed * 4.0 > static_cast<double>(fileBytes)) {
        char text[160];
        std::snprintf(text, sizeof text,
            ": its embedded config describes a model of at least %.3g parameters (%.3g MB of "
            "weights), more than this %.3g MB file holds",
            needed, needed * 4.0 / 1e6, static_cast<double>(fileBytes) / 1e6);
        throw CheckpointError(path + text);
    }
    return meta;
}

} // namespace

bool isCheckpointFile(const std::string& prefix)
{
    return looksLikeSafetensors(prefix) || isDataOnlyFile(prefix);
}

CheckpointMeta readCheckpointMeta(const std::string& path)
{
    std::uint64_t size = 0;
    const std::string prefix = readFileRange(path, 0, 16, size);
    if (looksLikeSafetensors(prefix)) {
        const SafetensorsHeader header = readSafetensorsHeader(path);
        return checkedMeta(path, lookupIn(header.metadata), header.fileBytes);
    }
    if (isDataOnlyFile(prefix)) { // the earlier format: its CRC covers everything
        const auto fields = dataOnlyFields(readWholeFile(path), path);
        return checkedMeta(path, lookupIn(fields), size);
    }
    refuseUnknown(prefix, path);
}

void saveCheckpoint(const std::string& path, const CheckpointMeta& meta,
    const torch::nn::Module& model, const torch::nn::Module* ema,
    const torch::optim::Optimizer* optimizer, const torch::Tensor& rngState,
    const ExtraStateWriter& extra)
{
    nlohmann::ordered_json pending = nlohmann::ordered_json::array();
    for (const auto& [name, sum] : meta.pendingSums)
        pending.push_back({ name, sum });
    const std::map<std::string, std::string> metadata { { "format", kFormatTag },
        { "format_version", std::to_string(kCheckpointFormatVersion) },
        { "config", configToJson(meta.config) }, { "model_signature", meta.modelSignature },
        { "step", std::to_string(meta.step) },
        { "elapsed_seconds", doubleText(meta.elapsedSeconds) }, { "build_id", meta.buildId },
        { "pending_sums", pending.dump() },
        { "pending_count", std::to_string(meta.pendingCount) } };
    torch::serialize::OutputArchive archive;
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
    writeFileAtomically(path, encodeArchive(archive, metadata));
}

CheckpointReader::CheckpointReader(const std::string& path)
    : m_path(path)
{
    // The header first (8 + N bytes): its sizes and byte ranges are checked against the file's
    // size, and its metadata read, before the rest is. Then the whole file, read once: its CRC
    // and its tensors come from those bytes, which must hold the header already checked.
    std::uint64_t size = 0;
    const std::string prefix = readFileRange(path, 0, 16, size);
    std::optional<SafetensorsHeader> header;
    if (looksLikeSafetensors(prefix)) {
        header = readSafetensorsHeader(path);
        m_meta = checkedMeta(path, lookupIn(header->metadata), header->fileBytes);
    }
    const std::string bytes = readWholeFile(path);
    m_contentHash = fnv1a64(bytes.data(), bytes.size());
    if (header) {
        if (bytes.size() != header->fileBytes || bytes.compare(0, 8, prefix, 0, 8) != 0
            || bytes.compare(8, header->headerBytes, header->text) != 0)
            throw IoError(path + ": changed while being read");
        if (!verifySafetensorsCrc(bytes, *header, path)) {
            // Every file we write with our archive layout carries its CRC (both came with the
            // safetensors format): one without is damaged, e.g. a bit flipped in the CRC's key.
            if (header->metadata.count(kArchiveMetadataKey) > 0)
                throw CheckpointError(path
                    + ": corrupt checkpoint: its header names a ddil archive "
                    + "layout but has no \"" + kCrcMetadataKey + "\" (a damaged key?)");
            notify(path + ": no \"" + kCrcMetadataKey
                + "\" in its metadata (written by another tool?): read without an integrity check");
        }
        m_archive = decodeArchive(bytes, *header, path);
    } else if (isDataOnlyFile(bytes)) {
        m_archive = decodeDataOnly(bytes, path);
        m_meta = checkedMeta(path, lookupIn(dataOnlyFields(bytes, path)), bytes.size());
        noticeEarlierFormat(path);
    } else {
        refuseUnknown(bytes, path);
    }
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
    loadModuleStrictly(sub, net, m_path + ": \"" + key + "\" weights");
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
    loadOptimizerStrictly(sub, optimizer, m_path + ": optimiser state", m_meta.step > 0);
}

bool CheckpointReader::readExtra(torch::serialize::InputArchive& out)
{
    return m_archive->try_read("extra", out);
}

void CheckpointReader::restoreRng(at::Generator& generator)
{
    torch::Tensor state;
    if (!m_archive->try_read("rng_state", state))
        throw CheckpointError(
            m_path + ": checkpoint has no RNG state (cannot resume training from it)");
    restoreGeneratorState(state, generator, m_path + ": RNG state");
}

void convertLegacyCheckpoint(const std::string& from, const std::string& to)
{
    const std::string bytes = readWholeFile(from);
    std::string torchArchive;
    if (isDataOnlyFile(bytes))
        torchArchive = dataOnlyAsTorchArchive(bytes, from);
    else if (isTorchScriptArchive(bytes))
        torchArchive = bytes;
    else if (looksLikeSafetensors(bytes))
        throw CheckpointError(from + ": already a safetensors checkpoint; nothing to convert");
    else
        throw CheckpointError(from
            + ": not a checkpoint in an earlier format (DDILDAT1 or "
              "TorchScript)");
    std::string converted;
    try {
        std::istringstream in(torchArchive);
        converted = encodeTorchArchive(
            in, { { "format_version", std::to_string(kCheckpointFormatVersion) } });
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
