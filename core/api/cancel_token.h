#pragma once
// Cooperative cancellation: an atomic flag polled by training and sampling loops once per step.
// Safe to call from any thread.

#include <atomic>

namespace ddil {

class CancelToken {
public:
    void cancel() noexcept { m_cancelled.store(true, std::memory_order_relaxed); }
    void reset() noexcept { m_cancelled.store(false, std::memory_order_relaxed); }
    bool isCancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }

    // Set by a training loop while it polls the token and would answer a cancel with a
    // checkpoint; before that (loading, joining a process group) a signal handler may simply
    // end the process.
    void setPolled(bool polled) const noexcept { m_polled.store(polled); }
    bool isPolled() const noexcept { return m_polled.load(); }

private:
    std::atomic<bool> m_cancelled { false };
    mutable std::atomic<bool> m_polled { false };
};

} // namespace ddil
