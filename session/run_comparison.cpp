#include "session/run_comparison.h"

#include "core/api/errors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

namespace ddil {

namespace {
QString readStatus(const QString& dir)
{
    QFile f(dir + QStringLiteral("/state.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("status")).toString();
}

void findIn(const QString& dir, int depth, QStringList& out)
{
    if (QFileInfo::exists(dir + QStringLiteral("/config.json"))) {
        out.append(QDir::cleanPath(dir));
        return;
    }
    if (depth <= 0)
        return;
    const auto children = QDir(dir).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& child : children)
        findIn(dir + QLatin1Char('/') + child, depth - 1, out);
}
} // namespace

QStringList findRunFolders(const QString& root, int depth)
{
    QStringList out;
    findIn(root, depth, out);
    std::sort(out.begin(), out.end());
    return out;
}

bool RunComparison::open(const QStringList& roots, QString* error)
{
    const QStringList saved = m_roots;
    const auto savedGroups = m_groups;
    m_roots = roots;
    m_groups.clear();
    QString problem;
    refresh(&problem);
    if (!problem.isEmpty() || m_groups.isEmpty()) {
        if (error)
            *error = problem.isEmpty()
                ? QStringLiteral("no run folder (a folder with a config.json) in %1")
                      .arg(roots.join(QStringLiteral(", ")))
                : problem;
        m_roots = saved;
        m_groups = savedGroups;
        return false;
    }
    return true;
}

bool RunComparison::refresh(QString* error)
{
    QStringList dirs;
    for (const QString& root : m_roots)
        dirs.append(findRunFolders(root));
    dirs.removeDuplicates();
    bool changed = false;
    QSet<QString> known;
    for (const auto& g : m_groups)
        for (const auto& r : g.runs)
            known.insert(r.dir);
    if (known.size() != dirs.size()
        || !std::all_of(
            dirs.begin(), dirs.end(), [&](const QString& d) { return known.contains(d); })) {
        // New (or removed) run folders: group again, keeping what was read of the known ones.
        std::vector<std::string> paths;
        for (const QString& d : dirs)
            paths.push_back(d.toStdString());
        std::vector<RunGroup> grouped;
        try {
            grouped = groupRunFolders(paths);
        } catch (const std::exception& e) {
            if (error)
                *error = QString::fromStdString(e.what());
            return false;
        }
        QVector<Run> old;
        for (auto& g : m_groups)
            for (auto& r : g.runs)
                old.append(std::move(r));
        QVector<Group> groups;
        for (const auto& g : grouped) {
            Group group;
            group.name = QString::fromStdString(g.name);
            for (size_t i = 0; i < g.dirs.size(); ++i) {
                const QString dir = QString::fromStdString(g.dirs[i]);
                auto it = std::find_if(
                    old.begin(), old.end(), [&](const Run& r) { return r.dir == dir; });
                Run run;
                if (it != old.end())
                    run = std::move(*it);
                run.dir = dir;
                run.seed = g.seeds[i];
                run.metrics.setLabel(QFileInfo(dir).fileName());
                group.runs.append(std::move(run));
            }
            groups.append(std::move(group));
        }
        m_groups = std::move(groups);
        changed = true;
    }
    for (auto& g : m_groups)
        for (auto& r : g.runs) {
            const QString status = readStatus(r.dir);
            changed |= status != r.status;
            r.status = status;
            changed
                |= r.metrics.readNewLines(r.dir + QStringLiteral("/metrics.jsonl"), r.offset) > 0;
        }
    return changed;
}

int RunComparison::runCount() const
{
    int n = 0;
    for (const auto& g : m_groups)
        n += g.runs.size();
    return n;
}

QStringList RunComparison::metricNames() const
{
    QSet<QString> names;
    for (const auto& g : m_groups)
        for (const auto& r : g.runs)
            for (const QString& name : r.metrics.names())
                names.insert(name);
    QStringList out(names.begin(), names.end());
    out.sort();
    return out;
}

SeedBand RunComparison::band(int group, const QString& metric, BandKind kind) const
{
    std::vector<StepCurve> curves;
    if (group < 0 || group >= m_groups.size())
        return {};
    for (const auto& r : m_groups[group].runs) {
        const MetricSeries* series = r.metrics.find(metric);
        if (!series)
            continue;
        StepCurve curve;
        for (int i = 0; i < series->steps.size(); ++i)
            curve.emplace_back(static_cast<std::int64_t>(series->steps[i]), series->values[i]);
        curves.push_back(std::move(curve));
    }
    return seedBand(curves, kind, 1);
}

RunTable RunComparison::table(const QString& baseline) const
{
    TableRequest request;
    request.groupSeeds = true;
    request.teacherSamples = 0;
    request.baseline = baseline.toStdString();
    for (const auto& g : m_groups)
        for (const auto& r : g.runs)
            if (r.status == QLatin1String("finished"))
                request.runDirs.push_back(r.dir.toStdString());
    if (request.runDirs.empty())
        throw ConfigError("no run has finished yet: the table waits for final evaluations");
    return buildRunTable(request);
}

} // namespace ddil
