#pragma once
// What the checkpoint readers (safetensors: archive_file.cpp; the earlier "DDILDAT1":
// data_only_file.cpp) share: the archive key syntax, little-endian lengths, and the tuple or list
// value rebuilt from its items.

#include <ATen/core/ivalue.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ddil::archive {

inline constexpr std::size_t kMaxKeyLength = 256;

// A LibTorch archive key: 1-256 characters of [A-Za-z0-9_/] (never a dot).
inline bool validKey(const std::string& key)
{
    if (key.empty() || key.size() > kMaxKeyLength)
        return false;
    for (const char c : key)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/')
            return false;
    return true;
}

// The unsigned little-endian 64-bit number at bytes [at, at + 8) of `in`.
inline std::uint64_t readU64(const std::string& in, std::size_t at)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(in[at + i]);
    return v;
}

// A tuple of `items`, or a list of them; for a list that is empty or of mixed types, an undefined
// value and `problem` set.
inline c10::IValue tupleOrList(bool tuple, std::vector<c10::IValue> items, std::string& problem)
{
    if (tuple)
        return c10::ivalue::Tuple::create(std::move(items));
    if (items.empty()) {
        problem = "an empty list (its element type is unknown)";
        return {};
    }
    c10::impl::GenericList list(items.front().type());
    for (auto& item : items) {
        if (*item.type() != *list.elementType()) {
            problem = "a list of mixed types";
            return {};
        }
        list.push_back(std::move(item));
    }
    return list;
}

} // namespace ddil::archive
