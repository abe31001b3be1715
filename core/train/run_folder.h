#pragma once
// A run folder: config.json (resolved config), state.json (where the run stands),
// metrics.jsonl (one JSON object per logged step), metrics.csv (the same scalars in long format:
// step,elapsed,name,value, for spreadsheets and pandas), checkpoint.pt and samples/.

#include "core/api/config.h"
#include "core/api/run.h"

#include <cstdint>
#include <fstream>
#include <string>

namespace ddil {

struct RunState {
    std::string status = "running"; // running, finished, cancelled, failed
    std::int64_t step = 0;
    std::int64_t totalSteps = 0;
    std::uint64_t seed = 0;
    std::string lastCheckpoint; // relative to the run folder; "" before the first
    double elapsedSeconds = 0.0;
    std::string device;
    int threads = 0;
    std::string message; // failure reason
};

class RunFolder {
public:
    // Creates the folder (and samples/); IoError when that is impossible.
    explicit RunFolder(std::string path);

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const;
    std::string checkpointPath() const { return file("checkpoint.pt"); }

    void writeConfig(const RunConfig& config) const;
    void writeState(const RunState& state) const;
    // Appends {"step": .., "wall_time": .., <scalars>} to metrics.jsonl and one row per scalar
    // to metrics.csv, and flushes both.
    void appendMetrics(std::int64_t step, double elapsedSeconds, const Scalars& scalars);
    // On resume: drops logged lines past `step` (in both files) so curves never tangle.
    void truncateMetricsAfter(std::int64_t step) const;

private:
    std::string m_path;
    std::ofstream m_metrics;
    std::ofstream m_csv;
};

} // namespace ddil
