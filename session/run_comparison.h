#pragma once
// The runs of a sweep or a reproduction folder, compared (View → Compare Runs, `ddil-workbench
// --compare DIR…`): the run folders found under the folders opened, grouped by seed as `ddil
// table --group-seeds` groups them (core/api/run_groups.h, the same function), each group's
// curve of any logged scalar as a mean with a band, and the table of final metrics with each
// group's difference to a chosen baseline (core/api/run_table.h). Folders still being written
// are read again by refresh(): new lines, new runs. Qt Core only.

#include "core/api/run_groups.h"
#include "core/api/run_table.h"
#include "session/run_metrics.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace ddil {

class RunComparison {
public:
    struct Run {
        QString dir;
        std::uint64_t seed = 0;
        QString status; // state.json's ("" without one)
        RunMetrics metrics;
        qint64 offset = 0; // bytes of metrics.jsonl read
    };
    struct Group {
        QString name;
        QVector<Run> runs;
    };

    // Finds the run folders (holding a config.json) in each of `roots` and up to three levels
    // below it, and groups them. False with `error` naming the problem when none is found or a
    // config cannot be read (nothing opened then changes).
    bool open(const QStringList& roots, QString* error);
    const QStringList& roots() const { return m_roots; }
    // Reads what the folders gained: new metrics lines, new statuses, and new run folders (which
    // regroup). True when anything changed; a config that cannot be read sets `error` and
    // leaves the groups as they were.
    bool refresh(QString* error = nullptr);

    const QVector<Group>& groups() const { return m_groups; }
    int runCount() const;
    // Every scalar some run logged, sorted.
    QStringList metricNames() const;
    // Group `group`'s curve of `metric` over its runs (steps logged by one run only are drawn
    // without a band).
    SeedBand band(int group, const QString& metric, BandKind kind) const;
    // The final metrics of the groups' finished runs (`ddil table --group-seeds`, no teacher
    // rows), every group compared with `baseline` (a group name; "": each method's first row).
    // Throws as buildRunTable does; ConfigError when no run has finished.
    RunTable table(const QString& baseline) const;

private:
    QStringList m_roots;
    QVector<Group> m_groups;
};

// The run folders in `root` and up to `depth` levels below it, sorted by path (a run folder's
// own subfolders are not searched).
QStringList findRunFolders(const QString& root, int depth = 3);

} // namespace ddil
