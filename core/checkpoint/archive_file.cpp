#include "core/checkpoint/archive_file.h"

#include "core/api/errors.h"
#include "core/checkpoint/archive_values.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace ddil {

namespace {
using Json = nlohmann::ordered_json;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

constexpr int kMaxDepth = 32;
std::string doubleText(double x)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
}

// --- Encoding: an archive this program built ------------------------------------------------

Json encodeValue(const c10::IValue& v, const std::string& name, NamedTensors& tensors, int depth)
{
    if (depth > kMaxDepth)
        throw std::logic_error("checkpoint value nested too deeply");
    if (v.isNone())
        return { { "none", nullptr } };
    if (v.isBool())
        return { { "bool", v.toBool() } };
    if (v.isInt())
        return { { "int", v.toInt() } };
    if (v.isDouble()) {
        const double x = v.toDouble();
        if (std::isfinite(x))
            return { { "double", x } };
        return { { "double", std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf" } };
    }
    if (v.isString())
        return { { "string", v.toStringRef() } };
    if (v.isTensor()) {
        tensors.emplace_back(name, v.toTensor());
        return { { "tensor", nullptr } };
    }
    if (v.isTuple() || v.isList()) {
        // The reader cannot type an empty list: refuse it here, while the previous file survives.
        if (v.isList() && v.toListRef().empty())
            throw std::logic_error("checkpoint value is an empty list");
        Json items = Json::array();
        std::size_t i = 0;
        const auto add = [&](const c10::IValue& item) {
            items.push_back(
                encodeValue(item, name + "." + std::to_string(i++), tensors, depth + 1));
        };
        if (v.isTuple())
            for (const auto& item : v.toTupleRef().elements())
                add(item);
        else
            for (const auto& item : v.toListRef())
                add(item);
        return { { v.isTuple() ? "tuple" : "list", items } };
    }
    throw std::logic_error("checkpoint value of unsupported type " + v.tagKind());
}

Json encodeModule(const torch::jit::Module& module, const std::string& prefix,
    NamedTensors& tensors, std::map<std::string, std::string>* topLevelValues, int depth)
{
    if (depth > kMaxDepth)
        throw std::logic_error("checkpoint archive nested too deeply");
    std::set<std::string> parameters, buffers;
    for (const auto& p : module.named_parameters(/*recurse=*/false))
        parameters.insert(p.name);
    for (const auto& b : module.named_buffers(/*recurse=*/false))
        buffers.insert(b.name);
    Json entries = Json::object();
    for (const auto& attribute : module.named_attributes(/*recurse=*/false)) {
        const std::string& key = attribute.name;
        const c10::IValue& v = attribute.value;
        if (key == "training")
            continue; // every TorchScript module has it; archives never read it
        if (!archive::validKey(key))
            throw std::logic_error("checkpoint key \"" + key + "\" is not [A-Za-z0-9_/]");
        const std::string name = joinJsonPath(prefix, key);
        if (v.isModule()) {
            entries[key]
                = { { "archive", encodeModule(v.toModule(), name, tensors, nullptr, depth + 1) } };
        } else if (parameters.count(key) || buffers.count(key)) {
            tensors.emplace_back(name, v.toTensor());
            entries[key] = buffers.count(key) ? "buffer" : "tensor";
        } else if (topLevelValues && (v.isString() || v.isInt() || v.isDouble() || v.isBool())) {
            (*topLevelValues)[key] = v.isString() ? v.toStringRef()
                : v.isInt()                       ? std::to_string(v.toInt())
                : v.isDouble()                    ? doubleText(v.toDouble())
                : v.toBool()                      ? "true"
                                                  : "false";
        } else {
            entries[key] = { { "value", encodeValue(v, name, tensors, 0) } };
        }
    }
    return entries;
}

// --- Decoding: the layout checked against the header, and every tensor used once --------------

class Decoder {
public:
    Decoder(const std::string& file, const SafetensorsHeader& header, const std::string& path)
        : m_file(file)
        , m_header(header)
        , m_path(path)
    {
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw CheckpointError(m_path + ": corrupt checkpoint: " + what);
    }

    void archive(const Json& node, torch::serialize::OutputArchive& out, const std::string& prefix,
        int depth)
    {
        if (depth > kMaxDepth)
            fail(prefix + ": archives nested deeper than " + std::to_string(kMaxDepth));
        if (!node.is_object())
            fail("the archive layout at \"" + prefix + "\" is not an object");
        for (const auto& item : node.items()) {
            const std::string& key = item.key();
            const Json& entry = item.value();
            if (!archive::validKey(key))
                fail("archive key \"" + key.substr(0, 64) + "\" is not [A-Za-z0-9_/]");
            const std::string name = joinJsonPath(prefix, key);
            if (entry.is_string() && (entry == "tensor" || entry == "buffer")) {
                out.write(key, tensor(name), entry == "buffer");
            } else if (entry.is_object() && entry.size() == 1 && entry.contains("archive")) {
                torch::serialize::OutputArchive sub(out.compilation_unit());
                archive(entry["archive"], sub, name, depth + 1);
                out.write(key, sub);
            } else if (entry.is_object() && entry.size() == 1 && entry.contains("value")) {
                out.write(key, value(entry["value"], name, 0));
            } else {
                fail("\"" + name + "\" is not a tensor, buffer, archive or value in the layout");
            }
        }
    }

    // The tree implied by dotted names, for a file without a layout.
    Json inferredLayout() const
    {
        Json root = Json::object();
        for (const auto& t : m_header.tensors) {
            Json* node = &root;
            std::string rest = t.name;
            for (;;) {
                const auto dot = rest.find('.');
                const std::string key = rest.substr(0, dot);
                if (!archive::validKey(key))
                    fail("tensor \"" + t.name.substr(0, 80)
                        + "\": its name is not dotted [A-Za-z0-9_/] keys");
                if (dot == std::string::npos) {
                    if (node->contains(key))
                        fail("tensor \"" + t.name + "\" is also the name of an archive");
                    (*node)[key] = "tensor";
                    break;
                }
                if (!node->contains(key))
                    (*node)[key] = { { "archive", Json::object() } };
                if (!(*node)[key].is_object())
                    fail("tensor \"" + t.name + "\" lies inside another tensor's name");
                node = &(*node)[key]["archive"];
                rest = rest.substr(dot + 1);
            }
        }
        return root;
    }

    void checkAllUsed() const
    {
        for (const auto& t : m_header.tensors)
            if (!m_used.count(t.name))
                fail("tensor \"" + t.name.substr(0, 80) + "\" is not in the archive layout");
    }

private:
    at::Tensor tensor(const std::string& name)
    {
        const SafetensorsEntry* entry = m_header.find(name);
        if (!entry)
            fail("the layout names tensor \"" + name + "\", which the file does not hold");
        if (!m_used.insert(name).second)
            fail("the layout names tensor \"" + name + "\" twice");
        return safetensorsTensor(m_file, m_header, *entry);
    }

    c10::IValue value(const Json& node, const std::string& name, int depth)
    {
        if (depth > kMaxDepth)
            fail(name + ": values nested deeper than " + std::to_string(kMaxDepth));
        if (!node.is_object() || node.size() != 1)
            fail(name + ": a value is not {type: ...}");
        const auto first = node.begin();
        const std::string type = first.key();
        const Json& v = first.value();
        if (type == "none" && v.is_null())
            return {};
        if (type == "bool" && v.is_boolean())
            return v.get<bool>();
        if (type == "int" && v.is_number_integer() && !v.is_number_unsigned())
            return v.get<int64_t>();
        if (type == "int" && v.is_number_unsigned()
            && v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<int64_t>::max()))
            return v.get<int64_t>();
        if (type == "double" && v.is_number())
            return v.get<double>();
        if (type == "double" && v.is_string()) {
            const std::string s = v.get<std::string>();
            if (s == "nan" || s == "inf" || s == "-inf")
                return s == "nan" ? std::nan("") : s == "inf" ? HUGE_VAL : -HUGE_VAL;
        }
        if (type == "string" && v.is_string())
            return v.get<std::string>();
        if (type == "tensor" && v.is_null())
            return tensor(name);
        if ((type == "tuple" || type == "list") && v.is_array()) {
            std::vector<c10::IValue> items;
            for (std::size_t i = 0; i < v.size(); ++i)
                items.push_back(value(v[i], name + "." + std::to_string(i), depth + 1));
            std::string problem;
            auto sequence = archive::tupleOrList(type == "tuple", std::move(items), problem);
            if (!problem.empty())
                fail(name + ": " + problem);
            return sequence;
        }
        fail(name + ": a value of unknown type \"" + type.substr(0, 32) + "\"");
    }

    const std::string& m_file;
    const SafetensorsHeader& m_header;
    const std::string& m_path;
    std::set<std::string> m_used;
};
} // namespace

std::string encodeTorchArchive(
    std::istream& torchArchive, const std::map<std::string, std::string>& metadata)
{
    const auto module = torch::jit::load(torchArchive, torch::kCPU);
    NamedTensors tensors;
    std::map<std::string, std::string> all;
    const Json layout = encodeModule(module, "", tensors, &all, 0);
    for (const auto& [key, text] : metadata)
        all[key] = text;
    all[kArchiveMetadataKey] = layout.dump();
    return encodeSafetensors(tensors, all);
}

std::string encodeArchive(
    torch::serialize::OutputArchive& archive, const std::map<std::string, std::string>& metadata)
{
    // The archive's own serialisation, read back as a module to walk it: bytes this program
    // made a moment ago, never a file's.
    std::stringstream scratch;
    archive.save_to(scratch);
    return encodeTorchArchive(scratch, metadata);
}

std::unique_ptr<torch::serialize::InputArchive> decodeArchive(
    const std::string& file, const SafetensorsHeader& header, const std::string& path)
{
    Decoder decoder(file, header, path);
    Json layout;
    const auto stored = header.metadata.find(kArchiveMetadataKey);
    if (stored == header.metadata.end()) {
        layout = decoder.inferredLayout();
    } else {
        std::string problem;
        if (!parseStrictJson(stored->second, layout, problem, 3 * kMaxDepth))
            decoder.fail(std::string("its \"") + kArchiveMetadataKey + "\" layout: " + problem);
    }
    torch::serialize::OutputArchive archive;
    try {
        decoder.archive(layout, archive, "", 0);
    } catch (const nlohmann::json::exception& e) { // a field of the wrong JSON type
        decoder.fail(e.what());
    }
    decoder.checkAllUsed();
    // The archive in LibTorch's own form, built by this program from checked data.
    std::stringstream scratch;
    archive.save_to(scratch);
    auto in = std::make_unique<torch::serialize::InputArchive>();
    in->load_from(scratch, torch::kCPU);
    return in;
}

} // namespace ddil
