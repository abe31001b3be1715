#pragma once
// What the central area shows while no session is loaded: the presets as cards, grouped (2-D
// toy data, the Fashion-MNIST teacher, distillation), each with one line on what it shows and
// the time it took when scripts/run-presets.sh measured it (presets.json and preset-times.json
// in the preset folder); the recent run folders with their status and final metric; Open
// Config… and Open Run Folder…. A click on a card loads its session; nothing starts.

#include <QFrame>
#include <QScrollArea>
#include <QStringList>

class QVBoxLayout;

namespace ddil {

// The configs of a preset folder and its subfolders, relative to it and sorted, without the
// start page's index and times (the preset menu's and the start page's list).
QStringList presetConfigs(const QString& presetDir);

// One card: a bold title over a wrapped description, clicked with the mouse, Enter or Space.
class StartCard : public QFrame {
    Q_OBJECT
public:
    StartCard(const QString& title, const QString& description, QWidget* parent = nullptr);
    QString title() const { return m_title; }
    QString description() const { return m_description; }
    void click() { Q_EMIT clicked(); }

Q_SIGNALS:
    void clicked();

protected:
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void enterEvent(QEnterEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    QString m_title, m_description;
};

class StartPage : public QScrollArea {
    Q_OBJECT
public:
    explicit StartPage(QWidget* parent = nullptr);

    // Builds the page from `presetDir` (its presets.json and preset-times.json) and the recent
    // run folders. A preset index that is missing or broken is said on the page, and every
    // config in the folder is offered instead.
    void load(const QString& presetDir, const QStringList& recentRuns);
    // The cards, presets first, then the recent runs (for tests and keyboard order).
    const QList<StartCard*>& presetCards() const { return m_presetCards; }
    const QList<StartCard*>& runCards() const { return m_runCards; }

Q_SIGNALS:
    void presetChosen(const QString& configPath);
    void runChosen(const QString& runDir);
    void openConfigRequested();
    void openRunFolderRequested();

private:
    QVBoxLayout* m_layout = nullptr;
    QList<StartCard*> m_presetCards;
    QList<StartCard*> m_runCards;
};

} // namespace ddil
