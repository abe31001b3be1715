#include "session/newest_request_thread.h"

namespace ddil {

NewestRequestThread::NewestRequestThread(const QString& name)
{
    m_thread.setObjectName(name);
}

void NewestRequestThread::start(QObject* worker)
{
    m_worker = worker;
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start(QThread::LowPriority);
}

NewestRequestThread::~NewestRequestThread()
{
    forget();
    m_thread.quit();
    m_thread.wait();
}

int NewestRequestThread::post(std::function<void(int request)> work)
{
    const int request = ++m_newest;
    QMetaObject::invokeMethod(
        m_worker, [work = std::move(work), request] { work(request); }, Qt::QueuedConnection);
    return request;
}

void NewestRequestThread::forget()
{
    ++m_newest;
}

bool NewestRequestThread::isNewest(int request) const
{
    return request == m_newest.load();
}

} // namespace ddil
