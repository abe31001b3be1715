#pragma once
// LibTorch's serialize archives (what the models, optimisers and trainers write and read) as
// safetensors files (safetensors.h), so that opening a file can never run code from it and any
// safetensors reader opens it.
//
// The nested archive is flattened: the tensor at archive "model", sub-archive "blocks", key
// "weight" is named "model.blocks.weight" (archive keys are [A-Za-z0-9_/], never a dot). Plain
// values at the top level go into __metadata__ as strings. __metadata__["ddil.archive"] holds the
// rest of the tree as JSON, so that it can be rebuilt exactly:
//
//   ARCHIVE = {KEY: ENTRY, ...}
//   ENTRY   = "tensor" | "buffer" | {"archive": ARCHIVE} | {"value": VALUE}
//   VALUE   = {"int": n} | {"double": x, or "nan", "inf", "-inf"} | {"bool": b} | {"string": s}
//           | {"none": null} | {"tuple": [VALUE...]} | {"list": [VALUE...]} | {"tensor": null}
//
// A tensor inside a value is named by its path, with ".I" for the I-th item of a tuple or list
// (an optimiser's state). A file without "ddil.archive" (written by another tool) is read as
// archives of parameters named by their dotted names.

#include "core/checkpoint/safetensors.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <istream>
#include <map>
#include <memory>
#include <string>

namespace ddil {

inline constexpr char kArchiveMetadataKey[] = "ddil.archive";

// The file's bytes for `archive` (an archive this program built), with `metadata`.
std::string encodeArchive(
    torch::serialize::OutputArchive& archive, const std::map<std::string, std::string>& metadata);

// The file's bytes for a LibTorch archive in its TorchScript form, its top-level plain values
// moved into the metadata (`metadata` wins where both name a key). Loading that form runs the code
// it carries: only for bytes this program made, or an earlier checkpoint the user trusts.
std::string encodeTorchArchive(
    std::istream& torchArchive, const std::map<std::string, std::string>& metadata);

// The archive a checked file holds (its header checked by parseSafetensorsHeader, `file` its
// whole bytes). Throws CheckpointError naming `path` (a layout that names a missing tensor or
// leaves one out, a bad key, a value of unknown type, ...).
std::unique_ptr<torch::serialize::InputArchive> decodeArchive(
    const std::string& file, const SafetensorsHeader& header, const std::string& path);

} // namespace ddil
