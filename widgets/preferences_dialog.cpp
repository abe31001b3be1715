#include "widgets/preferences_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>

namespace ddil {

namespace {
const QString kRunRootKey = QStringLiteral("runs/root");
const QString kSnapshotsKey = QStringLiteral("samples/perRun");
} // namespace

PreferencesDialog::PreferencesDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));
    auto* form = new QFormLayout(this);
    m_root = new QLineEdit(runRoot(), this);
    m_root->setObjectName(QStringLiteral("runRoot"));
    m_root->setToolTip(tr("Each session gets a run folder <name>-<date>-<time> here"));
    form->addRow(tr("Run folders"), m_root);
    m_perRun = new QSpinBox(this);
    m_perRun->setObjectName(QStringLiteral("snapshotsPerRun"));
    m_perRun->setRange(0, 1000);
    m_perRun->setValue(snapshotsPerRun());
    m_perRun->setSpecialValueText(tr("none"));
    m_perRun->setToolTip(tr("Sample snapshots taken over a session (the step slider's stops)"));
    form->addRow(tr("Snapshots per session"), m_perRun);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void PreferencesDialog::save() const
{
    QSettings settings;
    settings.setValue(kRunRootKey, m_root->text());
    settings.setValue(kSnapshotsKey, m_perRun->value());
}

QString PreferencesDialog::runRoot()
{
    return QSettings()
        .value(kRunRootKey, QDir::home().filePath(QStringLiteral("ddil-runs")))
        .toString();
}

int PreferencesDialog::snapshotsPerRun()
{
    return QSettings().value(kSnapshotsKey, 20).toInt();
}

} // namespace ddil
