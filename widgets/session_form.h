#pragma once
// The session setup form: data, teacher checkpoint, method, student steps, guidance, optimiser
// and evaluation settings over a base config (a preset or a file). Every edit is validated with
// the core's own checks; an error is shown at its field (red frame, JSON path in the tooltip)
// and listed below the form.

#include "core/api/config.h"
#include "core/api/config_io.h"

#include <QMap>
#include <QPair>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace ddil {

class SessionForm : public QWidget {
    Q_OBJECT
public:
    explicit SessionForm(QWidget* parent = nullptr);

    // Shows `config` in the fields (no configEdited signal).
    void setConfig(const RunConfig& config);
    // The base config with the fields' values.
    RunConfig config() const;
    const std::vector<ConfigIssue>& issues() const { return m_issues; }
    bool hasErrors() const;
    // The field editing a JSON path (tests), or null. Fields the chosen task and data do not use
    // are hidden (updateVisibility).
    QWidget* fieldFor(const QString& path) const { return m_fields.value(path); }
    // The error shown at a field ("" when none).
    QString fieldError(const QString& path) const;

Q_SIGNALS:
    // After each edit, with the validated config and its issues.
    void configEdited(const ddil::RunConfig& config, bool valid);

private:
    void addField(QFormLayout* form, const QString& label, const QString& path, QWidget* field,
        const QString& tip);
    void edited();
    void showIssues();
    void updateVisibility();

    RunConfig m_base;
    std::vector<ConfigIssue> m_issues;
    QMap<QString, QWidget*> m_fields;
    QMap<QString, QString> m_tips; // the tooltip of each field without errors
    QMap<QString, QPair<QFormLayout*, QWidget*>> m_rows; // each field's row in its form
    QWidget* m_distillGroup = nullptr;
    QLabel* m_problems = nullptr;
    bool m_loading = false;

    QLineEdit* m_name = nullptr;
    QComboBox* m_task = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_dataKind = nullptr;
    QComboBox* m_distribution = nullptr;
    QLineEdit* m_dataPath = nullptr;
    QLineEdit* m_teacher = nullptr;
    QComboBox* m_method = nullptr;
    QSpinBox* m_studentSteps = nullptr;
    QSpinBox* m_teacherSteps = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QComboBox* m_optimizer = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_warmup = nullptr;
    QDoubleSpinBox* m_ema = nullptr;
    QSpinBox* m_evalEvery = nullptr;
    QSpinBox* m_evalCount = nullptr;
    QLineEdit* m_extractor = nullptr;
    QCheckBox* m_shift = nullptr;
    QCheckBox* m_intervention = nullptr;
};

} // namespace ddil
