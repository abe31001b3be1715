#pragma once
// Data parallelism on LibTorch's own process groups (c10d: Gloo on the CPU, NCCL on CUDA).
//
// Every rank holds the same models, optimiser and random stream (one seed, weights broadcast
// from rank 0), so every rank draws the *global* batch's indices, noise and times and computes
// only its own rows; rollouts are split by chunk and summed back. Gradients are averaged after
// each backward pass. A run on W ranks with per-rank batch B/W therefore trains like one
// process with batch B, up to the order of float sums.
//
// A default-constructed DataParallel is a single process: every operation is the identity.

#include "core/api/distributed.h"
#include "core/api/scalars.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ddil {

class DataParallel {
public:
    DataParallel(); // one process
    ~DataParallel();
    // Joins the process group `env` describes (Gloo, or NCCL for a CUDA device when this
    // LibTorch has it); waits for every rank. ConfigError when this build has no c10d backend
    // for the device, IoError when the rendezvous fails.
    static std::shared_ptr<DataParallel> connect(const DistributedEnv& env, torch::Device device);
    // A process-wide single-process instance (for code paths that never shard).
    static const DataParallel& single();

    int rank() const { return m_rank; }
    int worldSize() const { return m_world; }
    bool isMain() const { return m_rank == 0; }
    bool isDistributed() const { return m_world > 1; }
    std::string backendName() const;

    // The global batch size for `localRows` rows per rank.
    int64_t globalCount(int64_t localRows) const { return localRows * m_world; }
    // This rank's rows of a global batch along dim 0: [rank n/W, (rank+1) n/W).
    torch::Tensor rows(const torch::Tensor& global) const;
    // Draws as a single process would for the global batch, and keeps this rank's rows.
    torch::Tensor randRows(int64_t localRows, torch::Generator& generator) const;
    torch::Tensor randnRows(at::IntArrayRef localShape, torch::Generator& generator) const;
    // Work split into numbered chunks: chunk i belongs to rank i mod W.
    bool ownsChunk(int64_t chunk) const { return chunk % m_world == m_rank; }

    // In place, on every rank: the sum over ranks (exact where all but one rank hold zeros).
    void sum(torch::Tensor& tensor) const;
    // Averages the defined gradients of `parameters` over ranks (one flat all-reduce).
    void averageGradients(const std::vector<torch::Tensor>& parameters) const;
    // Averages each value over ranks; every rank must pass the same names in the same order.
    void average(Scalars& scalars) const;
    // True on every rank when `flag` is true on any.
    bool any(bool flag) const;
    // Runs `work` on the ranks where `here` is true, then agrees: when it threw anywhere, every
    // rank throws (the failing ones their own exception, the others IoError(othersMessage)),
    // so no rank is left waiting in a collective for one that stopped.
    void runAgreed(
        bool here, const std::function<void()>& work, const std::string& othersMessage) const;
    // Copies rank 0's parameters and buffers into every rank's `module`.
    void broadcast(torch::nn::Module& module) const;

private:
    struct Group;
    std::unique_ptr<Group> m_group;
    int m_rank = 0;
    int m_world = 1;
};

} // namespace ddil
