#include "widgets/main_window.h"

#include "core/api/config_io.h"
#include "core/api/notices.h"
#include "core/api/run.h"
#include "core/api/versions.h"
#include "session/run_folder_follower.h"
#include "session/session.h"
#include "widgets/advanced_form.h"
#include "widgets/chart_panel.h"
#include "widgets/compare_view.h"
#include "widgets/config_tree_view.h"
#include "widgets/issue_list.h"
#include "widgets/mixture_panel.h"
#include "widgets/preferences_dialog.h"
#include "widgets/report_writer.h"
#include "widgets/run_controls.h"
#include "widgets/sample_panel.h"
#include "widgets/session_form.h"
#include "widgets/start_page.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

namespace ddil {

namespace {
constexpr int kMaxRecent = 8;
const QString kLanguageKey = QStringLiteral("language");

} // namespace

MainWindow::MainWindow(Session& session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(&session)
    , m_runFolder(new RunFolderFollower(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("DDIL Workbench"));
    setDockNestingEnabled(true);
    // The centre: the start page until a session is loaded, then the charts.
    m_central = new QStackedWidget(this);
    m_start = new StartPage(m_central);
    m_charts = new ChartPanel(m_central);
    m_charts->setObjectName(QStringLiteral("chartPanel"));
    m_central->addWidget(m_start);
    m_central->addWidget(m_charts);
    setCentralWidget(m_central);
    connect(m_start, &StartPage::presetChosen, this, &MainWindow::openConfig);
    connect(m_start, &StartPage::runChosen, this, &MainWindow::openRunFolder);
    connect(m_start, &StartPage::openConfigRequested, this, &MainWindow::chooseConfigFile);
    connect(m_start, &StartPage::openRunFolderRequested, this, &MainWindow::chooseRunFolder);
    m_controls = new RunControls(this);
    addToolBar(Qt::TopToolBarArea, m_controls->toolBar());
    buildDocks();
    buildMenus();
    m_statusConfig = new QLabel(tr("No config loaded"), this);
    statusBar()->addPermanentWidget(m_statusConfig);
    statusBar()->showMessage(tr("Open a config or a preset to begin"));

    connect(m_form, &SessionForm::configEdited, this, &MainWindow::formEdited);
    connect(m_mixture, &MixturePanel::mixtureChanged, this, [this](const MixtureSnapshot& m) {
        if (m_session->isActive()) {
            m_session->setMixture(m);
            appendLog(tr("Mixture change sent: β = (%1, %2, %3), p_teach %4, buffer %5, refresh "
                         "every %6 × %7, reflection %8")
                    .arg(m.beta[0], 0, 'f', 3)
                    .arg(m.beta[1], 0, 'f', 3)
                    .arg(m.beta[2], 0, 'f', 3)
                    .arg(m.p_teach)
                    .arg(m.buffer_capacity)
                    .arg(m.refresh_every)
                    .arg(m.refresh_fraction)
                    .arg(QString::fromStdString(toString(m.projection))));
        } else {
            m_formChangedSinceStart = true;
            m_advanced->setConfig(editedConfig());
        }
    });
    // The Advanced form edits any field; the form, the Mixture panel and the run controls take
    // the result, and it is checked like any edit.
    connect(m_advanced, &AdvancedForm::configEdited, this, [this](const RunConfig& c) {
        m_form->setConfig(c);
        m_mixture->showConfig(c);
        m_controls->setRuntime(c.runtime);
        formEdited(m_form->config(), !m_form->hasErrors());
    });
    connect(m_charts, &ChartPanel::sharesReported, m_mixture, &MixturePanel::setRealisedShares);

    connect(m_session, &Session::scalarsReported, this, [this](const ScalarBatch& batch) {
        m_charts->appendScalars(batch);
        m_controls->setProgress(batch.step, batch.totalSteps, batch.elapsed);
    });
    connect(m_session, &Session::evaluated, this, [this](const ScalarRow& row) {
        m_charts->appendRow(row);
        // The headline metrics of images and of 2-D data, where present.
        static const QStringList kHeadline { QStringLiteral("fid"), QStringLiteral("precision"),
            QStringLiteral("recall"), QStringLiteral("coverage"),
            QStringLiteral("sliced_wasserstein"), QStringLiteral("mmd"),
            QStringLiteral("sw_to_teacher") };
        QStringList parts;
        for (const QString& key : kHeadline)
            for (const auto& [name, value] : row.values)
                if (name == QStringLiteral("eval/") + key)
                    parts << QStringLiteral("%1 %2").arg(key).arg(value, 0, 'g', 4);
        appendLog(
            tr("Evaluation at step %1: %2").arg(row.step).arg(parts.join(QStringLiteral(", "))));
    });
    connect(m_session, &Session::snapshotTaken, m_samples, &SamplePanel::addSnapshot);
    // An opened run folder: its grids, and while a headless `ddil run` still writes it, its new
    // metrics lines every second.
    m_runFolder->setBusy([this] { return m_session->isActive(); });
    connect(m_runFolder, &RunFolderFollower::snapshotLoaded, m_samples, &SamplePanel::addSnapshot);
    connect(m_runFolder, &RunFolderFollower::snapshotFailed, this,
        [this](const QString& runDir, const QString& text) {
            appendLog(tr("No sample grids for %1: %2").arg(runDir, text));
        });
    connect(m_runFolder, &RunFolderFollower::polled, m_charts, &ChartPanel::pollRunFolder);
    connect(m_runFolder, &RunFolderFollower::stoppedFollowing, this,
        [this](const QString& runDir, const QString& status) {
            appendLog(tr("%1 is %2: no longer following it").arg(runDir, status));
        });
    connect(m_session, &Session::message, this, &MainWindow::appendLog);
    // The core's notices (a deprecated checkpoint name, a checkpoint without its CRC) go to the
    // log, from whichever thread gives them.
    m_previousNotices = setNoticeHandler([this](const std::string& line) {
        QMetaObject::invokeMethod(
            this, [this, text = QString::fromStdString(line)] { appendLog(text); },
            Qt::QueuedConnection);
    });
    connect(m_session, &Session::failed, this, [this](const QString& text) {
        appendLog(tr("Training failed: %1").arg(text));
        showError(tr("Training Failed"), text);
    });
    connect(m_session, &Session::stateChanged, this, &MainWindow::sessionStateChanged);
    connect(m_session, &Session::checkpointWritten, this, [this](const QString& path, qint64 step) {
        if (m_pendingCheckpointCopy.isEmpty())
            return;
        const QString target = std::exchange(m_pendingCheckpointCopy, QString());
        QFile::remove(target);
        if (QFile::copy(path, target))
            appendLog(tr("Checkpoint of step %1 saved as %2").arg(step).arg(target));
        else
            showError(tr("Save Checkpoint"), tr("Cannot write %1").arg(target));
    });

    connect(m_controls->startAction(), &QAction::triggered, this, &MainWindow::startSession);
    connect(m_controls->pauseAction(), &QAction::toggled, this,
        [this](bool paused) { paused ? m_session->pause() : m_session->resume(); });
    connect(m_controls->stopAction(), &QAction::triggered, m_session, &Session::stop);
    connect(
        m_controls->checkpointAction(), &QAction::triggered, this, &MainWindow::saveCheckpointAs);

    resize(1400, 900);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    sessionStateChanged(m_session->state());
    showStartPage();
}

void MainWindow::showStartPage()
{
    if (m_session->isActive())
        return;
    m_start->load(
        presetDirectory(), QSettings().value(QStringLiteral("recentRuns")).toStringList());
    m_central->setCurrentWidget(m_start);
}

bool MainWindow::startPageShown() const
{
    return m_central->currentWidget() == m_start;
}

void MainWindow::rememberRun(const QString& runDir)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentRuns")).toStringList();
    const QString dir = QFileInfo(runDir).absoluteFilePath();
    recent.removeAll(dir);
    recent.prepend(dir);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentRuns"), recent);
}

MainWindow::~MainWindow()
{
    setNoticeHandler(std::move(m_previousNotices));
}

void MainWindow::buildDocks()
{
    auto dock = [this](const QString& title, const QString& name, QWidget* widget,
                    Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(widget);
        addDockWidget(area, d);
        m_docks.append(d);
        return d;
    };
    m_form = new SessionForm(this);
    QDockWidget* formDock
        = dock(tr("Session"), QStringLiteral("sessionDock"), m_form, Qt::LeftDockWidgetArea);
    m_configView = new ConfigTreeView(this);
    m_configView->setObjectName(QStringLiteral("configView"));
    QDockWidget* configDock
        = dock(tr("Config"), QStringLiteral("configDock"), m_configView, Qt::LeftDockWidgetArea);
    tabifyDockWidget(formDock, configDock);
    m_advanced = new AdvancedForm(this);
    QDockWidget* advancedDock
        = dock(tr("Advanced"), QStringLiteral("advancedDock"), m_advanced, Qt::LeftDockWidgetArea);
    tabifyDockWidget(configDock, advancedDock);
    formDock->raise();

    m_mixture = new MixturePanel(this);
    QDockWidget* mixtureDock
        = dock(tr("Mixture"), QStringLiteral("mixtureDock"), m_mixture, Qt::RightDockWidgetArea);
    m_samples = new SamplePanel(this);
    QDockWidget* samplesDock
        = dock(tr("Samples"), QStringLiteral("samplesDock"), m_samples, Qt::RightDockWidgetArea);
    splitDockWidget(mixtureDock, samplesDock, Qt::Vertical);

    m_issues = new IssueList(this);
    m_issuesDock
        = dock(tr("Problems"), QStringLiteral("problemsDock"), m_issues, Qt::BottomDockWidgetArea);
    connect(m_issues, &IssueList::pathActivated, this, [this](const QString& path) {
        if (QWidget* field = m_form->fieldFor(path)) {
            m_docks.first()->raise();
            field->setFocus();
        } else if (auto* item = m_configView->itemAt(path)) {
            m_docks[1]->raise();
            m_configView->setCurrentItem(item);
            m_configView->scrollToItem(item);
        }
    });
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    QDockWidget* logDock
        = dock(tr("Log"), QStringLiteral("logDock"), m_log, Qt::BottomDockWidgetArea);
    tabifyDockWidget(m_issuesDock, logDock);
    logDock->raise();
    resizeDocks({ formDock, mixtureDock }, { 330, 430 }, Qt::Horizontal);
    resizeDocks({ m_issuesDock }, { 130 }, Qt::Vertical);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    m_startPageAction = file->addAction(tr("&Start Page"), this, &MainWindow::showStartPage);
    m_startPageAction->setToolTip(tr("The presets as cards and the recent runs"));
    m_presetMenu = file->addMenu(tr("New Session from &Preset"));
    fillPresetMenu();
    QAction* open = file->addAction(tr("&Open Config…"), this, &MainWindow::chooseConfigFile);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    QAction* openRun = file->addAction(tr("Open Run &Folder…"), this, &MainWindow::chooseRunFolder);
    openRun->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    openRun->setToolTip(tr("Show a run folder's charts and continue it from its checkpoint"));
    file->addAction(tr("Open &Checkpoint…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Checkpoint"),
            PreferencesDialog::runRoot(), tr("Checkpoints (*.safetensors *.pt)"));
        if (path.isEmpty())
            return;
        const QString dir = QFileInfo(path).absolutePath();
        if (QFile::exists(QDir(dir).filePath(QStringLiteral("config.json")))) {
            openRunFolder(dir);
        } else {
            RunConfig c = m_form->config();
            c.distill.teacher = path.toStdString();
            m_form->setConfig(c);
            formEdited(m_form->config(), !m_form->hasErrors());
            appendLog(tr("%1 is not in a run folder: set as the teacher checkpoint").arg(path));
        }
    });
    file->addAction(m_controls->checkpointAction());
    file->addSeparator();
    QAction* exportConfig
        = file->addAction(tr("&Export Config…"), this, &MainWindow::chooseExportConfig);
    exportConfig->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportConfig->setToolTip(
        tr("Write the config `ddil run` takes to repeat this session headless"));
    QAction* report = file->addAction(tr("Export &Report…"), this, &MainWindow::chooseExportReport);
    report->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    file->addSeparator();
    file->addAction(tr("Pre&ferences…"), this, &MainWindow::showPreferences)
        ->setShortcut(QKeySequence::Preferences);
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_controls->startAction());
    run->addAction(m_controls->pauseAction());
    run->addAction(m_controls->stopAction());

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : m_docks)
        m_viewMenu->addAction(d->toggleViewAction());
    m_viewMenu->addAction(m_controls->toolBar()->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Overlay Run Folder…"), this, &MainWindow::chooseOverlay)
        ->setToolTip(tr("Draw another run's curves beside the session's (e.g. baseline against "
                        "DDIL)"));
    m_viewMenu->addAction(tr("&Clear Overlays"), m_charts, &ChartPanel::clearOverlays);
    m_viewMenu->addAction(tr("Com&pare Runs…"), this, &MainWindow::chooseComparison)
        ->setToolTip(tr("Open a sweep or reproduction folder: its runs grouped by seed, mean "
                        "curves with a band, final metrics against a baseline"));
    m_viewMenu->addSeparator();
    fillLanguageMenu(m_viewMenu->addMenu(tr("&Language")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DDIL Workbench"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::fillLanguageMenu(QMenu* menu)
{
    auto* group = new QActionGroup(menu);
    const QString current = QSettings().value(kLanguageKey).toString();
    const QList<QPair<QString, QString>> languages { { tr("System Language"), QString() },
        { QStringLiteral("English"), QStringLiteral("en") },
        { QStringLiteral("繁體中文"), QStringLiteral("zh_TW") } };
    for (const auto& [name, code] : languages) {
        QAction* a = menu->addAction(name);
        a->setCheckable(true);
        a->setChecked(code == current);
        a->setData(code);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, code = code] {
            QSettings().setValue(kLanguageKey, code);
            QMessageBox::information(
                this, tr("Language"), tr("The language changes when the workbench starts again."));
        });
    }
}

QString MainWindow::presetDirectory()
{
    const QString env = qEnvironmentVariable("DDIL_CONFIG_DIR");
    if (!env.isEmpty())
        return env;
    const QString installed = QCoreApplication::applicationDirPath()
        + QStringLiteral("/../share/ddil-workbench/configs");
    if (QDir(installed).exists())
        return QDir(installed).canonicalPath();
    return QStringLiteral(DDIL_SOURCE_CONFIG_DIR);
}

void MainWindow::fillPresetMenu()
{
    m_presetMenu->clear();
    const QDir root(presetDirectory());
    const QStringList files = presetConfigs(root.path());
    for (const QString& file : files)
        m_presetMenu->addAction(
            file, this, [this, path = root.filePath(file)] { openConfig(path); });
    m_presetMenu->setEnabled(!files.isEmpty());
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentConfigs")).toStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(path, this, [this, path] { openConfig(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::rememberRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentConfigs")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentConfigs"), recent);
    updateRecentMenu();
}

void MainWindow::chooseConfigFile()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Config"), presetDirectory(), tr("Configs (*.json)"));
    if (!path.isEmpty())
        openConfig(path);
}

bool MainWindow::openConfig(const QString& path)
{
    if (m_session->isActive()) {
        showError(tr("Open Config"), tr("Stop the running session first."));
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const ConfigLoadResult loaded = loadConfigFile(absolute.toStdString());
    for (const auto& issue : loaded.issues)
        appendLog(QFileInfo(absolute).fileName() + QStringLiteral(": ")
            + QString::fromStdString(issue.toString()));
    if (!loaded.ok()) {
        // Keep the previous config: a config with errors never becomes the session's config.
        m_issues->showIssues(absolute, loaded.issues);
        m_configView->showConfig(loaded.config, loaded.issues);
        statusBar()->showMessage(tr("%1 has errors (%2); it cannot start a run")
                .arg(QFileInfo(absolute).fileName())
                .arg(loaded.errors().size()));
        m_issuesDock->show();
        m_issuesDock->raise();
        return false;
    }
    m_configPath = absolute;
    m_central->setCurrentWidget(m_charts);
    m_runFolder->close();
    m_form->setConfig(loaded.config);
    m_mixture->showConfig(loaded.config);
    m_controls->setRuntime(loaded.config.runtime);
    m_charts->resetLive({});
    m_samples->clear();
    applySampleData(loaded.config);
    formEdited(loaded.config, true);
    m_issues->showIssues(absolute, loaded.issues); // the file's warnings, if any
    // The config tree shows what the run will use: a student's model comes from its teacher.
    try {
        m_configView->showConfig(resolveRunConfig(loaded.config), loaded.issues);
    } catch (const std::exception& e) {
        appendLog(tr("Cannot resolve the teacher yet: %1").arg(QString::fromUtf8(e.what())));
    }
    const int warnings = static_cast<int>(loaded.warnings().size());
    statusBar()->showMessage(warnings == 0
            ? tr("Loaded %1").arg(absolute)
            : tr("Loaded %1 (warnings: %2)").arg(absolute).arg(warnings),
        8000);
    appendLog(tr("Loaded config %1").arg(absolute));
    rememberRecent(absolute);
    return true;
}

void MainWindow::applySampleData(const RunConfig& config)
{
    m_samples->setTrainingData(config.data);
    if (config.data.kind == DataKind::FashionMnist) {
        m_samples->setClassNames(fashionMnistClassNames());
    } else if (config.data.kind == DataKind::Toy2d) {
        m_samples->setClassNames({});
    } else {
        QStringList names;
        for (int k = 0; k < 10; ++k)
            names << tr("class %1").arg(k);
        m_samples->setClassNames(names);
    }
}

RunConfig MainWindow::editedConfig() const
{
    RunConfig c = m_form->config();
    if (c.task == Task::Distill)
        setMixture(c.distill, m_mixture->mixture());
    c.runtime.device = m_controls->device();
    c.runtime.threads = m_controls->threads();
    return c;
}

std::optional<RunConfig> MainWindow::config() const
{
    const RunConfig c = editedConfig();
    for (const auto& issue : validateConfig(c))
        if (issue.severity == ConfigIssue::Severity::Error)
            return std::nullopt;
    return c;
}

void MainWindow::formEdited(const RunConfig& config, bool valid)
{
    m_advanced->setConfig(editedConfig());
    m_formValid = valid;
    m_formChangedSinceStart = true;
    const auto issues = validateConfig(config);
    m_issues->showIssues(tr("session form"), issues);
    m_mixture->setEnabled(config.task == Task::Distill);
    updateTitle();
    sessionStateChanged(m_session->state());
}

void MainWindow::updateTitle()
{
    const RunConfig c = m_form->config();
    const QString name = QString::fromStdString(c.name);
    setWindowTitle(tr("%1 — DDIL Workbench").arg(name));
    m_statusConfig->setText(tr("%1 · %2 · hash %3")
            .arg(name, QString::fromStdString(toString(c.task)),
                QString::fromStdString(configHash(c))));
}

bool MainWindow::startSession()
{
    if (m_session->isActive())
        return false;
    const auto c = config();
    if (!c) {
        showError(
            tr("Start Session"), tr("The session's config has errors; see the Problems panel."));
        m_issuesDock->show();
        m_issuesDock->raise();
        return false;
    }
    QString dir;
    bool resume = false;
    if (!m_runFolder->resumeDir().isEmpty()) {
        dir = m_runFolder->resumeDir();
        resume = true;
    } else {
        const QDir root(PreferencesDialog::runRoot());
        const QString base = root.filePath(QString::fromStdString(defaultRunDirName(*c)));
        dir = base;
        for (int n = 2; QFileInfo::exists(dir); ++n)
            dir = base + QStringLiteral("-%1").arg(n);
        m_charts->resetLive(QFileInfo(dir).fileName());
        m_samples->clear();
    }
    m_session->setSnapshotOptions(snapshotOptionsFor(*c));
    m_controls->resetProgress();
    m_runFolder->close();
    m_session->start(*c, dir, resume);
    m_central->setCurrentWidget(m_charts);
    rememberRun(dir);
    m_formChangedSinceStart = false;
    appendLog(resume ? tr("Resuming %1").arg(dir) : tr("Started a session in %1").arg(dir));
    return true;
}

void MainWindow::sessionStateChanged(SessionState state)
{
    const bool active = m_session->isActive();
    m_controls->setState(state, m_formValid);
    m_form->setEnabled(!active);
    m_advanced->setEnabled(!active);
    m_startPageAction->setEnabled(!active);
    statusBar()->showMessage(sessionStateName(state) + QStringLiteral(" · ") + m_session->runDir());
}

bool MainWindow::exportConfig(const QString& path, QString* error) const
{
    std::optional<RunConfig> c;
    if (m_session->state() != SessionState::Idle && !m_formChangedSinceStart)
        c = m_session->sessionConfig();
    else
        c = config();
    if (!c) {
        if (error)
            *error = tr("the config has errors");
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QByteArray::fromStdString(configToJson(*c))) < 0) {
        if (error)
            *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool MainWindow::exportReport(const QString& folder, QString* error) const
{
    ReportInput input;
    input.folder = folder;
    input.charts = m_charts;
    input.samples = m_samples;
    input.title = QString::fromStdString(m_form->config().name);
    if (!QDir().mkpath(folder)) {
        if (error)
            *error = tr("cannot create %1").arg(folder);
        return false;
    }
    if (!exportConfig(QDir(folder).filePath(QStringLiteral("config.json")), error))
        return false;
    return writeReport(input, error);
}

bool MainWindow::overlayRun(const QString& runDir, QString* error)
{
    if (!m_charts->addOverlay(runDir, error))
        return false;
    appendLog(tr("Overlaid %1").arg(runDir));
    return true;
}

void MainWindow::chooseOverlay()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Overlay Run Folder"), PreferencesDialog::runRoot());
    QString error;
    if (!dir.isEmpty() && !overlayRun(dir, &error))
        showError(tr("Overlay Run Folder"), error);
}

void MainWindow::chooseComparison()
{
    const QString dir
        = QFileDialog::getExistingDirectory(this, tr("Compare Runs"), PreferencesDialog::runRoot());
    QString error;
    if (!dir.isEmpty() && !compareRuns({ dir }, &error))
        showError(tr("Compare Runs"), error);
}

bool MainWindow::compareRuns(const QStringList& roots, QString* error)
{
    if (!m_compare) {
        m_compare = new CompareView(this);
        m_compare->setWindowFlag(Qt::Window);
    }
    if (!m_compare->openFolders(roots, error))
        return false;
    m_compare->show();
    m_compare->raise();
    return true;
}

void MainWindow::chooseRunFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open Run Folder"), PreferencesDialog::runRoot());
    if (!dir.isEmpty())
        openRunFolder(dir);
}

SnapshotOptions MainWindow::snapshotOptionsFor(const RunConfig& config)
{
    SnapshotOptions snapshots;
    const int perRun = PreferencesDialog::snapshotsPerRun();
    snapshots.every = perRun > 0 ? std::max(1, config.train.steps / perRun) : 0;
    // Images: an 8 x 8 grid; 2-D data: enough points to see the distribution.
    snapshots.count = config.data.kind == DataKind::Toy2d ? 1000 : 64;
    snapshots.seed = config.seed;
    return snapshots;
}

bool MainWindow::openRunFolder(const QString& runDir)
{
    if (m_session->isActive()) {
        showError(tr("Open Run Folder"), tr("Stop the running session first."));
        return false;
    }
    const QString configFile = QDir(runDir).filePath(QStringLiteral("config.json"));
    const ConfigLoadResult loaded = loadConfigFile(configFile.toStdString());
    if (!loaded.ok()) {
        m_issues->showIssues(configFile, loaded.issues);
        showError(tr("Open Run Folder"),
            loaded.unreadable ? tr("%1 is not a run folder (no readable config.json)").arg(runDir)
                              : tr("%1 has errors; see the Problems panel").arg(configFile));
        return false;
    }
    m_configPath = configFile;
    m_central->setCurrentWidget(m_charts);
    rememberRun(runDir);
    m_form->setConfig(loaded.config);
    m_mixture->showConfig(loaded.config);
    m_controls->setRuntime(loaded.config.runtime);
    m_configView->showConfig(loaded.config, loaded.issues);
    applySampleData(loaded.config);
    m_samples->clear();
    formEdited(loaded.config, true);
    QString error;
    if (!m_charts->loadLive(runDir, &error))
        appendLog(error);
    m_formChangedSinceStart = true;
    const auto opened = m_runFolder->open(runDir, loaded.config, snapshotOptionsFor(loaded.config));
    const QString& status = opened.status;
    appendLog(opened.running ? tr("Opened run %1: it is training; its charts follow it").arg(runDir)
            : opened.resumable
            ? tr("Opened run %1 (%2): Start continues it from its checkpoint").arg(runDir, status)
            : tr("Opened run %1 (%2)").arg(runDir, status.isEmpty() ? tr("no state") : status));
    return true;
}

void MainWindow::saveCheckpointAs()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Checkpoint As"),
        PreferencesDialog::runRoot(), tr("Checkpoints (*.safetensors *.pt)"));
    if (path.isEmpty())
        return;
    if (m_session->isActive()) {
        m_pendingCheckpointCopy = path;
        m_session->requestCheckpoint();
        appendLog(tr("A checkpoint is written at the next step"));
        return;
    }
    const QString source
        = QString::fromStdString(runCheckpointPath(m_session->runDir().toStdString()));
    QFile::remove(path);
    if (!QFile::copy(source, path))
        showError(tr("Save Checkpoint"), tr("Cannot copy %1 to %2").arg(source, path));
}

void MainWindow::chooseExportConfig()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Config"),
        QString::fromStdString(m_form->config().name) + QStringLiteral(".json"),
        tr("Configs (*.json)"));
    QString error;
    if (path.isEmpty())
        return;
    if (exportConfig(path, &error))
        appendLog(tr("Exported the config to %1; run it with: ddil run %1").arg(path));
    else
        showError(tr("Export Config"), error);
}

void MainWindow::chooseExportReport()
{
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Export Report"), PreferencesDialog::runRoot());
    QString error;
    if (folder.isEmpty())
        return;
    if (exportReport(folder, &error))
        appendLog(tr("Report written to %1").arg(folder));
    else
        showError(tr("Export Report"), error);
}

void MainWindow::showPreferences()
{
    PreferencesDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        dialog.save();
}

void MainWindow::appendLog(const QString& text)
{
    m_log->appendPlainText(
        QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
}

void MainWindow::showError(const QString& title, const QString& text)
{
    // Window-modal but not blocking: the event loop (and the training reports) go on.
    auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("errorBox"));
    box->open();
    statusBar()->showMessage(text, 10000);
}

QString MainWindow::aboutText()
{
    const LibraryVersions v = libraryVersions();
    return tr("<h3>DDIL Workbench %1</h3>"
              "<p>Diffusion distillation with imitation learning: train few-step students, "
              "compare them with their teacher and measure covariate shift.</p>"
              "<p>Build %2<br>Qt %3 (built with %4)<br>LibTorch %5 (%6)<br>OpenCV %7</p>")
               .arg(QString::fromStdString(v.project), QString::fromStdString(v.buildId),
                   QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
                   QString::fromStdString(v.libtorch), v.cudaBuild ? tr("CUDA") : tr("CPU"),
                   QString::fromStdString(v.opencv))
        + tr("<p>CPU convolution: %1</p>")
              .arg(QString::fromStdString(v.cpuConvolution).toHtmlEscaped())
        + tr("<p>Free software under the GNU General Public License, version 3 or (at your "
             "option) any later version; it comes with no warranty.</p>");
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About DDIL Workbench"), aboutText());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_session->isActive()) {
        const auto answer = QMessageBox::question(this, tr("Quit"),
            tr("A session is training. Stop it (writing a checkpoint) and quit?"));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_session->stop();
        m_session->waitForIdle(120'000);
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

} // namespace ddil
