#pragma once
// The workbench's main window: menus, status bar, and the dock layout that the session panels
// fill (config, problems, log). Runs on the GUI thread only.

#include "core/api/config.h"

#include <QMainWindow>
#include <QStringList>

#include <optional>

class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;

namespace ddil {

class ConfigTreeView;
class IssueList;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Loads a config file and shows it; false (with the problems listed) when it has errors.
    bool openConfig(const QString& path);
    const std::optional<RunConfig>& config() const { return m_config; }
    QString configPath() const { return m_configPath; }

    void appendLog(const QString& text);
    // The About box text: versions of the workbench, Qt, LibTorch and OpenCV.
    static QString aboutText();
    // Where the shipped configs (presets) are: $DDIL_CONFIG_DIR, the installed share folder, or the
    // source tree.
    static QString presetDirectory();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void fillPresetMenu();
    void updateRecentMenu();
    void rememberRecent(const QString& path);
    void chooseConfigFile();
    void showAbout();

    ConfigTreeView* m_configView = nullptr;
    IssueList* m_issues = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QDockWidget* m_issuesDock = nullptr;
    QDockWidget* m_logDock = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_presetMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_statusConfig = nullptr;
    std::optional<RunConfig> m_config;
    QString m_configPath;
};

} // namespace ddil
