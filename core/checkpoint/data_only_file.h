#pragma once
// The earlier checkpoint format (checkpoint format 1, "DDILDAT1"), read so that its files keep
// working and `ddil convert-checkpoint` can rewrite them as safetensors (safetensors.h). Nothing
// writes it any more. Data only: opening a file can never run code from it.
//
//   bytes 0-7           magic "DDILDAT1"
//   bytes 8-15          H, the header's length (unsigned, little-endian; at most 64 MiB)
//   bytes 16-(16+H-1)   the header: JSON, {"payload_bytes": P, "root": ARCHIVE}
//   next P bytes        the payload: every tensor's raw bytes (little-endian, C order)
//   last 4 bytes        CRC-32C of everything before them
//
// ARCHIVE is {"entries": [[key, ENTRY], ...]}; ENTRY one of {"archive": ARCHIVE},
// {"tensor": {"dtype", "shape", "offset", "bytes", "buffer"}} or {"value": VALUE}, where VALUE
// is {"int": n}, {"double": x}, {"bool": b}, {"string": s}, {"none": null}, {"tuple": [VALUE...]}
// or {"list": [VALUE...]}. Keys are [A-Za-z0-9_] (at most 256 characters).
//
// In memory the tree is LibTorch's serialize archive, as the models, optimisers and trainers
// write and read it: decode checks the whole file
// (size, CRC, every range, dtype and shape against its bytes) before it allocates anything, and
// then builds the archive with this program's own code.

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

namespace ddil {

inline constexpr char kDataOnlyMagic[] = "DDILDAT1"; // 8 bytes, no terminator on disk

// True when `bytes` start with the data-only magic.
bool isDataOnlyFile(const std::string& bytes);

// The archive a data-only file holds. Throws CheckpointError naming `path` and what is wrong
// (truncated, CRC mismatch, a range past the payload, a dtype or shape that does not fit, ...).
std::unique_ptr<torch::serialize::InputArchive> decodeDataOnly(
    const std::string& bytes, const std::string& path);

// The same archive in LibTorch's TorchScript form, as bytes this program built from the checked
// file (for converting it).
std::string dataOnlyAsTorchArchive(const std::string& bytes, const std::string& path);

// A top-level plain value of an archive (the checkpoint's metadata).
using PlainValue = std::variant<std::string, std::int64_t, double, bool>;

// The top-level plain values of a data-only file, by key, after the same checks of its size,
// CRC and header; no tensor is built. Throws as decodeDataOnly does.
std::map<std::string, PlainValue> readDataOnlyPlainValues(
    const std::string& bytes, const std::string& path);

} // namespace ddil
