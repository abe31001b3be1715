#pragma once
// The scalar series of one run, as the charts draw them: fed live from a session's reports or
// read from a run folder's metrics.jsonl (a finished or running headless run). Qt Core only.

#include "session/session_types.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

namespace ddil {

struct MetricSeries {
    QVector<double> steps;
    QVector<double> values;
};

class RunMetrics {
public:
    explicit RunMetrics(QString label = {});

    const QString& label() const { return m_label; }
    void setLabel(const QString& label) { m_label = label; }
    // Adds each scalar of `row` at row.step; a step at or before a series' last step drops the
    // points after it first (a resumed run), so curves never tangle.
    void append(const ScalarRow& row);
    const MetricSeries* find(const QString& name) const;
    QStringList names() const { return m_series.keys(); }
    bool isEmpty() const { return m_series.isEmpty(); }
    qint64 lastStep() const { return m_lastStep; }
    void clear();

    // One line per step, one column per metric (empty where a metric has no value at a step).
    QString toCsv() const;

    // Reads `runDir`/metrics.jsonl (lines {"step": s, "elapsed": ..., "<name>": value, ...}).
    // Bad lines (cut short by a crash, or not ours) are skipped; false with `error` set when the
    // file cannot be read.
    bool loadJsonLines(const QString& path, QString* error);
    // Reads the complete lines added to `path` since byte `offset` (a run still writing it), adds
    // them and moves `offset` past them; returns the steps read (-1 when unreadable).
    int readNewLines(const QString& path, qint64& offset);

private:
    QString m_label;
    QMap<QString, MetricSeries> m_series;
    qint64 m_lastStep = 0;
};

// TensorBoard's smoothing: an exponential moving average debiased by the weight of its start
// (last = w last + (1 - w) y; out = last / (1 - w^n)), non-finite values carried over.
QVector<double> smoothDebiased(const QVector<double>& values, double weight);

} // namespace ddil
