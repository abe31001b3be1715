#include "core/checkpoint/safetensors.h"

#include "core/api/errors.h"
#include "core/checkpoint/archive_values.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"
#include "core/io/tensorboard.h" // crc32c

#include <ATen/ops/empty.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>

namespace ddil {

namespace {
using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxDimensions = 16;
constexpr std::uint64_t kMaxDimension = std::uint64_t(1) << 40;
constexpr std::size_t kMaxNameLength = 1024;
constexpr std::size_t kCrcDigits = 8;

struct DtypeName {
    at::ScalarType type;
    const char* name;
};
constexpr DtypeName kDtypes[] = { { at::kFloat, "F32" }, { at::kDouble, "F64" },
    { at::kHalf, "F16" }, { at::kBFloat16, "BF16" }, { at::kLong, "I64" }, { at::kInt, "I32" },
    { at::kShort, "I16" }, { at::kChar, "I8" }, { at::kByte, "U8" }, { at::kBool, "BOOL" } };
// The library's other dtypes: named in the message that refuses them.
constexpr const char* kUnreadDtypes[] = { "U16", "U32", "U64", "F8_E5M2", "F8_E4M3" };

bool validName(const std::string& name)
{
    if (name.empty() || name.size() > kMaxNameLength || name == "__metadata__")
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string quoted(const std::string& text)
{
    return "\"" + text.substr(0, 80) + (text.size() > 80 ? "...\"" : "\"");
}

bool unsignedInteger(const Json& j)
{
    return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
}

class HeaderChecker {
public:
    explicit HeaderChecker(const std::string& path)
        : m_path(path)
    {
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw CheckpointError(m_path + ": not a valid safetensors file: " + what);
    }

    SafetensorsEntry tensor(const std::string& name, const Json& spec) const
    {
        const std::string at = "tensor " + quoted(name);
        if (!validName(name))
            fail(at + ": a name must be 1-1024 printable ASCII characters, not __metadata__");
        if (!spec.is_object())
            fail(at + ": not an object");
        for (const auto& field : spec.items())
            if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets")
                fail(at + ": unknown field " + quoted(field.key()));
        if (!spec.contains("dtype") || !spec["dtype"].is_string() || !spec.contains("shape")
            || !spec["shape"].is_array() || !spec.contains("data_offsets")
            || !spec["data_offsets"].is_array() || spec["data_offsets"].size() != 2
            || !unsignedInteger(spec["data_offsets"][0])
            || !unsignedInteger(spec["data_offsets"][1]))
            fail(at + ": needs \"dtype\", \"shape\" and \"data_offsets\": [begin, end]");
        SafetensorsEntry entry;
        entry.name = name;
        const std::string dtype = spec["dtype"].get<std::string>();
        const DtypeName* found = nullptr;
        for (const auto& d : kDtypes)
            if (dtype == d.name)
                found = &d;
        if (!found) {
            for (const char* known : kUnreadDtypes)
                if (dtype == known)
                    fail(at + ": dtype " + dtype
                        + " is valid safetensors but not one this "
                          "program reads (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            fail(at + ": unknown dtype " + quoted(dtype));
        }
        entry.dtype = found->type;
        if (spec["shape"].size() > kMaxDimensions)
            fail(at + ": more than 16 dimensions");
        std::uint64_t numel = 1;
        for (const auto& d : spec["shape"]) {
            if (!unsignedInteger(d) || d.get<std::uint64_t>() > kMaxDimension)
                fail(at + ": a dimension is not an integer in [0, 2^40]");
            const auto n = d.get<std::uint64_t>();
            if (n != 0 && numel > std::numeric_limits<std::uint64_t>::max() / n)
                fail(at + ": the shape's element count overflows");
            numel *= n;
            entry.shape.push_back(static_cast<int64_t>(n));
        }
        entry.begin = spec["data_offsets"][0].get<std::uint64_t>();
        entry.end = spec["data_offsets"][1].get<std::uint64_t>();
        const std::uint64_t elementSize = c10::elementSize(entry.dtype);
        if (entry.end < entry.begin)
            fail(at + ": data_offsets end before they begin");
        if (numel > std::numeric_limits<std::uint64_t>::max() / elementSize
            || numel * elementSize != entry.end - entry.begin)
            fail(at + ": shape and dtype need " + std::to_string(numel) + " x "
                + std::to_string(elementSize) + " bytes, data_offsets give "
                + std::to_string(entry.end - entry.begin));
        return entry;
    }

    // The ranges in offset order: from 0, touching, to the end of the data.
    void ranges(std::vector<SafetensorsEntry>& tensors, std::uint64_t dataBytes) const
    {
        std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        std::uint64_t next = 0;
        for (const auto& t : tensors) {
            if (t.begin != next)
                fail("tensor " + quoted(t.name) + " starts at byte " + std::to_string(t.begin)
                    + " of the data, not at " + std::to_string(next)
                    + (t.begin < next ? " (it overlaps the one before)" : " (a gap before it)"));
            next = t.end;
        }
        if (next != dataBytes)
            fail("the tensors cover " + std::to_string(next) + " bytes of data; the file has "
                + std::to_string(dataBytes) + " after its header");
    }

private:
    const std::string& m_path;
};
} // namespace

const SafetensorsEntry* SafetensorsHeader::find(const std::string& name) const
{
    for (const auto& t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

bool looksLikeSafetensors(const std::string& prefix)
{
    return prefix.size() >= 9 && archive::readU64(prefix, 0) <= kSafetensorsMaxHeaderBytes
        && prefix[8] == '{';
}

SafetensorsHeader parseSafetensorsHeader(
    const std::string& bytes, std::uint64_t fileBytes, const std::string& path)
{
    const HeaderChecker check(path);
    if (fileBytes < 8 || bytes.size() < 8)
        check.fail(
            "shorter than its 8-byte header length (" + std::to_string(fileBytes) + " bytes)");
    SafetensorsHeader header;
    header.fileBytes = fileBytes;
    header.headerBytes = archive::readU64(bytes, 0);
    if (header.headerBytes > kSafetensorsMaxHeaderBytes)
        check.fail("its header claims " + std::to_string(header.headerBytes)
            + " bytes, more than the format's 100,000,000");
    if (header.headerBytes > fileBytes - 8 || bytes.size() < 8 + header.headerBytes)
        check.fail("its header claims " + std::to_string(header.headerBytes)
            + " bytes; the file has " + std::to_string(fileBytes));
    header.text = bytes.substr(8, header.headerBytes);
    if (header.text.empty() || header.text[0] != '{')
        check.fail("its header does not start with '{'");
    Json root;
    std::string problem;
    if (!parseStrictJson(header.text, root, problem, /*maxDepth=*/4))
        check.fail("its header: " + problem);
    if (!root.is_object())
        check.fail("its header is not a JSON object");
    for (const auto& item : root.items()) {
        if (item.key() != "__metadata__") {
            header.tensors.push_back(check.tensor(item.key(), item.value()));
            continue;
        }
        if (!item.value().is_object())
            check.fail("__metadata__ is not an object of strings");
        for (const auto& m : item.value().items()) {
            if (!m.value().is_string())
                check.fail("__metadata__ " + quoted(m.key()) + " is not a string");
            header.metadata.emplace(m.key(), m.value().get<std::string>());
        }
    }
    check.ranges(header.tensors, fileBytes - header.dataStart());
    if (header.hasCrc()) {
        const std::string& crc = header.metadata.at(kCrcMetadataKey);
        if (crc.size() != kCrcDigits
            || crc.find_first_not_of("0123456789abcdef") != std::string::npos)
            check.fail(std::string("__metadata__ \"") + kCrcMetadataKey
                + "\" is not 8 lowercase hex digits");
    }
    return header;
}

SafetensorsHeader readSafetensorsHeader(const std::string& path)
{
    std::uint64_t fileBytes = 0;
    std::string prefix = readFileRange(path, 0, 8, fileBytes);
    if (prefix.size() < 8)
        return parseSafetensorsHeader(prefix, fileBytes, path); // its error
    const std::uint64_t n = archive::readU64(prefix, 0);
    if (n > kSafetensorsMaxHeaderBytes || n > fileBytes - 8)
        return parseSafetensorsHeader(prefix, fileBytes, path); // its error
    std::uint64_t size = 0;
    prefix += readFileRange(path, 8, static_cast<std::size_t>(n), size);
    if (size != fileBytes)
        throw IoError(path + ": changed while being read");
    return parseSafetensorsHeader(prefix, fileBytes, path);
}

bool verifySafetensorsCrc(
    const std::string& file, const SafetensorsHeader& header, const std::string& path)
{
    if (!header.hasCrc())
        return false;
    // Where the digits stand in the header as stored: the key occurs once (inside a string a quote
    // is escaped, so "ddil.crc32c" with its quotes can only be the key itself).
    const std::string key = std::string("\"") + kCrcMetadataKey + "\"";
    const std::string& text = header.text;
    const auto first = text.find(key);
    if (first == std::string::npos || text.find(key, first + 1) != std::string::npos)
        throw CheckpointError(path + ": not a valid safetensors file: \"" + kCrcMetadataKey
            + "\" stands more than once in its header");
    std::size_t at = first + key.size();
    const auto skipSpace = [&] {
        while (at < text.size() && std::strchr(" \t\r\n", text[at]))
            ++at;
    };
    skipSpace();
    if (at < text.size() && text[at] == ':')
        ++at;
    skipSpace();
    if (at < text.size() && text[at] == '"')
        ++at;
    if (text.compare(at, kCrcDigits, header.metadata.at(kCrcMetadataKey)) != 0)
        throw CheckpointError(path
            + ": not a valid safetensors file: its CRC does not stand "
              "where its header's JSON puts it");
    const std::size_t digits = 8 + at;
    const std::string zeros(kCrcDigits, '0');
    std::uint32_t crc = crc32c(file.data(), digits);
    crc = crc32c(zeros.data(), zeros.size(), crc);
    crc = crc32c(file.data() + digits + kCrcDigits, file.size() - digits - kCrcDigits, crc);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc);
    if (header.metadata.at(kCrcMetadataKey) != hex)
        throw CheckpointError(path
            + ": corrupt checkpoint: its CRC-32C does not match its contents (the file was "
              "changed or damaged after it was written)");
    return true;
}

at::Tensor safetensorsTensor(
    const std::string& file, const SafetensorsHeader& header, const SafetensorsEntry& entry)
{
    auto t = at::empty(entry.shape, at::TensorOptions().dtype(entry.dtype));
    const std::uint64_t bytes = entry.end - entry.begin;
    if (bytes > 0)
        std::memcpy(t.data_ptr(), file.data() + header.dataStart() + entry.begin, bytes);
    return t;
}

std::string encodeSafetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
    std::map<std::string, std::string> metadata)
{
    metadata[kCrcMetadataKey] = std::string(kCrcDigits, '0');
    Json header = Json::object();
    header["__metadata__"] = metadata;
    std::vector<at::Tensor> data;
    std::uint64_t offset = 0;
    std::set<std::string> names;
    for (const auto& [name, value] : tensors) {
        if (!validName(name) || !names.insert(name).second)
            throw std::logic_error("safetensors name \"" + name + "\" is invalid or repeated");
        const auto t = value.detach().to(at::kCPU).contiguous();
        const char* dtype = nullptr;
        for (const auto& d : kDtypes)
            if (d.type == t.scalar_type())
                dtype = d.name;
        if (!dtype)
            throw std::logic_error(std::string("safetensors cannot hold dtype ")
                + c10::toString(t.scalar_type()) + " (" + name + ")");
        const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * t.element_size();
        header[name] = { { "dtype", dtype }, { "shape", t.sizes().vec() },
            { "data_offsets", { offset, offset + bytes } } };
        offset += bytes;
        data.push_back(t);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' '); // the data 8-byte aligned, as the library does
    std::string out;
    out.reserve(8 + text.size() + offset);
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((std::uint64_t(text.size()) >> (8 * i)) & 0xff));
    out += text;
    for (const auto& t : data)
        out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    // The CRC of the file with its digits as zeros, then written over them.
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32c(out.data(), out.size()));
    const std::string placeholder
        = std::string("\"") + kCrcMetadataKey + "\":\"" + std::string(kCrcDigits, '0') + "\"";
    const auto at = out.find(placeholder, 8);
    out.replace(at + placeholder.size() - 1 - kCrcDigits, kCrcDigits, hex);
    return out;
}

} // namespace ddil
