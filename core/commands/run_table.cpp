#include "core/api/run_table.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/evaluation.h"
#include "core/api/run.h"
#include "core/api/run_groups.h"
#include "core/io/atomic_file.h"
#include "core/io/cache_directory.h"
#include "core/io/fnv_hash.h"
#include "core/io/line_plot.h"
#include "core/io/resource_path.h"
#include "core/io/strict_json.h"
#include "core/metrics/statistics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <map>
#include <sstream>

namespace ddil {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The CSV fields of a metric's difference to its baseline, after its mean and sd.
constexpr const char* kDiffSuffixes[]
    = { "_diff", "_diff_low", "_diff_high", "_diff_df", "_diff_interval", "_diff_pairs", "_diff_p",
          "_diff_p_holm", "_diff_detectable", "_diff_detectable_low", "_diff_detectable_high" };

struct Metric {
    const char* key; // in metrics.jsonl, after "eval/"
    const char* title; // Markdown header
    int decimals;
};
const std::vector<Metric> kImageMetrics { { "fid", "FID (evaluator features)", 2 },
    { "precision", "precision", 3 }, { "recall", "recall", 3 }, { "density", "density", 3 },
    { "coverage", "coverage", 3 }, { "diversity", "diversity", 3 },
    { "class_consistency", "class consistency", 3 },
    { "imitation_rmse", "imitation (RMSE to teacher)", 4 } };
const std::vector<Metric> kToyMetrics { { "sliced_wasserstein", "sliced W1 to data", 4 },
    { "mmd", "MMD to data", 4 }, { "sw_to_teacher", "sliced W1 to teacher", 4 },
    { "mmd_to_teacher", "MMD to teacher", 4 },
    { "imitation_rmse", "imitation (RMSE to teacher)", 4 } };

struct RunRecord {
    std::string dir;
    RunConfig config;
    std::map<std::string, double> metrics; // without the "eval/" prefix
    int64_t steps = 0;
    double wallSeconds = 0.0;
};

std::string format(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// A p-value with its relation: "= 0.53" (two significant digits down to 0.001), "< 0.001".
std::string formatP(double p)
{
    if (p < 0.001)
        return "< 0.001";
    return "= " + format(p, p < 0.01 ? 4 : p < 0.1 ? 3 : 2);
}

std::string formatCompact(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

RunRecord readRun(const std::string& dir)
{
    RunRecord run;
    run.dir = dir;
    const auto configPath = fs::path(dir) / "config.json";
    if (!fs::exists(configPath))
        throw IoError(dir + ": not a run folder (no config.json)");
    const auto loaded = loadConfigFile(configPath.string());
    if (!loaded.readable())
        throw IoError(configPath.string() + ": " + loaded.errors().front().toString());
    run.config = loaded.config;
    const auto state
        = parseStrictJsonOrDiscarded(readWholeFile((fs::path(dir) / "state.json").string()));
    // A field of another type (a damaged or hand-edited file) reads as absent.
    const auto field = [&state](const char* key) {
        return state.is_object() && state.contains(key) ? state[key] : json();
    };
    if (field("step").is_number_integer())
        run.steps = field("step").get<int64_t>();
    if (field("elapsed_seconds").is_number())
        run.wallSeconds = field("elapsed_seconds").get<double>();
    std::istringstream lines(readWholeFile((fs::path(dir) / "metrics.jsonl").string()));
    std::string line;
    while (std::getline(lines, line)) {
        const auto j = parseStrictJsonOrDiscarded(line);
        if (!j.is_object() || !(j.contains("eval/fid") || j.contains("eval/sliced_wasserstein")))
            continue;
        run.metrics.clear();
        for (const auto& [key, value] : j.items())
            if (key.rfind("eval/", 0) == 0 && value.is_number())
                run.metrics[key.substr(5)] = value.get<double>();
    }
    if (run.metrics.empty())
        throw IoError(dir + ": the run has no evaluation yet (status: "
            + (field("status").is_string() ? field("status").get<std::string>() : "?") + ")");
    return run;
}

std::string methodName(const RunConfig& c)
{
    if (c.task != Task::Distill)
        return "teacher";
    switch (c.distill.method) {
    case DistillMethod::Progressive:
        return "PD";
    case DistillMethod::Consistency:
        return "LCM";
    case DistillMethod::Dmd2:
        return "DMD2";
    }
    return toString(c.distill.method);
}

bool ddilOn(const RunConfig& c)
{
    const auto& b = c.distill.ddil.beta;
    return c.task == Task::Distill && !(b.size() == 3 && b[0] == 1.0);
}

std::string reflectedText(const RunConfig& c)
{
    const auto& r = c.distill.reflection;
    if (c.task != Task::Distill || r.projection == ProjectionKind::None)
        return "off";
    return toString(r.projection) + " (" + toString(r.apply_to) + ")";
}

std::string betaText(const RunConfig& c)
{
    if (c.task != Task::Distill)
        return "–";
    std::string out;
    for (double b : c.distill.ddil.beta)
        out += (out.empty() ? "" : "/") + formatCompact(b);
    return out;
}

// Whether `j` has the shape of `ddil eval`'s output that the table reads: an object of numbers
// under "metrics", and an integer "seed" when there is one.
bool isEvaluation(const json& j)
{
    if (!j.is_object() || !j.contains("metrics") || !j["metrics"].is_object())
        return false;
    for (const auto& value : j["metrics"])
        if (!value.is_number() && !value.is_array() && !value.is_object())
            return false;
    return !j.contains("seed") || j["seed"].is_number_integer();
}

// `ddil eval` of a checkpoint, cached by the checkpoint's bytes and the request.
json cachedEvaluation(const std::string& checkpoint, const std::string& features, int steps,
    int64_t samples, uint64_t seed, const TableRequest& request)
{
    // A summary's config can name a checkpoint by its name before safetensors (.pt): read and
    // evaluate the file that name now stands for.
    const std::string path = resolveResourcePath(checkpoint);
    const auto bytes = readWholeFile(path);
    std::string key = toHex(fnv1a64(bytes.data(), bytes.size())) + "|" + features + "|"
        + std::to_string(steps) + "|" + std::to_string(samples);
    if (seed != 0) // seed 0 keeps the keys of the caches written before seeds were part of them
        key += "|seed " + std::to_string(seed);
    const auto cache = fs::path(cacheDirectory())
        / ("teacher-eval-" + toHex(fnv1a64(key.data(), key.size())) + ".json");
    if (fs::exists(cache)) {
        // Used only when whole: a damaged cache file is measured again and rewritten.
        const auto cached = parseStrictJsonOrDiscarded(readWholeFile(cache.string()));
        if (isEvaluation(cached))
            return cached;
    }
    EvalRequest eval;
    eval.checkpoint = path;
    eval.steps = steps;
    eval.samples = samples;
    eval.seed = seed;
    eval.features = features;
    eval.device = request.device;
    eval.threads = request.threads;
    const auto result = json::parse(evaluateCheckpointJson(eval));
    std::error_code ec;
    fs::create_directories(cache.parent_path(), ec);
    try {
        writeFileAtomically(cache.string(), result.dump(2));
    } catch (const IoError&) {
        // Not cacheable here: the numbers are the same.
    }
    return result;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}
} // namespace

std::string RunTable::markdown() const
{
    std::string out = "|";
    for (const auto& t : titles)
        out += " " + t + " |";
    out += "\n|";
    for (size_t i = 0; i < titles.size(); ++i)
        out += static_cast<int>(i) < textColumns ? "---|" : "---:|";
    out += "\n";
    for (const auto& row : cells) {
        out += "|";
        for (const auto& cell : row)
            out += " " + cell + " |";
        out += "\n";
    }
    if (!notes.empty())
        out += "\n";
    for (const auto& note : notes)
        out += note + "\n";
    return out;
}

std::string RunTable::csv() const
{
    std::string out;
    for (size_t i = 0; i < csvColumns.size(); ++i)
        out += (i ? "," : "") + csvField(csvColumns[i]);
    out += "\n";
    for (const auto& row : values) {
        for (size_t i = 0; i < row.size(); ++i)
            out += (i ? "," : "") + csvField(row[i]);
        out += "\n";
    }
    return out;
}

namespace {
// The values of one metric over the runs of a group that have it.
std::vector<double> valuesOf(const std::vector<const RunRecord*>& group, const std::string& key)
{
    std::vector<double> v;
    for (const auto* run : group)
        if (const auto it = run->metrics.find(key); it != run->metrics.end())
            v.push_back(it->second);
    return v;
}

// Two runs with the same seed share their evaluation (its noise and its sample of real
// features are drawn from the seed) when they evaluate the same data the same way.
bool sharedEvaluation(const RunConfig& a, const RunConfig& b)
{
    return a.eval.count == b.eval.count && a.eval.feature_extractor == b.eval.feature_extractor
        && a.data.kind == b.data.kind && a.data.distribution == b.data.distribution
        && a.data.path == b.data.path && a.data.split == b.data.split;
}

// The difference of `key` between a row and its baseline: paired by training seed when both rows
// hold the same seeds (each once, 2 or more) with a shared evaluation, else Welch's.
DifferenceInterval compareRows(const std::vector<const RunRecord*>& row,
    const std::vector<const RunRecord*>& base, const std::string& key)
{
    auto bySeed = [&](const std::vector<const RunRecord*>& group) {
        std::map<uint64_t, double> out;
        for (const auto* run : group) {
            const auto it = run->metrics.find(key);
            if (it == run->metrics.end() || !out.emplace(run->config.seed, it->second).second
                || !sharedEvaluation(run->config, base.front()->config))
                return std::map<uint64_t, double> {};
        }
        return out;
    };
    const auto a = bySeed(row), b = bySeed(base);
    const bool sameSeeds = a.size() >= 2 && a.size() == row.size() && b.size() == base.size()
        && std::equal(a.begin(), a.end(), b.begin(), b.end(),
            [](const auto& x, const auto& y) { return x.first == y.first; });
    if (!sameSeeds)
        return welchInterval(valuesOf(row, key), valuesOf(base, key));
    std::vector<double> va, vb;
    for (const auto& [seed, value] : a) {
        va.push_back(value);
        vb.push_back(b.at(seed));
    }
    return pairedInterval(va, vb);
}

// One line: the run's checkpoint evaluated with several evaluation seeds (the evaluation's own
// noise), beside the training-seed spread of the row the run belongs to.
std::string evaluationNoiseNote(const TableRequest& request,
    const std::vector<std::vector<const RunRecord*>>& groups, const std::string& features,
    const Metric& primary)
{
    const auto checkpoint = runCheckpointPath(request.evalNoiseRun);
    if (!fs::exists(checkpoint))
        throw IoError(request.evalNoiseRun + ": no " + kRunCheckpointName
            + " to measure the evaluation noise");
    const auto loaded = loadConfigFile((fs::path(request.evalNoiseRun) / "config.json").string());
    if (!loaded.readable())
        throw IoError(request.evalNoiseRun + ": not a run folder (no readable config.json)");
    const auto& c = loaded.config;
    const int steps = c.task == Task::Distill ? c.distill.student_steps : c.sample.steps;
    std::vector<double> v;
    std::string list;
    for (auto seed : request.evalNoiseSeeds) {
        const auto result
            = cachedEvaluation(checkpoint, features, steps, c.eval.count, seed, request);
        const auto& ms = result["metrics"];
        if (!ms.contains(primary.key) || !ms[primary.key].is_number())
            throw IoError(checkpoint + ": its evaluation has no " + primary.key);
        v.push_back(ms[primary.key].get<double>());
        list += (list.empty() ? "" : ", ") + format(v.back(), primary.decimals);
    }
    std::string note = "Evaluation noise: " + c.name + " (" + request.evalNoiseRun
        + ") evaluated with " + std::to_string(v.size()) + " evaluation seeds, "
        + std::to_string(c.eval.count) + " samples each: " + primary.title + " " + list + " (sd "
        + format(sampleSd(v), primary.decimals) + ")";
    // Its row: the group holding this folder, or a copy of its records (a summary folder with
    // the same run name and seed, as scripts/reproduce-results.sh tabulates).
    const auto dir = fs::weakly_canonical(request.evalNoiseRun);
    auto isThisRun = [&](const RunRecord& run) {
        return fs::weakly_canonical(run.dir) == dir
            || (run.config.name == c.name && run.config.seed == c.seed);
    };
    for (const auto& group : groups)
        for (const auto* run : group)
            if (isThisRun(*run) && group.size() > 1) {
                const auto seedValues = valuesOf(group, primary.key);
                note += "; the training-seed sd of its row: "
                    + format(sampleSd(seedValues), primary.decimals)
                    + " (n = " + std::to_string(seedValues.size()) + ")";
            }
    return note + ".";
}
} // namespace

RunTable buildRunTable(const TableRequest& request)
{
    if (request.runDirs.empty())
        throw ConfigError("no run folders given");
    std::vector<RunRecord> runs;
    for (const auto& dir : request.runDirs)
        runs.push_back(readRun(dir));
    const bool images = runs.front().config.data.kind != DataKind::Toy2d;
    const auto& metrics = images ? kImageMetrics : kToyMetrics;

    // Rows: one per run, or one per group of seeds (in order of first appearance).
    std::vector<std::vector<const RunRecord*>> groups;
    if (request.groupSeeds) {
        std::vector<RunConfig> configs;
        for (const auto& run : runs)
            configs.push_back(run.config);
        for (const auto& members : groupBySeed(configs)) {
            groups.emplace_back();
            for (const auto i : members)
                groups.back().push_back(&runs[i]);
        }
    } else {
        for (const auto& run : runs)
            groups.push_back({ &run });
    }

    RunTable table;
    table.titles
        = { "run", "method", "N", "DDIL", "reflected", "β data/teacher/student", "seeds", "n" };
    table.textColumns = 7;
    table.csvColumns = { "run", "method", "student_steps", "ddil", "reflected", "beta_data",
        "beta_teacher", "beta_student", "seeds", "n" };
    const Metric& primary = metrics.front();
    // The metrics compared with the baseline: --delta, else the first one.
    auto compared = [&](const Metric& m) {
        if (!request.groupSeeds)
            return false;
        if (request.deltaMetrics.empty())
            return &m == &primary;
        return std::find(request.deltaMetrics.begin(), request.deltaMetrics.end(), m.key)
            != request.deltaMetrics.end();
    };
    for (const auto& key : request.deltaMetrics)
        if (std::none_of(
                metrics.begin(), metrics.end(), [&](const Metric& m) { return key == m.key; })) {
            std::string known;
            for (const auto& m : metrics)
                known += (known.empty() ? "" : ", ") + std::string(m.key);
            throw ConfigError("--delta: no metric \"" + key + "\" in these runs (" + known + ")");
        }
    for (const auto& m : metrics) {
        table.titles.push_back(m.title);
        table.csvColumns.push_back(m.key);
        table.csvColumns.push_back(std::string(m.key) + "_sd");
        if (compared(m)) {
            table.titles.push_back(std::string("Δ ") + m.title + " vs baseline [95% CI]");
            table.titles.push_back(std::string("Δ ") + m.title + ": p, Holm-adjusted p (interval)");
            for (const char* suffix : kDiffSuffixes)
                table.csvColumns.push_back(std::string(m.key) + suffix);
            table.csvColumns.push_back("baseline");
        }
    }
    table.titles.insert(table.titles.end(), { "training steps", "wall time (min)" });
    table.csvColumns.insert(
        table.csvColumns.end(), { "training_steps", "wall_minutes", "eval_samples", "folders" });

    auto rowName = [&](const std::vector<const RunRecord*>& group) {
        const auto& name = group.front()->config.name;
        return request.groupSeeds ? groupName(name, group.size()) : name;
    };
    auto studentSteps = [](const RunConfig& c) {
        return c.task == Task::Distill ? c.distill.student_steps : c.sample.steps;
    };
    // The chosen baseline row, or each method's first row (same method, same student steps).
    size_t chosen = groups.size();
    if (!request.baseline.empty()) {
        for (size_t i = 0; i < groups.size() && chosen == groups.size(); ++i)
            if (rowName(groups[i]) == request.baseline)
                chosen = i;
        if (chosen == groups.size())
            throw ConfigError(
                "baseline \"" + request.baseline + "\": no row of the table has that name");
    }
    auto baselineOf = [&](size_t row) {
        if (chosen < groups.size())
            return chosen;
        const auto& c = groups[row].front()->config;
        for (size_t i = 0; i < row; ++i) {
            const auto& b = groups[i].front()->config;
            if (methodName(b) == methodName(c) && studentSteps(b) == studentSteps(c))
                return i;
        }
        return row;
    };
    int marked = 0;
    // Where each difference's p-value cells go once Holm's adjustment is known.
    struct PendingP {
        size_t row, cell, value, difference;
    };
    std::vector<PendingP> pending;
    for (size_t row = 0; row < groups.size(); ++row) {
        const auto& group = groups[row];
        const auto& c = group.front()->config;
        const std::string name = rowName(group);
        std::string seeds;
        for (const auto* run : group)
            seeds += (seeds.empty() ? "" : " ") + std::to_string(run->config.seed);
        const int steps = studentSteps(c);
        const std::string n = std::to_string(group.size());
        std::vector<std::string> cells { name, methodName(c), std::to_string(steps),
            ddilOn(c) ? "on" : "off", reflectedText(c), betaText(c), seeds, n };
        std::vector<std::string> values { name, methodName(c), std::to_string(steps),
            ddilOn(c) ? "1" : "0", reflectedText(c) };
        for (int i = 0; i < 3; ++i)
            values.push_back(c.task == Task::Distill ? formatCompact(c.distill.ddil.beta[i]) : "");
        values.insert(values.end(), { seeds, n });
        for (const auto& m : metrics) {
            const auto v = valuesOf(group, m.key);
            if (v.empty()) {
                cells.push_back("–");
                values.insert(values.end(), { "", "" });
            } else {
                cells.push_back(format(mean(v), m.decimals)
                    + (v.size() > 1 ? " ± " + format(sampleSd(v), m.decimals) : ""));
                values.push_back(format(mean(v), 6));
                values.push_back(v.size() > 1 ? format(sampleSd(v), 6) : "");
            }
            if (!compared(m))
                continue;
            const size_t base = baselineOf(row);
            const auto b = valuesOf(groups[base], m.key);
            if (base == row || v.empty() || b.empty()) {
                cells.insert(cells.end(), { base == row ? "baseline" : "–", "" });
                values.insert(values.end(), std::size(kDiffSuffixes), "");
                values.push_back(rowName(groups[base]));
                continue;
            }
            const auto w = compareRows(group, groups[base], m.key);
            std::string cell = (w.difference >= 0 ? "+" : "") + format(w.difference, m.decimals);
            if (w.defined) {
                cell += " [" + format(w.low, m.decimals) + ", " + format(w.high, m.decimals) + "]";
                if (w.excludesZero()) {
                    cell += " *";
                    ++marked;
                }
            } else {
                cell += v.size() < 2 || b.size() < 2 ? " (no interval: one seed)"
                                                     : " (no interval: no spread)";
            }
            cells.push_back(cell);
            cells.push_back(""); // the p-values, once the table's every p is known (Holm)
            pending.push_back({ table.cells.size(), cells.size() - 1, values.size() + 6,
                table.differences.size() });
            const bool paired = w.kind == IntervalKind::Paired;
            TableDifference d { name, rowName(groups[base]), m.key, m.title, w.difference, w.low,
                w.high, w.defined, w.defined && w.excludesZero() };
            d.paired = paired;
            d.pairs = w.pairs;
            d.pValue = w.defined ? w.pValue : std::nan("");
            d.detectable = w.detectable;
            d.detectableLow = w.detectableLow;
            d.detectableHigh = w.detectableHigh;
            table.differences.push_back(d);
            values.push_back(format(w.difference, 6));
            for (double x : { w.low, w.high })
                values.push_back(w.defined ? format(x, 6) : "");
            values.push_back(w.defined ? format(w.df, 3) : "");
            values.push_back(paired ? "paired" : "welch");
            values.push_back(paired ? std::to_string(w.pairs) : "");
            values.insert(values.end(), 2, ""); // p and Holm's p, filled below
            for (double x : { w.detectable, w.detectableLow, w.detectableHigh })
                values.push_back(w.defined ? format(x, 6) : "");
            values.push_back(rowName(groups[base]));
        }
        std::vector<double> stepCounts, minutes;
        std::string folders;
        for (const auto* run : group) {
            stepCounts.push_back(double(run->steps));
            minutes.push_back(run->wallSeconds / 60.0);
            folders += (folders.empty() ? "" : " ") + run->dir;
        }
        cells.push_back(format(mean(stepCounts), 0));
        cells.push_back(format(mean(minutes), 1));
        values.insert(values.end(),
            { format(mean(stepCounts), 0), format(mean(minutes), 2), std::to_string(c.eval.count),
                folders });
        table.cells.push_back(cells);
        table.values.push_back(values);
    }
    // Holm's adjustment over every difference in the table with an interval.
    std::vector<double> p;
    for (const auto& d : table.differences)
        p.push_back(d.defined ? d.pValue : std::nan(""));
    const auto holm = holmAdjusted(p);
    int holmMarked = 0;
    for (const auto& at : pending) {
        auto& d = table.differences[at.difference];
        d.pHolm = holm[at.difference];
        if (!d.defined)
            continue;
        const bool holds = d.pHolm < 0.05;
        holmMarked += holds;
        table.cells[at.row][at.cell] = "p " + formatP(d.pValue) + ", Holm " + formatP(d.pHolm)
            + (holds ? " †" : "")
            + (d.paired ? " (paired, n = " + std::to_string(d.pairs) + ")" : " (Welch)");
        table.values[at.row][at.value] = format(d.pValue, 6);
        table.values[at.row][at.value + 1] = format(d.pHolm, 6);
    }
    if (request.groupSeeds) {
        const size_t tests
            = std::count_if(p.begin(), p.end(), [](double x) { return !std::isnan(x); });
        table.notes.push_back(
            "Δ: difference of means to the method's baseline (its first row), with a 95% "
            "confidence interval: paired by training seed where both rows hold the same seeds and "
            "share their evaluation (the evaluation's noise and real features are drawn from the "
            "seed), else Welch's; "
            + (marked == 0 ? std::string("no interval excludes 0.")
                           : "* marks the " + std::to_string(marked)
                        + (marked == 1 ? " interval that excludes" : " intervals that exclude")
                        + " 0.")
            + " p: two-sided; Holm: adjusted over the table's " + std::to_string(tests)
            + " comparisons; † marks the " + std::to_string(holmMarked)
            + " that stay below 0.05 after the adjustment.");
    }

    const auto& first = runs.front().config;
    const std::string features = first.eval.feature_extractor.empty()
        ? std::string(kShippedEvaluator)
        : first.eval.feature_extractor;
    // Teacher references (images), sampled the way `ddil eval` does.
    const int64_t samples = request.teacherSamples < 0 ? first.eval.count : request.teacherSamples;
    if (images && samples > 0 && first.task == Task::Distill) {
        for (int steps : request.teacherSteps) {
            const auto result
                = cachedEvaluation(first.distill.teacher, features, steps, samples, 0, request);
            std::vector<std::string> cells { "teacher (" + std::to_string(steps) + " steps)",
                "teacher", std::to_string(steps), "–", "–", "–",
                std::to_string(result.value("seed", 0)), "1" };
            std::vector<std::string> values { "teacher", "teacher", std::to_string(steps), "", "",
                "", "", "", std::to_string(result.value("seed", 0)), "1" };
            for (const auto& m : metrics) {
                const auto& ms = result["metrics"];
                if (ms.contains(m.key) && ms[m.key].is_number()) {
                    cells.push_back(format(ms[m.key].get<double>(), m.decimals));
                    values.insert(values.end(), { format(ms[m.key].get<double>(), 6), "" });
                } else {
                    cells.push_back("–");
                    values.insert(values.end(), { "", "" });
                }
                if (compared(m)) { // no difference, no p; every CSV field of one, and "baseline"
                    cells.insert(cells.end(), { "–", "–" });
                    values.insert(values.end(), std::size(kDiffSuffixes) + 1, "");
                }
            }
            cells.insert(cells.end(), { "–", "–" });
            values.insert(values.end(),
                { "", "", std::to_string(samples), resolveResourcePath(first.distill.teacher) });
            table.cells.push_back(cells);
            table.values.push_back(values);
        }
    }

    if (!request.evalNoiseRun.empty())
        table.notes.push_back(evaluationNoiseNote(request, groups, features, primary));
    return table;
}

void writeDifferencePlot(const RunTable& table, const std::string& pngPath)
{
    if (table.differences.empty())
        throw ConfigError("--delta-plot: no row has a baseline to compare with (it needs "
                          "--group-seeds and two rows of the same method)");
    // Rows and metrics in order of first appearance.
    std::vector<std::string> labels, titles;
    auto indexOf = [](std::vector<std::string>& list, const std::string& item) {
        const auto it = std::find(list.begin(), list.end(), item);
        if (it != list.end())
            return size_t(it - list.begin());
        list.push_back(item);
        return list.size() - 1;
    };
    for (const auto& d : table.differences) {
        indexOf(labels, d.row);
        indexOf(titles, d.metricTitle);
    }
    std::vector<IntervalPanel> panels;
    for (const auto& title : titles)
        panels.push_back({ title,
            std::vector<IntervalRow>(labels.size(), { std::nan(""), 0.0, 0.0, false, false }) });
    for (const auto& d : table.differences)
        panels[indexOf(titles, d.metricTitle)].rows[indexOf(labels, d.row)]
            = { d.difference, d.low, d.high, d.defined, d.marked };
    writeIntervalPanelsPng(pngPath, labels, panels,
        "Difference of means to the method's baseline (its first row) with a 95% interval "
        "(paired by seed where the rows share seeds and evaluation, else Welch's); in colour "
        "where the interval excludes 0.");
}

} // namespace ddil
