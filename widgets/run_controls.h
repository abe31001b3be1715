#pragma once
// Run control: start, pause/resume, stop and save-checkpoint actions with their shortcuts, the
// device and thread count, and progress with rate and ETA. Owns no session: the main window
// connects the actions and feeds the state and progress.

#include "core/api/config.h"
#include "session/session_types.h"

#include <QObject>

class QAction;
class QComboBox;
class QLabel;
class QProgressBar;
class QSpinBox;
class QToolBar;
class QWidget;

namespace ddil {

// "1 h 02 min", "3 min 05 s", "12 s".
QString formatDuration(double seconds);

class RunControls : public QObject {
    Q_OBJECT
public:
    explicit RunControls(QWidget* parent);

    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }
    QAction* checkpointAction() const { return m_checkpoint; }
    QToolBar* toolBar() const { return m_toolBar; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* etaLabel() const { return m_eta; }

    Device device() const;
    int threads() const;
    void setRuntime(const RuntimeConfig& runtime);

    void setState(SessionState state, bool canStart);
    // Steps done of total after `elapsed` seconds: the bar, steps/s and the ETA.
    void setProgress(qint64 step, qint64 total, double elapsed);
    void resetProgress();

private:
    QToolBar* m_toolBar = nullptr;
    QAction* m_start = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_checkpoint = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_eta = nullptr;
    qint64 m_firstStep = -1;
    double m_firstElapsed = 0.0;
};

} // namespace ddil
