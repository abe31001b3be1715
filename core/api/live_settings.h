#pragma once
// Settings a user changes while a run is in progress (the GUI's mixture panel): a mailbox the
// GUI thread writes and the training thread empties once per step, so a change applies from
// the next step and is logged with that step. Torch-free, thread-safe.

#include <mutex>
#include <optional>

namespace ddil {

struct MixtureChange {
    double betaData = 1.0;
    double betaTeacher = 0.0;
    double betaStudent = 0.0;
    double pTeach = 0.0;
};

class LiveSettings {
public:
    void setMixture(const MixtureChange& change)
    {
        std::lock_guard lock(m_mutex);
        m_mixture = change;
    }
    // The latest change since the last call, if any.
    std::optional<MixtureChange> takeMixture()
    {
        std::lock_guard lock(m_mutex);
        auto out = m_mixture;
        m_mixture.reset();
        return out;
    }

private:
    std::mutex m_mutex;
    std::optional<MixtureChange> m_mixture;
};

} // namespace ddil
