#pragma once
// Training checkpoints: weights, EMA weights, optimiser state, the training RNG state, the step
// and the full config, written atomically as a safetensors file (archive_file.h): any safetensors
// reader opens it, reading one never runs code from it, and every size and the CRC are checked
// before anything is loaded. The metadata (config, model signature, step) are strings in the
// header's __metadata__, read without the weights.

#include "core/api/config.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

// 1: the earlier "DDILDAT1" files (still read); 2: safetensors.
inline constexpr int kCheckpointFormatVersion = 2;

struct CheckpointMeta {
    int formatVersion = kCheckpointFormatVersion;
    RunConfig config;
    std::string modelSignature;
    int64_t step = 0;
    double elapsedSeconds = 0.0;
    std::string buildId;
    // The sums of the training terms being averaged for the next metrics line, so a resumed
    // run logs exactly what an uninterrupted one would.
    std::vector<std::pair<std::string, double>> pendingSums;
    int64_t pendingCount = 0;
};

// Extra training state a trainer keeps beside the weights (auxiliary networks, their
// optimisers, replay buffers), written under "extra".
using ExtraStateWriter = std::function<void(torch::serialize::OutputArchive&)>;

// Throws IoError when the file cannot be written; the previous file at `path` then survives.
void saveCheckpoint(const std::string& path, const CheckpointMeta& meta,
    const torch::nn::Module& model, const torch::nn::Module* ema,
    const torch::optim::Optimizer* optimizer, const torch::Tensor& rngState,
    const ExtraStateWriter& extra = {});

// True when `prefix` (a file's first 16 bytes or more) starts a checkpoint in a format this program
// reads: safetensors, or the earlier "DDILDAT1".
bool isCheckpointFile(const std::string& prefix);

// The metadata of the checkpoint at `path` (its config, model signature, step), from its header
// alone. Throws as CheckpointReader does, except for the CRC, which needs the whole file.
CheckpointMeta readCheckpointMeta(const std::string& path);

// Rewrites a checkpoint of an earlier format at `from` as a safetensors checkpoint at `to`:
// "DDILDAT1" files, or TorchScript archives (whose loading runs the code they carry: only for
// files the user trusts).
void convertLegacyCheckpoint(const std::string& from, const std::string& to);

class CheckpointReader {
public:
    // Throws IoError (missing/unreadable) or CheckpointError (corrupt, not ours, newer format, the
    // earlier TorchScript format).
    explicit CheckpointReader(const std::string& path);

    const CheckpointMeta& meta() const { return m_meta; }
    const std::string& path() const { return m_path; }
    // FNV-1a of the file's bytes, as read: a cache key for what was computed from it.
    std::uint64_t contentHash() const { return m_contentHash; }
    bool hasEma() const { return m_hasEma; }
    // A training checkpoint (optimiser state present), not exported weights.
    bool hasTrainingState() const { return m_hasTrainingState; }

    // Loads "model" (or "ema" when preferEma and present) into `net`, whose signature must match.
    void loadModel(torch::nn::Module& net, const std::string& netSignature, bool preferEma = false);
    void loadEma(torch::nn::Module& net, const std::string& netSignature);
    // Adam's or AdamW's state, each moment checked against its parameter; past step 0 every
    // parameter must have its moments.
    void loadOptimizer(torch::optim::Optimizer& optimizer);
    // The training RNG's state, checked against the generator's own.
    void restoreRng(at::Generator& generator);
    // The "extra" archive; false when the checkpoint has none.
    bool readExtra(torch::serialize::InputArchive& out);

private:
    void loadSub(const char* key, torch::nn::Module& net, const std::string& netSignature);

    std::string m_path;
    std::unique_ptr<torch::serialize::InputArchive> m_archive;
    CheckpointMeta m_meta;
    bool m_hasEma = false;
    bool m_hasTrainingState = false;
    std::uint64_t m_contentHash = 0;
};

} // namespace ddil
