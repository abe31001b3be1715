#include "session/session_types.h"

#include <QCoreApplication>

namespace ddil {

const SampleSetView* SnapshotView::student(int steps) const
{
    for (const auto& set : sets)
        if (!set.teacher && set.steps == steps)
            return &set;
    return nullptr;
}

const SampleSetView* SnapshotView::teacher() const
{
    for (const auto& set : sets)
        if (set.teacher)
            return &set;
    return nullptr;
}

QString sessionStateName(SessionState state)
{
    switch (state) {
    case SessionState::Idle:
        return QCoreApplication::translate("Session", "Idle");
    case SessionState::Starting:
        return QCoreApplication::translate("Session", "Starting");
    case SessionState::Running:
        return QCoreApplication::translate("Session", "Running");
    case SessionState::Paused:
        return QCoreApplication::translate("Session", "Paused");
    case SessionState::Stopping:
        return QCoreApplication::translate("Session", "Stopping");
    case SessionState::Finished:
        return QCoreApplication::translate("Session", "Finished");
    case SessionState::Cancelled:
        return QCoreApplication::translate("Session", "Stopped");
    case SessionState::Failed:
        return QCoreApplication::translate("Session", "Failed");
    }
    return {};
}

void registerSessionMetaTypes()
{
    qRegisterMetaType<ScalarBatch>();
    qRegisterMetaType<ScalarRow>();
    qRegisterMetaType<SnapshotView>();
    qRegisterMetaType<SessionState>();
}

} // namespace ddil
