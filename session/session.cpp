#include "session/session.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QThread>

namespace ddil {

bool Session::waitForIdle(int milliseconds)
{
    QDeadlineTimer deadline(milliseconds);
    while (isActive()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

} // namespace ddil
