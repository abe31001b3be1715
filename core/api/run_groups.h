#pragma once
// Run folders grouped by seed, as `ddil table --group-seeds` groups them and the workbench's
// comparison view shows them: runs whose configs are equal but for their seed, name and runtime
// settings are one group. Also the per-step band of a group's curves. Torch-free.

#include "core/api/config.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

// The groups of `configs` as indices into it, in order of first appearance (each group's
// indices ascending).
std::vector<std::vector<size_t>> groupBySeed(const std::vector<RunConfig>& configs);

// A group's name: its first run's name, with the "-seed=N" parts a sweep adds taken out when the
// group holds more than one run ("lcm-seed=0-steps=2" -> "lcm-steps=2").
std::string groupName(const std::string& firstRunName, size_t runs);

struct RunGroup {
    std::string name;
    std::vector<std::string> dirs; // in the order given
    std::vector<std::uint64_t> seeds; // of each run, in the same order
};

// Reads each folder's config.json and groups the folders. Throws IoError naming a folder
// without a readable config.json. Folders of runs still training group like finished ones.
std::vector<RunGroup> groupRunFolders(const std::vector<std::string>& dirs);

enum class BandKind { StandardDeviation, Interval95 };

// A group's curve over its runs: at every step that `minRuns` or more runs logged, the mean
// and a band around it, mean +- sample sd, or the 95% t interval of the mean (mean +- t(0.975,
// n - 1) sd / sqrt(n)); a step logged by one run only carries no band when minRuns is 1 (low
// and high equal the mean).
struct SeedBand {
    std::vector<std::int64_t> steps;
    std::vector<double> mean, low, high;
    std::vector<int> runs; // how many runs logged each step
};
using StepCurve = std::vector<std::pair<std::int64_t, double>>; // (step, value), steps ascending
SeedBand seedBand(const std::vector<StepCurve>& curves, BandKind kind, int minRuns = 2);

} // namespace ddil
