#pragma once
// The safetensors file format, as the `safetensors` library reads and writes it, with this
// program's integrity check added:
//
//   bytes 0-7     N, the header's length (unsigned, little-endian; at most 100,000,000)
//   next N bytes  the header: a JSON object {NAME: {"dtype", "shape", "data_offsets": [B, E]}, ...}
//                 and an optional "__metadata__" map of strings to strings; padded with spaces
//   the rest      the tensors' bytes (little-endian, C order); each tensor's [B, E) is relative
//                 to the start of this part
//
// The library's rules hold: the header is UTF-8 JSON starting with '{', the tensors' ranges,
// taken in offset order, start at 0, touch without gap or overlap and end at the file's end, and
// each range is exactly its shape times its dtype's size. This reader adds: no key twice, names of
// printable ASCII, at most 16 dimensions, no dimension above 2^40.
//
// The check: __metadata__["ddil.crc32c"] holds 8 lowercase hex digits, the CRC-32C of the whole
// file with those 8 digits written as "00000000". A file without it (written by another tool) is
// read all the same; a file whose CRC does not match is refused.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100000000;
inline constexpr char kCrcMetadataKey[] = "ddil.crc32c";

struct SafetensorsEntry {
    std::string name;
    at::ScalarType dtype;
    std::vector<int64_t> shape;
    std::uint64_t begin = 0, end = 0; // within the data part
};

struct SafetensorsHeader {
    std::uint64_t headerBytes = 0; // N
    std::uint64_t fileBytes = 0;
    std::map<std::string, std::string> metadata;
    std::vector<SafetensorsEntry> tensors; // in offset order
    std::string text; // the header as stored (for the CRC)

    std::uint64_t dataStart() const { return 8 + headerBytes; }
    const SafetensorsEntry* find(const std::string& name) const;
    bool hasCrc() const { return metadata.count(kCrcMetadataKey) > 0; }
};

// True when `prefix` (a file's first 9 bytes or more) could start a safetensors file: a header
// length within the limit, then '{'.
bool looksLikeSafetensors(const std::string& prefix);

// The header of the file whose first bytes (at least 8 + N of them) are `bytes` and whose size
// is `fileBytes`, checked by every rule above before anything is allocated for a tensor. Throws
// CheckpointError naming `path` and the rule broken.
SafetensorsHeader parseSafetensorsHeader(
    const std::string& bytes, std::uint64_t fileBytes, const std::string& path);

// The header alone, reading only the file's first 8 + N bytes.
SafetensorsHeader readSafetensorsHeader(const std::string& path);

// Checks the CRC of a whole file: false when it has none; throws CheckpointError when it does not
// match.
bool verifySafetensorsCrc(
    const std::string& file, const SafetensorsHeader& header, const std::string& path);

// A tensor of a checked file, copied out of `file` (the whole file's bytes).
at::Tensor safetensorsTensor(
    const std::string& file, const SafetensorsHeader& header, const SafetensorsEntry& entry);

// A file of `tensors` (any device, any layout; written as CPU, C order), in this order, with
// `metadata` and the CRC. Throws std::logic_error for a name or dtype the format cannot hold.
std::string encodeSafetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
    std::map<std::string, std::string> metadata);

} // namespace ddil
