#pragma once
// Every config field that changes training, generated from the core's schema (configSchema):
// one group per section, an editor per leaf by its kind (spin boxes with the schema's range,
// check boxes, the enum's choices, text, lists as comma-separated numbers), the schema's help
// as tooltip, and the keys the Mixture panel changes while a session trains marked "live". A
// key added to the format shows up here without a widget written by hand. Fields not shown are
// listed with the reason (hiddenFields).

#include "core/api/config.h"

#include <QMap>
#include <QScrollArea>

namespace ddil {

class AdvancedForm : public QScrollArea {
    Q_OBJECT
public:
    explicit AdvancedForm(QWidget* parent = nullptr);

    // Shows `config`'s values (no configEdited signal).
    void setConfig(const RunConfig& config);
    // The editor of a dotted path, or null.
    QWidget* fieldFor(const QString& path) const { return m_fields.value(path); }
    QStringList fieldPaths() const { return m_fields.keys(); }
    // The schema's leaves this form leaves out, with the reason.
    static const QMap<QString, QString>& hiddenFields();

Q_SIGNALS:
    // After an edit: the config with the edited value (parsed and validated by the core).
    void configEdited(const ddil::RunConfig& config);

private:
    void edited(const QString& path, const QJsonValue& value);

    RunConfig m_config;
    QMap<QString, QWidget*> m_fields;
    bool m_loading = false;
};

} // namespace ddil
