#pragma once
// The Problems panel: every config issue with its JSON path; activating one emits its path.

#include "core/api/config_io.h"

#include <QListWidget>

namespace ddil {

class IssueList : public QListWidget {
    Q_OBJECT
public:
    explicit IssueList(QWidget* parent = nullptr);
    void showIssues(const QString& source, const std::vector<ConfigIssue>& issues);

Q_SIGNALS:
    void pathActivated(const QString& path);
};

} // namespace ddil
