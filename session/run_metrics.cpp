#include "session/run_metrics.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTextStream>

#include <cmath>
#include <map>

namespace ddil {

RunMetrics::RunMetrics(QString label)
    : m_label(std::move(label))
{
}

void RunMetrics::append(const ScalarRow& row)
{
    const double step = static_cast<double>(row.step);
    for (const auto& [name, value] : row.values) {
        MetricSeries& series = m_series[name];
        // A restarted stretch of steps replaces what was logged after its start.
        while (!series.steps.isEmpty() && series.steps.last() >= step) {
            series.steps.removeLast();
            series.values.removeLast();
        }
        series.steps.append(step);
        series.values.append(value);
    }
    m_lastStep = row.step;
}

const MetricSeries* RunMetrics::find(const QString& name) const
{
    auto it = m_series.constFind(name);
    return it == m_series.constEnd() ? nullptr : &*it;
}

void RunMetrics::clear()
{
    m_series.clear();
    m_lastStep = 0;
}

QString RunMetrics::toCsv() const
{
    const QStringList columns = names();
    std::map<double, QVector<QString>> rows;
    for (int c = 0; c < columns.size(); ++c) {
        const MetricSeries& series = m_series[columns[c]];
        for (int i = 0; i < series.steps.size(); ++i) {
            auto& row = rows[series.steps[i]];
            if (row.isEmpty())
                row.resize(columns.size());
            row[c] = QString::number(series.values[i], 'g', 10);
        }
    }
    QString out;
    QTextStream stream(&out);
    stream << "step";
    for (const QString& name : columns)
        stream << ',' << name;
    stream << '\n';
    for (const auto& [step, values] : rows) {
        stream << QString::number(step, 'g', 15);
        for (const QString& value : values)
            stream << ',' << value;
        stream << '\n';
    }
    return out;
}

namespace {
// One metrics.jsonl line as a row; false for a line cut short by a crash, or not ours.
bool parseMetricsLine(const QByteArray& line, ScalarRow& row)
{
    static const QSet<QString> kMeta { QStringLiteral("step"), QStringLiteral("elapsed"),
        QStringLiteral("wall_time") };
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    const QJsonObject object = doc.object();
    if (!doc.isObject() || !object.value(QStringLiteral("step")).isDouble())
        return false;
    row.step = static_cast<qint64>(object.value(QStringLiteral("step")).toDouble());
    row.elapsed = object.value(QStringLiteral("elapsed")).toDouble();
    row.values.clear();
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!kMeta.contains(it.key()) && it.value().isDouble())
            row.values.append({ it.key(), it.value().toDouble() });
    return true;
}
} // namespace

bool RunMetrics::loadJsonLines(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ScalarRow row;
        if (!line.isEmpty() && parseMetricsLine(line, row))
            append(row);
    }
    return true;
}

int RunMetrics::readNewLines(const QString& path, qint64& offset)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    if (file.size() < offset)
        offset = 0; // rewritten (a resume truncated it): read it again
    if (!file.seek(offset))
        return -1;
    const QByteArray added = file.readAll();
    const qsizetype end = added.lastIndexOf('\n');
    if (end < 0)
        return 0; // no complete line yet
    int rows = 0;
    for (const QByteArray& line : added.left(end).split('\n')) {
        ScalarRow row;
        if (!line.trimmed().isEmpty() && parseMetricsLine(line.trimmed(), row)) {
            append(row);
            ++rows;
        }
    }
    offset += end + 1;
    return rows;
}

QVector<double> smoothDebiased(const QVector<double>& values, double weight)
{
    QVector<double> out;
    out.reserve(values.size());
    double last = 0.0;
    int finite = 0;
    for (double y : values) {
        if (!std::isfinite(y)) {
            out.append(y);
            continue;
        }
        last = last * weight + (1.0 - weight) * y;
        ++finite;
        const double debias = 1.0 - std::pow(weight, finite);
        out.append(debias > 0.0 ? last / debias : y);
    }
    return out;
}

} // namespace ddil
