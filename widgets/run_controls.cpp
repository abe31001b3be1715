#include "widgets/run_controls.h"

#include "core/api/versions.h"
#include "widgets/schema_range.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyle>
#include <QThread>
#include <QToolBar>

#include <cmath>

namespace ddil {

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("–");
    const qint64 s = static_cast<qint64>(std::llround(seconds));
    if (s >= 3600)
        return QObject::tr("%1 h %2 min")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (s >= 60)
        return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QObject::tr("%1 s").arg(s);
}

RunControls::RunControls(QWidget* parent)
    : QObject(parent)
{
    m_toolBar = new QToolBar(tr("Run"), parent);
    m_toolBar->setObjectName(QStringLiteral("runToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    QStyle* style = parent->style();
    m_start = new QAction(style->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this);
    m_start->setObjectName(QStringLiteral("startAction"));
    m_start->setShortcut(QKeySequence(Qt::Key_F5));
    m_start->setToolTip(tr("Start training the session (F5)"));
    m_pause = new QAction(style->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pause->setObjectName(QStringLiteral("pauseAction"));
    m_pause->setShortcut(QKeySequence(Qt::Key_F6));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Hold the run between two steps; press again to resume (F6)"));
    m_stop = new QAction(style->standardIcon(QStyle::SP_MediaStop), tr("S&top"), this);
    m_stop->setObjectName(QStringLiteral("stopAction"));
    m_stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stop->setToolTip(tr("Finish the current step, write a checkpoint and stop (Shift+F5)"));
    m_checkpoint = new QAction(
        style->standardIcon(QStyle::SP_DialogSaveButton), tr("Save &Checkpoint As…"), this);
    m_checkpoint->setObjectName(QStringLiteral("checkpointAction"));
    m_checkpoint->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_checkpoint->setToolTip(tr("Write a checkpoint now and save a copy of it"));
    m_toolBar->addAction(m_start);
    m_toolBar->addAction(m_pause);
    m_toolBar->addAction(m_stop);
    m_toolBar->addAction(m_checkpoint);
    m_toolBar->addSeparator();

    m_device = new QComboBox(m_toolBar);
    m_device->setObjectName(QStringLiteral("deviceBox"));
    m_device->addItem(tr("auto"), static_cast<int>(Device::Auto));
    m_device->addItem(tr("CPU"), static_cast<int>(Device::Cpu));
    m_device->addItem(tr("CUDA"), static_cast<int>(Device::Cuda));
    if (!libraryVersions().cudaBuild) {
        auto* model = qobject_cast<QStandardItemModel*>(m_device->model());
        model->item(2)->setEnabled(false);
        model->item(2)->setToolTip(tr("This build of LibTorch has no CUDA"));
    }
    m_device->setToolTip(tr("Where training runs: CUDA when this LibTorch build has it"));
    m_threads = new QSpinBox(m_toolBar);
    m_threads->setObjectName(QStringLiteral("threadsBox"));
    bindSchemaRange(m_threads, "runtime.threads");
    m_threads->setSpecialValueText(tr("all cores"));
    m_threads->setToolTip(
        tr("CPU threads of training (0: one per core, %1 here)").arg(QThread::idealThreadCount()));
    m_toolBar->addWidget(new QLabel(tr(" Device "), m_toolBar));
    m_toolBar->addWidget(m_device);
    m_toolBar->addWidget(new QLabel(tr(" Threads "), m_toolBar));
    m_toolBar->addWidget(m_threads);
    m_toolBar->addSeparator();
    m_progress = new QProgressBar(m_toolBar);
    m_progress->setObjectName(QStringLiteral("progressBar"));
    m_progress->setMinimumWidth(180);
    m_progress->setFormat(tr("step %v of %m"));
    m_toolBar->addWidget(m_progress);
    m_eta = new QLabel(m_toolBar);
    m_eta->setObjectName(QStringLiteral("etaLabel"));
    m_eta->setMinimumWidth(200);
    m_toolBar->addWidget(m_eta);
    resetProgress();
    setState(SessionState::Idle, false);
}

Device RunControls::device() const
{
    return static_cast<Device>(m_device->currentData().toInt());
}

int RunControls::threads() const
{
    return m_threads->value();
}

void RunControls::setRuntime(const RuntimeConfig& runtime)
{
    m_device->setCurrentIndex(m_device->findData(static_cast<int>(runtime.device)));
    m_threads->setValue(runtime.threads);
}

void RunControls::setState(SessionState state, bool canStart)
{
    const bool active = state == SessionState::Starting || state == SessionState::Running
        || state == SessionState::Paused || state == SessionState::Stopping;
    m_start->setEnabled(!active && canStart);
    m_pause->setEnabled(state == SessionState::Running || state == SessionState::Paused);
    {
        const QSignalBlocker block(m_pause);
        m_pause->setChecked(state == SessionState::Paused);
    }
    m_pause->setText(state == SessionState::Paused ? tr("&Resume") : tr("&Pause"));
    m_stop->setEnabled(active && state != SessionState::Stopping);
    m_checkpoint->setEnabled(state == SessionState::Running || state == SessionState::Paused
        || state == SessionState::Finished || state == SessionState::Cancelled);
    m_device->setEnabled(!active);
    m_threads->setEnabled(!active);
    if (state == SessionState::Starting)
        m_firstStep = -1;
}

void RunControls::setProgress(qint64 step, qint64 total, double elapsed)
{
    m_progress->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    m_progress->setValue(static_cast<int>(step));
    if (m_firstStep < 0) {
        m_firstStep = step;
        m_firstElapsed = elapsed;
    }
    const double seconds = elapsed - m_firstElapsed;
    const qint64 done = step - m_firstStep;
    if (done <= 0 || seconds <= 0.0) {
        m_eta->setText(tr("measuring…"));
        return;
    }
    const double rate = done / seconds;
    m_eta->setText(tr("%1 steps/s · ETA %2")
            .arg(rate, 0, 'f', rate < 10 ? 2 : 1)
            .arg(formatDuration((total - step) / rate)));
}

void RunControls::resetProgress()
{
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_eta->clear();
    m_firstStep = -1;
}

} // namespace ddil
