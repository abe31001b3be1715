#include "widgets/advanced_form.h"

#include "core/api/config_io.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace ddil {

namespace {
QJsonValue valueAt(const QJsonObject& root, const QStringList& keys)
{
    QJsonValue v = root;
    for (const QString& key : keys)
        v = v.toObject().value(key);
    return v;
}

QJsonObject withValue(QJsonObject root, const QStringList& keys, const QJsonValue& value)
{
    if (keys.size() == 1) {
        root.insert(keys.front(), value);
        return root;
    }
    root.insert(keys.front(), withValue(root.value(keys.front()).toObject(), keys.mid(1), value));
    return root;
}

QString listText(const QJsonValue& v)
{
    QStringList parts;
    for (const auto& x : v.toArray())
        parts << QString::number(x.toDouble(), 'g', 10);
    return parts.join(QStringLiteral(", "));
}
} // namespace

const QMap<QString, QString>& AdvancedForm::hiddenFields()
{
    static const QMap<QString, QString> hidden {
        { QStringLiteral("schema_version"), QStringLiteral("the format's version, not a setting") },
        { QStringLiteral("distill.ddil.changes"),
            QStringLiteral("recorded by the Mixture panel while a session trains") },
    };
    return hidden;
}

AdvancedForm::AdvancedForm(QWidget* parent)
    : QScrollArea(parent)
{
    setObjectName(QStringLiteral("advancedForm"));
    setWidgetResizable(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(new QLabel(tr("Every field of the config, from the schema the loader "
                                    "checks with. ● live: the Mixture panel changes it while "
                                    "a session trains."),
        page));
    qobject_cast<QLabel*>(layout->itemAt(0)->widget())->setWordWrap(true);
    QMap<QString, QFormLayout*> sections;
    for (const SchemaField& f : configSchema()) {
        const QString path = QString::fromStdString(f.path);
        if (hiddenFields().contains(path) || path.contains(QLatin1String("[]")))
            continue; // hidden, or an element's field of a hidden list
        const QString section = path.contains(QLatin1Char('.'))
            ? path.left(path.lastIndexOf(QLatin1Char('.')))
            : tr("run");
        if (!sections.contains(section)) {
            auto* box = new QGroupBox(section, page);
            auto* form = new QFormLayout(box);
            form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
            layout->addWidget(box);
            sections.insert(section, form);
        }
        QString tip = QString::fromStdString(f.help);
        QWidget* editor = nullptr;
        switch (f.kind) {
        case SchemaField::Kind::Integer: {
            if (!f.range) { // the seed: 64 bits, typed
                auto* line = new QLineEdit(page);
                line->setValidator(new QRegularExpressionValidator(
                    QRegularExpression(QStringLiteral("[0-9]{1,20}")), line));
                connect(line, &QLineEdit::editingFinished, this,
                    [this, path, line] { edited(path, QJsonValue(line->text().toDouble())); });
                editor = line;
                break;
            }
            auto* box = new QSpinBox(page);
            const double lo = f.range ? f.range->lo : 0, hi = f.range ? f.range->hi : 0;
            box->setRange(int(std::max<double>(lo, std::numeric_limits<int>::min())),
                int(std::min<double>(hi, std::numeric_limits<int>::max())));
            connect(box, &QSpinBox::valueChanged, this,
                [this, path](int v) { edited(path, QJsonValue(v)); });
            editor = box;
            break;
        }
        case SchemaField::Kind::Number: {
            auto* box = new QDoubleSpinBox(page);
            box->setDecimals(6);
            box->setRange(f.range->lo, f.range->hi);
            box->setSingleStep(std::pow(
                10.0, std::floor(std::log10(std::max(1e-6, f.range->hi - f.range->lo))) - 2));
            connect(box, &QDoubleSpinBox::valueChanged, this,
                [this, path](double v) { edited(path, QJsonValue(v)); });
            editor = box;
            break;
        }
        case SchemaField::Kind::Boolean: {
            auto* box = new QCheckBox(page);
            connect(box, &QCheckBox::toggled, this,
                [this, path](bool v) { edited(path, QJsonValue(v)); });
            editor = box;
            break;
        }
        case SchemaField::Kind::Choice: {
            auto* box = new QComboBox(page);
            for (const auto& c : f.choices)
                box->addItem(QString::fromStdString(c));
            connect(box, &QComboBox::currentTextChanged, this,
                [this, path](const QString& v) { edited(path, QJsonValue(v)); });
            editor = box;
            break;
        }
        case SchemaField::Kind::Text: {
            auto* line = new QLineEdit(page);
            connect(line, &QLineEdit::editingFinished, this,
                [this, path, line] { edited(path, QJsonValue(line->text())); });
            editor = line;
            break;
        }
        case SchemaField::Kind::Numbers:
        case SchemaField::Kind::Integers: {
            auto* line = new QLineEdit(page);
            line->setPlaceholderText(tr("comma-separated numbers"));
            const bool integers = f.kind == SchemaField::Kind::Integers;
            connect(line, &QLineEdit::editingFinished, this, [this, path, line, integers] {
                QJsonArray values;
                for (const QString& part :
                    line->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                    bool ok = false;
                    const double v = part.trimmed().toDouble(&ok);
                    values.append(ok ? (integers ? QJsonValue(qint64(v)) : QJsonValue(v))
                                     : QJsonValue(part.trimmed()));
                }
                edited(path, values);
            });
            editor = line;
            break;
        }
        case SchemaField::Kind::Objects:
            continue; // hidden (hiddenFields says why)
        }
        if (f.range)
            tip += QLatin1Char(' ') + tr("Range [%1, %2].").arg(f.range->lo).arg(f.range->hi);
        editor->setToolTip(path + QStringLiteral(": ") + tip);
        editor->setProperty("configPath", path);
        const QString key = path.mid(path.lastIndexOf(QLatin1Char('.')) + 1);
        auto* label = new QLabel(f.live ? key + QStringLiteral(" ●") : key, page);
        label->setToolTip(f.live ? tr("live: the Mixture panel changes it while a session trains")
                                 : editor->toolTip());
        sections[section]->addRow(label, editor);
        m_fields.insert(path, editor);
    }
    layout->addStretch(1);
    setWidget(page);
}

void AdvancedForm::setConfig(const RunConfig& config)
{
    m_config = config;
    m_loading = true;
    const QJsonObject root
        = QJsonDocument::fromJson(QByteArray::fromStdString(configToJson(config))).object();
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const QJsonValue v = valueAt(root, it.key().split(QLatin1Char('.')));
        QWidget* w = it.value();
        if (auto* box = qobject_cast<QSpinBox*>(w))
            box->setValue(v.toInt());
        else if (auto* box = qobject_cast<QDoubleSpinBox*>(w))
            box->setValue(v.toDouble());
        else if (auto* box = qobject_cast<QCheckBox*>(w))
            box->setChecked(v.toBool());
        else if (auto* box = qobject_cast<QComboBox*>(w))
            box->setCurrentText(v.toString());
        else if (auto* line = qobject_cast<QLineEdit*>(w))
            line->setText(v.isArray() ? listText(v)
                    : v.isDouble()    ? QString::number(qint64(v.toDouble()))
                                      : v.toString());
    }
    m_loading = false;
}

void AdvancedForm::edited(const QString& path, const QJsonValue& value)
{
    if (m_loading)
        return;
    QJsonObject root
        = QJsonDocument::fromJson(QByteArray::fromStdString(configToJson(m_config))).object();
    root = withValue(root, path.split(QLatin1Char('.')), value);
    const auto parsed = parseConfig(QJsonDocument(root).toJson().toStdString(), "advanced form");
    // A value the loader refuses at this field (a list element out of range, a word for a
    // number) keeps the previous config and is said at the field; the core's checks of the
    // whole config run where configEdited is received.
    QWidget* field = m_fields.value(path);
    for (const auto& issue : parsed.errors())
        if (QString::fromStdString(issue.path).startsWith(path)) {
            field->setStyleSheet(QStringLiteral("border: 1px solid #c0392b"));
            field->setProperty("fieldError", QString::fromStdString(issue.message));
            return;
        }
    field->setStyleSheet(QString());
    field->setProperty("fieldError", QVariant());
    m_config = parsed.config;
    Q_EMIT configEdited(m_config);
}

} // namespace ddil
