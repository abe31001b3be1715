#include "widgets/main_window.h"

#include "core/api/config_io.h"
#include "core/api/versions.h"
#include "widgets/config_tree_view.h"
#include "widgets/issue_list.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStatusBar>

namespace ddil {

namespace {
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("DDIL Workbench"));
    m_configView = new ConfigTreeView(this);
    m_configView->setObjectName(QStringLiteral("configView"));
    setCentralWidget(m_configView);
    buildDocks();
    buildMenus();
    m_statusConfig = new QLabel(tr("No config loaded"), this);
    statusBar()->addPermanentWidget(m_statusConfig);
    statusBar()->showMessage(tr("Open a config or a preset to begin"));
    resize(1100, 720);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

void MainWindow::buildDocks()
{
    setDockNestingEnabled(true);
    m_issues = new IssueList(this);
    m_issuesDock = new QDockWidget(tr("Problems"), this);
    m_issuesDock->setObjectName(QStringLiteral("problemsDock"));
    m_issuesDock->setWidget(m_issues);
    addDockWidget(Qt::BottomDockWidgetArea, m_issuesDock);
    connect(m_issues, &IssueList::pathActivated, this, [this](const QString& path) {
        if (auto* item = m_configView->itemAt(path)) {
            m_configView->setCurrentItem(item);
            m_configView->scrollToItem(item);
        }
    });

    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_logDock = new QDockWidget(tr("Log"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    tabifyDockWidget(m_issuesDock, m_logDock);
    m_issuesDock->raise();
    resizeDocks({ m_issuesDock }, { 160 }, Qt::Vertical);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Config…"), this, &MainWindow::chooseConfigFile);
    open->setShortcut(QKeySequence::Open);
    m_presetMenu = file->addMenu(tr("New from &Preset"));
    fillPresetMenu();
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->addAction(m_issuesDock->toggleViewAction());
    m_viewMenu->addAction(m_logDock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DDIL Workbench"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
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
    QStringList files;
    QDirIterator it(
        root.path(), { QStringLiteral("*.json") }, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    for (const QString& path : files)
        m_presetMenu->addAction(
            root.relativeFilePath(path), this, [this, path] { openConfig(path); });
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
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const ConfigLoadResult loaded = loadConfigFile(absolute.toStdString());
    m_issues->showIssues(absolute, loaded.issues);
    const int errors = static_cast<int>(loaded.errors().size());
    const int warnings = static_cast<int>(loaded.warnings().size());
    for (const auto& issue : loaded.issues)
        appendLog(QFileInfo(absolute).fileName() + QStringLiteral(": ")
            + QString::fromStdString(issue.toString()));
    if (!loaded.ok()) {
        // Keep the previous config: a config with errors never becomes the session's config.
        m_configView->showConfig(loaded.config, loaded.issues);
        statusBar()->showMessage(tr("%1 has errors (%2); it cannot start a run")
                                     .arg(QFileInfo(absolute).fileName())
                                     .arg(errors));
        m_issuesDock->raise();
        m_issuesDock->show();
        return false;
    }
    m_config = loaded.config;
    m_configPath = absolute;
    m_configView->showConfig(loaded.config, loaded.issues);
    const QString name = QString::fromStdString(loaded.config.name);
    setWindowTitle(tr("%1 — DDIL Workbench").arg(name));
    m_statusConfig->setText(tr("%1 · %2 · hash %3")
                                .arg(name, QString::fromStdString(toString(loaded.config.task)),
                                    QString::fromStdString(configHash(loaded.config))));
    statusBar()->showMessage(warnings == 0
            ? tr("Loaded %1").arg(absolute)
            : tr("Loaded %1 (warnings: %2)").arg(absolute).arg(warnings),
        8000);
    appendLog(tr("Loaded config %1").arg(absolute));
    rememberRecent(absolute);
    return true;
}

void MainWindow::appendLog(const QString& text)
{
    m_log->appendPlainText(
        QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
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
            QString::fromStdString(v.opencv));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About DDIL Workbench"), aboutText());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

} // namespace ddil
