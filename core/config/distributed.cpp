#include "core/api/distributed.h"

#include "core/api/errors.h"

#include <cstdlib>
#include <limits>

namespace ddil {

namespace {
int integerVariable(const EnvLookup& lookup, const std::string& name, int fallback, int minimum)
{
    const auto text = lookup(name);
    if (!text)
        return fallback;
    try {
        std::size_t used = 0;
        const long value = std::stol(*text, &used);
        if (used != text->size() || value < minimum || value > std::numeric_limits<int>::max())
            throw std::invalid_argument(name);
        return static_cast<int>(value);
    } catch (const std::exception&) {
        throw ConfigError(
            name + "=\"" + *text + "\": expected an integer >= " + std::to_string(minimum));
    }
}
} // namespace

std::string DistributedEnv::describe() const
{
    if (!isDistributed())
        return "single process";
    return "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) + " (" + launcher
        + ", store " + masterAddr + ":" + std::to_string(masterPort)
        + (agentStore ? ", the launcher's" : "") + ")";
}

DistributedEnv readDistributedEnv(const EnvLookup& lookup)
{
    DistributedEnv env;
    std::string rankName, worldName;
    if (lookup("RANK") || lookup("WORLD_SIZE")) {
        env.launcher = "torchrun";
        rankName = "RANK";
        worldName = "WORLD_SIZE";
        env.rank = integerVariable(lookup, "RANK", 0, 0);
        env.worldSize = integerVariable(lookup, "WORLD_SIZE", 1, 1);
        env.localRank = integerVariable(lookup, "LOCAL_RANK", env.rank, 0);
        const auto agent = lookup("TORCHELASTIC_USE_AGENT_STORE");
        env.agentStore = agent && (*agent == "True" || *agent == "true" || *agent == "1");
        if (env.agentStore)
            env.storePrefix
                = "/worker/attempt_" + lookup("TORCHELASTIC_RESTART_COUNT").value_or("0");
    } else if (lookup("SLURM_PROCID") && lookup("SLURM_NTASKS")) {
        env.launcher = "slurm";
        rankName = "SLURM_PROCID";
        worldName = "SLURM_NTASKS";
        env.rank = integerVariable(lookup, "SLURM_PROCID", 0, 0);
        env.worldSize = integerVariable(lookup, "SLURM_NTASKS", 1, 1);
        env.localRank = integerVariable(lookup, "SLURM_LOCALID", 0, 0);
    } else {
        return env;
    }
    if (env.rank >= env.worldSize)
        throw ConfigError(rankName + "=" + std::to_string(env.rank) + " is not below " + worldName
            + "=" + std::to_string(env.worldSize));
    if (!env.isDistributed())
        return env;

    if (const auto addr = lookup("MASTER_ADDR"); addr && !addr->empty())
        env.masterAddr = *addr;
    else if (const auto node = lookup("SLURM_LAUNCH_NODE_IPADDR");
        env.launcher == "slurm" && node && !node->empty())
        env.masterAddr = *node; // srun runs task 0 on the node it was launched from
    else
        throw ConfigError("MASTER_ADDR is not set: a distributed run needs the host of its "
                          "rendezvous store (torchrun sets it; under Slurm export it, e.g. the "
                          "first host of $SLURM_JOB_NODELIST)");
    if (lookup("MASTER_PORT"))
        env.masterPort = integerVariable(lookup, "MASTER_PORT", 0, 1);
    else if (env.launcher == "slurm" && lookup("SLURM_JOB_ID"))
        env.masterPort = 20000 + integerVariable(lookup, "SLURM_JOB_ID", 0, 0) % 20000;
    else
        throw ConfigError("MASTER_PORT is not set: a distributed run needs the port of its "
                          "rendezvous store");
    if (env.masterPort > 65535)
        throw ConfigError("MASTER_PORT=" + std::to_string(env.masterPort) + " is not a port");
    return env;
}

DistributedEnv distributedEnvFromProcess()
{
    return readDistributedEnv([](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    });
}

} // namespace ddil
