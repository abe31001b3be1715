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

private:
    std::atomic<bool> m_cancelled { false };
};

} // namespace ddil
