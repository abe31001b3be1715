#include "core/checkpoint/data_only_file.h"

#include "core/api/errors.h"
#include "core/checkpoint/archive_values.h"
#include "core/io/strict_json.h"
#include "core/io/tensorboard.h" // crc32c

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstring>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

namespace ddil {

namespace {
using Json = nlohmann::ordered_json;

constexpr std::size_t kMagicSize = 8;
constexpr std::size_t kPrelude = kMagicSize + 8; // magic and the header's length
constexpr std::size_t kCrcSize = 4;
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t(64) << 20;
constexpr int kMaxDepth = 32;
constexpr int64_t kMaxDimension = int64_t(1) << 40;

struct DtypeName {
    at::ScalarType type;
    const char* name;
};
constexpr DtypeName kDtypes[] = { { at::kFloat, "float32" }, { at::kDouble, "float64" },
    { at::kHalf, "float16" }, { at::kBFloat16, "bfloat16" }, { at::kLong, "int64" },
    { at::kInt, "int32" }, { at::kShort, "int16" }, { at::kChar, "int8" }, { at::kByte, "uint8" },
    { at::kBool, "bool" } };

// --- Decoding: every size checked before anything is allocated ------------------------------

class Decoder {
public:
    Decoder(const std::string& path, const char* payload, std::uint64_t payloadBytes)
        : m_path(path)
        , m_payload(payload)
        , m_payloadBytes(payloadBytes)
    {
    }

    void archive(
        const Json& node, torch::serialize::OutputArchive& out, int depth, const std::string& where)
    {
        if (depth > kMaxDepth)
            fail(where + ": archives nested deeper than " + std::to_string(kMaxDepth));
        if (!node.is_object() || !node.contains("entries") || !node["entries"].is_array())
            fail(where + ": an archive without its entries");
        std::set<std::string> seen;
        for (const auto& item : node["entries"]) {
            if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_object()
                || item[1].size() != 1)
                fail(where + ": an entry is not [key, {kind: ...}]");
            const std::string key = item[0].get<std::string>();
            const std::string at = where + "/" + key;
            if (!archive::validKey(key))
                fail(where + ": key \"" + key.substr(0, 64) + "\" is not [A-Za-z0-9_/]");
            if (!seen.insert(key).second)
                fail(at + ": the key occurs twice");
            const auto entry = item[1].begin();
            const std::string kind = entry.key();
            const Json& body = entry.value();
            if (kind == "archive") {
                torch::serialize::OutputArchive sub(out.compilation_unit());
                archive(body, sub, depth + 1, at);
                out.write(key, sub);
            } else if (kind == "tensor") {
                const bool buffer = body.is_object() && body.value("buffer", false);
                out.write(key, tensor(body, at), buffer);
            } else if (kind == "value") {
                out.write(key, value(body, 0, at));
            } else {
                fail(at + ": unknown entry kind \"" + kind + "\"");
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw CheckpointError(m_path + ": corrupt checkpoint: " + what);
    }

    static bool nonNegativeInteger(const Json& j)
    {
        return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
    }

    at::Tensor tensor(const Json& spec, const std::string& at)
    {
        if (!spec.is_object() || !spec.contains("dtype") || !spec["dtype"].is_string()
            || !spec.contains("shape") || !spec["shape"].is_array() || !spec.contains("offset")
            || !nonNegativeInteger(spec["offset"]) || !spec.contains("bytes")
            || !nonNegativeInteger(spec["bytes"]))
            fail(at + ": a tensor without dtype, shape, offset and bytes");
        const std::string dtype = spec["dtype"].get<std::string>();
        const DtypeName* found = nullptr;
        for (const auto& d : kDtypes)
            if (dtype == d.name)
                found = &d;
        if (!found)
            fail(at + ": unknown dtype \"" + dtype.substr(0, 32) + "\"");
        std::vector<int64_t> shape;
        std::uint64_t numel = 1;
        for (const auto& d : spec["shape"]) {
            if (!nonNegativeInteger(d) || d.get<std::uint64_t>() > std::uint64_t(kMaxDimension))
                fail(at + ": a dimension is not an integer in [0, 2^40]");
            const auto n = d.get<std::uint64_t>();
            if (n != 0 && numel > std::numeric_limits<std::uint64_t>::max() / n)
                fail(at + ": the shape's element count overflows");
            numel *= n;
            shape.push_back(static_cast<int64_t>(n));
        }
        if (shape.size() > 16)
            fail(at + ": more than 16 dimensions");
        const std::uint64_t elementSize = c10::elementSize(found->type);
        const auto offset = spec["offset"].get<std::uint64_t>();
        const auto bytes = spec["bytes"].get<std::uint64_t>();
        if (numel > std::numeric_limits<std::uint64_t>::max() / elementSize
            || numel * elementSize != bytes)
            fail(at + ": shape and dtype need " + std::to_string(numel) + " x "
                + std::to_string(elementSize) + " bytes, the record has " + std::to_string(bytes));
        if (offset > m_payloadBytes || bytes > m_payloadBytes - offset)
            fail(at + ": bytes " + std::to_string(offset) + "-" + std::to_string(offset + bytes)
                + " lie past the payload's " + std::to_string(m_payloadBytes));
        auto t = torch::empty(shape, torch::TensorOptions().dtype(found->type));
        if (bytes > 0)
            std::memcpy(t.data_ptr(), m_payload + offset, bytes);
        return t;
    }

    c10::IValue value(const Json& node, int depth, const std::string& at)
    {
        if (depth > kMaxDepth)
            fail(at + ": values nested deeper than " + std::to_string(kMaxDepth));
        if (!node.is_object() || node.size() != 1)
            fail(at + ": a value is not {type: ...}");
        const auto first = node.begin();
        const std::string type = first.key();
        const Json& v = first.value();
        if (type == "none" && v.is_null())
            return {};
        if (type == "bool" && v.is_boolean())
            return v.get<bool>();
        if (type == "int" && v.is_number_integer())
            return v.get<int64_t>();
        if (type == "double" && v.is_number())
            return v.get<double>();
        if (type == "string" && v.is_string())
            return v.get<std::string>();
        if (type == "tensor")
            return tensor(v, at);
        if ((type == "tuple" || type == "list") && v.is_array()) {
            std::vector<c10::IValue> items;
            for (const auto& item : v)
                items.push_back(value(item, depth + 1, at));
            std::string problem;
            auto sequence = archive::tupleOrList(type == "tuple", std::move(items), problem);
            if (!problem.empty())
                fail(at + ": " + problem);
            return sequence;
        }
        fail(at + ": a value of unknown type \"" + type.substr(0, 32) + "\"");
    }

    const std::string& m_path;
    const char* m_payload;
    std::uint64_t m_payloadBytes;
};
} // namespace

bool isDataOnlyFile(const std::string& bytes)
{
    return bytes.size() >= kMagicSize && bytes.compare(0, kMagicSize, kDataOnlyMagic) == 0;
}

namespace {
struct CheckedFile {
    Json header;
    std::uint64_t headerBytes = 0, payloadBytes = 0;
};

// The magic, the sizes and the CRC of a data-only file, and its parsed header.
CheckedFile checkFile(const std::string& bytes, const std::string& path)
{
    auto corrupt = [&](const std::string& what) {
        return CheckpointError(path + ": corrupt checkpoint: " + what);
    };
    if (!isDataOnlyFile(bytes))
        throw corrupt("it does not start with \"DDILDAT1\"");
    if (bytes.size() < kPrelude + kCrcSize)
        throw corrupt("truncated (" + std::to_string(bytes.size()) + " bytes)");
    CheckedFile file;
    file.headerBytes = archive::readU64(bytes, kMagicSize);
    if (file.headerBytes > kMaxHeaderBytes || file.headerBytes > bytes.size() - kPrelude - kCrcSize)
        throw corrupt("its header claims " + std::to_string(file.headerBytes)
            + " bytes; the file has " + std::to_string(bytes.size()));
    const std::size_t body = bytes.size() - kCrcSize;
    std::uint32_t stored = 0;
    for (int i = 3; i >= 0; --i)
        stored = (stored << 8) | static_cast<unsigned char>(bytes[body + i]);
    if (crc32c(bytes.data(), body) != stored)
        throw corrupt("its CRC-32C does not match its contents (the file was changed or damaged)");
    std::string problem;
    if (!parseStrictJson(
            bytes.substr(kPrelude, file.headerBytes), file.header, problem, 6 * kMaxDepth + 8))
        throw corrupt("its header: " + problem);
    file.payloadBytes = body - kPrelude - file.headerBytes;
    const Json& h = file.header;
    if (!h.is_object() || !h.contains("payload_bytes") || !h["payload_bytes"].is_number_unsigned()
        || h["payload_bytes"].get<std::uint64_t>() != file.payloadBytes || !h.contains("root"))
        throw corrupt("its header does not describe a payload of "
            + std::to_string(file.payloadBytes) + " bytes");
    return file;
}
} // namespace

std::map<std::string, PlainValue> readDataOnlyPlainValues(
    const std::string& bytes, const std::string& path)
{
    const CheckedFile file = checkFile(bytes, path);
    std::map<std::string, PlainValue> values;
    const Json& root = file.header["root"];
    if (!root.is_object() || !root.contains("entries") || !root["entries"].is_array())
        throw CheckpointError(path + ": corrupt checkpoint: an archive without its entries");
    for (const auto& item : root["entries"]) {
        if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_object()
            || !item[1].contains("value") || !item[1]["value"].is_object()
            || item[1]["value"].size() != 1)
            continue;
        const auto it = item[1]["value"].begin();
        const std::string type = it.key();
        const Json& v = it.value();
        const std::string key = item[0].get<std::string>();
        if (type == "string" && v.is_string())
            values.emplace(key, v.get<std::string>());
        else if (type == "int" && v.is_number_integer())
            values.emplace(key, v.get<std::int64_t>());
        else if (type == "double" && v.is_number())
            values.emplace(key, v.get<double>());
        else if (type == "bool" && v.is_boolean())
            values.emplace(key, v.get<bool>());
    }
    return values;
}

std::string dataOnlyAsTorchArchive(const std::string& bytes, const std::string& path)
{
    const CheckedFile file = checkFile(bytes, path);
    torch::serialize::OutputArchive archive;
    try {
        Decoder(path, bytes.data() + kPrelude + file.headerBytes, file.payloadBytes)
            .archive(file.header["root"], archive, 0, "");
    } catch (const nlohmann::json::exception& e) { // a field of the wrong JSON type
        throw CheckpointError(path + ": corrupt checkpoint: " + e.what());
    }
    // The archive in LibTorch's own form, built by this program from checked data.
    std::stringstream scratch;
    archive.save_to(scratch);
    return scratch.str();
}

std::unique_ptr<torch::serialize::InputArchive> decodeDataOnly(
    const std::string& bytes, const std::string& path)
{
    std::istringstream scratch(dataOnlyAsTorchArchive(bytes, path));
    auto in = std::make_unique<torch::serialize::InputArchive>();
    in->load_from(scratch, torch::kCPU);
    return in;
}

} // namespace ddil
