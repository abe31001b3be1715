#pragma once
// Settings a user changes while a run is in progress (the GUI's mixture panel and run
// controls): a mailbox the GUI thread writes and the training thread empties once per step, so a
// change applies from the next step and is logged with that step. The training thread records
// each change it applies, with its step, so the session's config can carry them
// (DdilConfig::changes). Pause holds the run between two steps; a checkpoint request is served
// at the next step boundary, paused or not. Torch-free, thread-safe.

#include "core/api/config.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace ddil {

class LiveSettings {
public:
    // The mixture from the next step on (`step` is ignored: the trainer sets it).
    void setMixture(const MixtureSnapshot& change)
    {
        std::lock_guard lock(m_mutex);
        m_pending = change;
    }
    // The latest change since the last call, if any.
    std::optional<MixtureSnapshot> takeMixture()
    {
        std::lock_guard lock(m_mutex);
        auto out = m_pending;
        m_pending.reset();
        return out;
    }
    // Called by the trainer for each change it applied (normalised, with its step).
    void recordApplied(const MixtureSnapshot& applied)
    {
        std::lock_guard lock(m_mutex);
        m_applied.push_back(applied);
    }
    // The changes applied so far, in step order.
    std::vector<MixtureSnapshot> applied() const
    {
        std::lock_guard lock(m_mutex);
        return m_applied;
    }

    void setPaused(bool paused)
    {
        {
            std::lock_guard lock(m_mutex);
            m_paused = paused;
        }
        m_wake.notify_all();
    }
    bool isPaused() const
    {
        std::lock_guard lock(m_mutex);
        return m_paused;
    }
    void requestCheckpoint()
    {
        {
            std::lock_guard lock(m_mutex);
            m_checkpointRequested = true;
        }
        m_wake.notify_all();
    }
    bool takeCheckpointRequest()
    {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_checkpointRequested, false);
    }
    // Forgets everything (a new run starts).
    void reset()
    {
        std::lock_guard lock(m_mutex);
        m_pending.reset();
        m_applied.clear();
        m_paused = false;
        m_checkpointRequested = false;
    }
    // Training thread, while paused: waits until resumed, a checkpoint is requested or `timeout`
    // passes (so a cancel token is seen).
    void waitWhilePaused(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, timeout, [this] { return !m_paused || m_checkpointRequested; });
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_paused = false;
    bool m_checkpointRequested = false;
    std::optional<MixtureSnapshot> m_pending;
    std::vector<MixtureSnapshot> m_applied;
};

} // namespace ddil
