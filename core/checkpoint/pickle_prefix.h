#pragma once
// Reads a checkpoint's metadata without its weights: the plain attributes (strings, integers,
// floats, booleans) that a TorchScript archive's data.pkl pickles before its first submodule or
// tensor. LibTorch's archives write them in the order they were written (checkpoint.cpp writes
// the metadata first), so the config of a checkpoint is in the first few kilobytes of the
// pickle, and the tensors are never touched.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace ddil {

using PickledScalar = std::variant<std::string, std::int64_t, double, bool>;

// The top-level object's leading plain attributes by name; nullopt when `pickle` does not start
// like a pickled TorchScript object or uses an opcode this reader does not know (the caller then
// loads the archive the slow way).
std::optional<std::map<std::string, PickledScalar>> readLeadingAttributes(
    const std::string& pickle);

} // namespace ddil
