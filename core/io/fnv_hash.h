#pragma once
// FNV-1a, 64 bits: the content hash behind config hashes, extractor hashes and cache keys.
// Not cryptographic; it tells files and configs apart.

#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ddil {

inline constexpr std::uint64_t kFnvOffsetBasis = 1469598103934665603ull;

// Continues the hash `h` over `size` bytes (start with kFnvOffsetBasis).
inline std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t h = kFnvOffsetBasis)
{
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        h ^= bytes[i];
        h *= 1099511628211ull;
    }
    return h;
}

inline std::string toHex(std::uint64_t h)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
    return buf;
}

} // namespace ddil
