#pragma once
// A read-only tree of a config's settings (key, value) in the format's canonical order, with
// the items that have problems marked.

#include "core/api/config_io.h"

#include <QTreeWidget>

namespace ddil {

class ConfigTreeView : public QTreeWidget {
    Q_OBJECT
public:
    explicit ConfigTreeView(QWidget* parent = nullptr);

    // Shows every field of `config` and marks the items named by `issues`.
    void showConfig(const RunConfig& config, const std::vector<ConfigIssue>& issues);
    // The item at a dotted JSON path ("train.lr"), or nullptr.
    QTreeWidgetItem* itemAt(const QString& path) const;

    static constexpr int kPathRole = Qt::UserRole + 1;
};

} // namespace ddil
