#pragma once
// The workbench's main window: charts in the centre; the session form and the config tree on the
// left; the mixture and the samples on the right; problems and the log below. Menus, the run
// tool bar and the status bar. Runs on the GUI thread only; training runs in the Session.

#include "core/api/config.h"
#include "core/api/notices.h"
#include "core/api/snapshot.h"
#include "session/session_types.h"

#include <QMainWindow>
#include <QStringList>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QStackedWidget;

namespace ddil {

class AdvancedForm;
class ChartPanel;
class CompareView;
class ConfigTreeView;
class IssueList;
class MixturePanel;
class RunControls;
class RunFolderFollower;
class SamplePanel;
class Session;
class SessionForm;
class StartPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `session`: the training session the window drives (app/ builds a TrainingSession; tests a
    // scripted one); it must outlive the window.
    explicit MainWindow(Session& session, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a config file into the form; false (with the problems listed) when it has errors.
    bool openConfig(const QString& path);
    // The session's config as the form and the mixture panel set it; nullopt with errors.
    std::optional<RunConfig> config() const;
    // The same, errors or not (what the Advanced form shows).
    RunConfig editedConfig() const;
    AdvancedForm* advancedForm() const { return m_advanced; }
    QString configPath() const { return m_configPath; }

    // Starts the session in a new run folder under runRoot(); false (with a message) if the
    // config has errors or a session is active.
    bool startSession();
    // Writes the config `ddil run` takes: the running or last session's (with its recorded
    // mixture changes) unless the form changed since, else the form's.
    bool exportConfig(const QString& path, QString* error = nullptr) const;
    // Writes charts (PNG, PDF), metrics (CSV, a Markdown table), the sample sheet and the config.
    bool exportReport(const QString& folder, QString* error = nullptr) const;
    // Opens a run folder: its config in the form, its metrics in the charts; when it has a
    // checkpoint and is not finished, the next start continues it.
    bool openRunFolder(const QString& runDir);
    // Overlays a run folder's metrics on the charts.
    bool overlayRun(const QString& runDir, QString* error = nullptr);
    // Shows the comparison window on the run folders in `roots` (View → Compare Runs…,
    // `ddil-workbench --compare DIR…`); false with `error` when there is none to compare.
    bool compareRuns(const QStringList& roots, QString* error = nullptr);
    CompareView* compareView() const { return m_compare; }
    // The start page (presets as cards, recent runs) in the centre, read afresh; it stays until
    // a config or a run folder is loaded (File → Start Page shows it again while idle).
    void showStartPage();
    bool startPageShown() const;
    StartPage* startPage() const { return m_start; }

    Session* session() const { return m_session; }
    ChartPanel* charts() const { return m_charts; }
    SamplePanel* samples() const { return m_samples; }
    MixturePanel* mixture() const { return m_mixture; }
    SessionForm* form() const { return m_form; }
    RunControls* runControls() const { return m_controls; }

    void appendLog(const QString& text);
    // The About box text: versions of the workbench, Qt, LibTorch and OpenCV.
    static QString aboutText();
    // Where the shipped configs (presets) are: $DDIL_CONFIG_DIR, the installed share folder, or the
    // source tree.
    static QString presetDirectory();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildDocks();
    void buildMenus();
    void fillPresetMenu();
    void fillLanguageMenu(QMenu* menu);
    void updateRecentMenu();
    void rememberRecent(const QString& path);
    void chooseConfigFile();
    void chooseOverlay();
    void chooseComparison();
    void rememberRun(const QString& runDir);
    void chooseRunFolder();
    void saveCheckpointAs();
    void chooseExportConfig();
    void chooseExportReport();
    void showPreferences();
    void showAbout();
    void showError(const QString& title, const QString& text);
    void formEdited(const RunConfig& config, bool valid);
    void sessionStateChanged(SessionState state);
    void updateTitle();
    // The sample panel's class names and training data (its nearest-image search) for `config`.
    void applySampleData(const RunConfig& config);
    // The sample snapshots of a session (and of an opened run folder) of `config`.
    static SnapshotOptions snapshotOptionsFor(const RunConfig& config);

    Session* m_session = nullptr;
    SessionForm* m_form = nullptr;
    ConfigTreeView* m_configView = nullptr;
    MixturePanel* m_mixture = nullptr;
    ChartPanel* m_charts = nullptr;
    SamplePanel* m_samples = nullptr;
    IssueList* m_issues = nullptr;
    QPlainTextEdit* m_log = nullptr;
    RunControls* m_controls = nullptr;
    QList<QDockWidget*> m_docks;
    QDockWidget* m_issuesDock = nullptr;
    QMenu* m_viewMenu = nullptr;
    CompareView* m_compare = nullptr; // made on first use: a window of its own
    QStackedWidget* m_central = nullptr;
    StartPage* m_start = nullptr;
    AdvancedForm* m_advanced = nullptr;
    QAction* m_startPageAction = nullptr; // disabled while a session trains
    QMenu* m_presetMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_statusConfig = nullptr;
    QString m_configPath;
    bool m_formValid = false;
    bool m_formChangedSinceStart = true;
    QString m_pendingCheckpointCopy; // Save Checkpoint As: where the next checkpoint goes
    NoticeHandler m_previousNotices; // restored when the window closes
    RunFolderFollower* m_runFolder = nullptr; // an opened run folder: resumed or followed
};

} // namespace ddil
