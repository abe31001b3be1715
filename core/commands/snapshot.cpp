#include "core/api/snapshot.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/run.h"
#include "core/train/distill_trainer.h"

#include <filesystem>

namespace ddil {

struct RunSnapshotter::Impl {
    std::string checkpoint;
    std::unique_ptr<DistillTrainer> trainer;
};

RunSnapshotter::RunSnapshotter(const std::string& runDir)
    : m_impl(std::make_unique<Impl>())
{
    const auto configPath = (std::filesystem::path(runDir) / "config.json").string();
    const auto loaded = loadConfigFile(configPath);
    if (!loaded.readable())
        throw ConfigError(configPath + ": "
            + (loaded.issues.empty() ? std::string("not a run config")
                                     : loaded.issues.front().toString()));
    if (loaded.config.task != Task::Distill)
        throw ConfigError(configPath + ": a " + toString(loaded.config.task)
            + " run has no student to sample beside its teacher");
    m_impl->checkpoint = runCheckpointPath(runDir);
    // config.json holds the resolved config; resolving again checks the teacher is still there.
    m_impl->trainer
        = std::make_unique<DistillTrainer>(resolveRunConfig(loaded.config), torch::kCPU);
}

RunSnapshotter::~RunSnapshotter() = default;

Snapshot RunSnapshotter::take(const SnapshotOptions& options)
{
    if (!std::filesystem::exists(m_impl->checkpoint))
        throw IoError(m_impl->checkpoint + ": no checkpoint yet");
    m_impl->trainer->loadForInspection(m_impl->checkpoint);
    return *m_impl->trainer->takeSnapshot(options);
}

} // namespace ddil
