#include "widgets/issue_list.h"

#include <QStyle>

namespace ddil {

IssueList::IssueList(QWidget* parent)
    : QListWidget(parent)
{
    connect(this, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT pathActivated(item->data(Qt::UserRole).toString());
    });
}

void IssueList::showIssues(const QString& source, const std::vector<ConfigIssue>& issues)
{
    clear();
    for (const auto& issue : issues) {
        const bool error = issue.severity == ConfigIssue::Severity::Error;
        auto* item
            = new QListWidgetItem(style()->standardIcon(error ? QStyle::SP_MessageBoxCritical
                                                              : QStyle::SP_MessageBoxWarning),
                QString::fromStdString(issue.toString()), this);
        item->setData(Qt::UserRole, QString::fromStdString(issue.path));
        item->setToolTip(source);
    }
}

} // namespace ddil
