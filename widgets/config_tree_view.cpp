#include "widgets/config_tree_view.h"

#include <QHash>
#include <QHeaderView>
#include <QStyle>

namespace ddil {

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

void ConfigTreeView::showConfig(const RunConfig& config, const std::vector<ConfigIssue>& issues)
{
    clear();
    QHash<QString, QTreeWidgetItem*> groups; // section path -> its item
    for (const ConfigField& field : configFields(config)) {
        const QString path = QString::fromStdString(field.path);
        const QStringList parts = path.split(QLatin1Char('.'));
        QTreeWidgetItem* parent = nullptr;
        QString prefix;
        for (int i = 0; i + 1 < parts.size(); ++i) {
            prefix = prefix.isEmpty() ? parts[i] : prefix + QLatin1Char('.') + parts[i];
            QTreeWidgetItem*& group = groups[prefix];
            if (!group) {
                group = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
                group->setText(0, parts[i]);
                group->setData(0, kPathRole, prefix);
            }
            parent = group;
        }
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
        item->setText(0, parts.last());
        item->setText(1, QString::fromStdString(field.value));
        item->setData(0, kPathRole, path);
    }
    expandAll();
    for (const auto& issue : issues) {
        // Mark the deepest item that exists on the issue's path (unknown keys mark their section).
        QString path = QString::fromStdString(issue.path);
        QTreeWidgetItem* item = nullptr;
        while (!path.isEmpty() && !(item = itemAt(path)))
            path = path.section(QLatin1Char('.'), 0, -2);
        if (!item)
            continue;
        const bool error = issue.severity == ConfigIssue::Severity::Error;
        item->setForeground(0, error ? QColor(0xc0, 0x1c, 0x28) : QColor(0xb5, 0x83, 0x00));
        item->setIcon(0,
            style()->standardIcon(
                error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning));
        const QString tip = QString::fromStdString(issue.toString());
        item->setToolTip(0, tip);
        item->setToolTip(1, tip);
    }
}

} // namespace ddil
