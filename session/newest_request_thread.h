#pragma once
// A worker QObject on a QThread of its own that serves only the newest request: each post()
// supersedes the ones before it, and work whose request is no longer the newest skips itself
// (isNewest) instead of delivering a stale result. The run-snapshot loader and the nearest-image
// finder run on one each.

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <functional>

namespace ddil {

class NewestRequestThread {
public:
    explicit NewestRequestThread(const QString& name);
    ~NewestRequestThread(); // forgets every request, then waits for the thread to end
    NewestRequestThread(const NewestRequestThread&) = delete;
    NewestRequestThread& operator=(const NewestRequestThread&) = delete;

    // Moves `worker` (no parent) onto a new low-priority thread and starts it; the worker is
    // deleted on that thread when this object is destroyed. Once, before post().
    void start(QObject* worker);
    // Queues work(request) on the worker's thread as the newest request; returns its number.
    int post(std::function<void(int request)> work);
    // Supersedes every posted request: none of them is newest any more.
    void forget();
    // Whether `request` is still the newest (from any thread).
    bool isNewest(int request) const;

private:
    QThread m_thread;
    QObject* m_worker = nullptr;
    std::atomic<int> m_newest { 0 };
};

} // namespace ddil
