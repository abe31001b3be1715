#include "widgets/config_tree_view.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ddil {

namespace {
    QString valueText(const QJsonValue& v)
    {
        switch (v.type()) {
        case QJsonValue::Bool:
            return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        case QJsonValue::Double:
            return QString::number(v.toDouble(), 'g', 10);
        case QJsonValue::String:
            return v.toString();
        case QJsonValue::Array:
            return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
        default:
            return QString();
        }
    }

    void addChildren(QTreeWidgetItem* parent, QTreeWidget* tree, const QJsonObject& object, const QString& prefix)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString path = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
            auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
            item->setText(0, it.key());
            item->setData(0, ConfigTreeView::kPathRole, path);
            if (it.value().isObject())
                addChildren(item, tree, it.value().toObject(), path);
            else
                item->setText(1, valueText(it.value()));
        }
    }
}

ConfigTreeView::ConfigTreeView(QWidget* parent)
    : QTreeWidget(parent)
{
    setColumnCount(2);
    setHeaderLabels({ tr("Setting"), tr("Value") });
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    setAlternatingRowColors(true);
    setUniformRowHeights(true);
}

QTreeWidgetItem* ConfigTreeView::itemAt(const QString& path) const
{
    QTreeWidgetItemIterator it(const_cast<ConfigTreeView*>(this));
    for (; *it; ++it)
        if ((*it)->data(0, kPathRole).toString() == path)
            return *it;
    return nullptr;
}

void ConfigTreeView::showConfig(const QString& json, const std::vector<ConfigIssue>& issues)
{
    clear();
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject())
        return;
    addChildren(nullptr, this, doc.object(), QString());
    expandAll();
    for (const auto& issue : issues) {
        // Mark the deepest item that exists on the issue's path.
        QString path = QString::fromStdString(issue.path);
        QTreeWidgetItem* item = nullptr;
        while (!path.isEmpty() && !(item = itemAt(path)))
            path = path.section(QLatin1Char('.'), 0, -2);
        if (!item)
            continue;
        const bool error = issue.severity == ConfigIssue::Severity::Error;
        item->setForeground(0, error ? QColor(0xc0, 0x1c, 0x28) : QColor(0xb5, 0x83, 0x00));
        item->setIcon(0, style()->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning));
        item->setToolTip(0, QString::fromStdString(issue.toString()));
        item->setToolTip(1, QString::fromStdString(issue.toString()));
    }
}

} // namespace ddil
