#pragma once
// Torch-free facade for `ddil table`: a paper-style comparison of finished runs (method, student
// steps, DDIL on/off, reflected on/off, beta, sample quality, training steps, wall time) with
// the teacher at 4 and 50 steps as reference rows, as Markdown and CSV. The per-step shift plot
// of the same runs is in shift_plot.h.

#include "core/api/enums.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

struct TableRequest {
    std::vector<std::string> runDirs;
    // Runs whose configs differ only in seed (and name) become one row: mean ± sample standard
    // deviation, with the number of seeds.
    bool groupSeeds = false;
    // Reference rows for image runs: the first run's teacher sampled with these step counts on
    // `teacherSamples` samples (-1: the runs' eval.count; 0: no reference rows). Evaluations are
    // cached (per teacher file, extractor, steps, samples).
    std::vector<int> teacherSteps { 4, 50 };
    std::int64_t teacherSamples = -1;
    // Evaluation noise: this run folder's checkpoint evaluated (`ddil eval`, its eval.count
    // samples, its student steps) with each of these evaluation seeds, reported beside the
    // training-seed spread of its row. "" : not measured. Cached like the teacher rows.
    std::string evalNoiseRun;
    // With groupSeeds: the metrics (metrics.jsonl keys without "eval/", e.g. "fid", "coverage")
    // that get a difference-to-baseline column; empty: the first metric.
    std::vector<std::string> deltaMetrics;
    // With groupSeeds: the row (by its name, as the table prints it) every other row is compared
    // with; "": each row's method's first row. ConfigError when no row has that name.
    std::string baseline;
    std::vector<std::uint64_t> evalNoiseSeeds { 0, 1, 2 };
    Device device = Device::Auto;
    int threads = 0;
};

// With groupSeeds, each row's first metric (FID; 2-D data: sliced W1; or deltaMetrics) is compared
// with its method's baseline: the first row of the same method and student step count, in the order
// the folders were given. The difference of means carries a 95% confidence interval, paired by
// training seed where both rows hold the same seeds with a shared evaluation (else Welch's),
// marked "*" when it excludes 0, and a two-sided p-value with its Holm adjustment over the
// table's comparisons, marked "†" when that stays below 0.05.
// One row's difference of one metric to its method's baseline (rows that are their own
// baseline have none).
struct TableDifference {
    std::string row, baseline;
    std::string metric, metricTitle; // "fid", "FID (evaluator features)"
    double difference = 0.0, low = 0.0, high = 0.0;
    bool defined = false; // an interval exists (both rows have at least 2 seeds and a spread)
    bool marked = false; // the interval excludes 0
    bool paired = false; // paired by seed (else Welch's interval)
    int pairs = 0;
    double pValue = 0.0, pHolm = 0.0; // two-sided; Holm-adjusted over the table (NaN: none)
    // The smallest difference the design detects with 80% power, and its 95% interval.
    double detectable = 0.0, detectableLow = 0.0, detectableHigh = 0.0;
};

struct RunTable {
    std::vector<std::string> titles; // Markdown header cells
    std::vector<std::vector<std::string>> cells; // Markdown cells ("2.57 ± 0.28")
    std::vector<std::vector<std::string>> values; // CSV fields (means and "_sd" columns apart)
    std::vector<std::string> csvColumns;
    int textColumns = 0; // the leading columns that hold text (left-aligned in Markdown)
    std::vector<std::string> notes; // lines printed under the Markdown table
    std::vector<TableDifference> differences; // in row order, then metric order

    std::string markdown() const;
    std::string csv() const;
};

// Reads each folder's config.json, state.json and the last evaluation in metrics.jsonl. Throws
// IoError naming a folder that is not a run folder or a run without a final evaluation.
RunTable buildRunTable(const TableRequest& request);

// The table's differences as an interval chart (PNG): one panel per compared metric, one line
// per row with a baseline, the 95% interval as a bar and the rows whose interval excludes 0 in
// colour. Throws ConfigError when the table has no differences (no --group-seeds, or every row
// is its own baseline), IoError when the file cannot be written.
void writeDifferencePlot(const RunTable& table, const std::string& pngPath);

} // namespace ddil
