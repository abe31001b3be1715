#pragma once
// Where this process stands in a data-parallel run, as its launcher says: torchrun (RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE) or Slurm's
// srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the rendezvous from MASTER_ADDR/MASTER_PORT,
// else the launching node and a port derived from the job id). Torch-free: the CLI reads it and
// hands it to runTraining through RunOptions.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ddil {

struct DistributedEnv {
    int rank = 0;
    int worldSize = 1; // 1: a single process, no process group
    int localRank = 0; // the rank on its node: picks cuda:<localRank>
    std::string masterAddr; // the store's host
    int masterPort = 0;
    // torchrun's static rendezvous: the launcher hosts the store and every rank is its client,
    // with keys under storePrefix ("/worker/attempt_<restarts>"). Otherwise rank 0 hosts it.
    bool agentStore = false;
    std::string storePrefix;
    std::string launcher; // "torchrun", "slurm" or "" (single process)

    bool isDistributed() const { return worldSize > 1; }
    bool isMain() const { return rank == 0; }
    // "rank 1 of 2 (torchrun, store 127.0.0.1:29500)"
    std::string describe() const;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the launcher's variables through `lookup`; ConfigError naming the variable when they are
// inconsistent (a rank outside the world, a missing or malformed address or port).
DistributedEnv readDistributedEnv(const EnvLookup& lookup);
// The same from this process's environment.
DistributedEnv distributedEnvFromProcess();

} // namespace ddil
