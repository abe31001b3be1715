#pragma once
// Edit → Preferences: where new run folders go and how many sample snapshots a session takes.
// Both are application settings (QSettings), never part of a run's config.

#include <QDialog>

class QLineEdit;
class QSpinBox;

namespace ddil {

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(QWidget* parent = nullptr);

    // Writes the edited values to QSettings.
    void save() const;

    // Where new run folders go: QSettings "runs/root", default ~/ddil-runs.
    static QString runRoot();
    // Sample snapshots over a session (0: none): QSettings "samples/perRun", default 20.
    static int snapshotsPerRun();

private:
    QLineEdit* m_root = nullptr;
    QSpinBox* m_perRun = nullptr;
};

} // namespace ddil
