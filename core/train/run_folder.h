#pragma once
// A run folder: config.json (resolved config), state.json (where the run stands),
// metrics.jsonl (one JSON object per logged step), metrics.csv (the same scalars in long format:
// step,elapsed,name,value, for spreadsheets and pandas), events.out.tfevents.* (the same scalars
// and the sample sheets, for TensorBoard), checkpoint.safetensors and samples/.

#include "core/api/config.h"
#include "core/api/run.h"
#include "core/api/scalars.h"
#include "core/io/append_file.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

class EventFileWriter;

// An exclusive lock (flock) on the run folder itself (its directory descriptor: no lock file that
// could be deleted or swapped), held while the object lives and released by the kernel when the
// process ends, however it ends. Creates the folder. A second process gets IoError naming the
// folder and the holder's PID.
class RunFolderLock {
public:
    explicit RunFolderLock(const std::string& dir);
    ~RunFolderLock();
    RunFolderLock(const RunFolderLock&) = delete;
    RunFolderLock& operator=(const RunFolderLock&) = delete;

private:
    int m_fd = -1;
};

// Removes what interrupted atomic writes left (".<name>.tmp-<pid>", in the folder and its
// samples/); returns the names removed. Only under the folder's lock.
std::vector<std::string> removeStaleTempFiles(const std::string& dir);

// Whether the folder holds logs of a run (metrics.jsonl with content, or a TensorBoard file).
bool hasRunLogs(const std::string& dir);

// Removes a run's files (checkpoint, state, config, metrics, TensorBoard files, samples/) and
// nothing else: for --restart.
void removeRunFiles(const std::string& dir);

class RunFolder {
public:
    // Creates the folder (and samples/); IoError when that is impossible, or when one of the
    // run's files or samples/ is a symbolic link (writes never leave the folder).
    explicit RunFolder(std::string path);
    ~RunFolder();

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const;
    std::string checkpointPath() const { return file(kRunCheckpointName); }

    void writeConfig(const RunConfig& config) const;
    void writeState(const RunState& state) const;
    // Appends {"step": .., "wall_time": .., <scalars>} to metrics.jsonl, one row per scalar to
    // metrics.csv and one event to the TensorBoard file, and flushes them.
    void appendMetrics(std::int64_t step, double elapsedSeconds, const Scalars& scalars);
    // Adds samples/step-<step>.png, if written, to the TensorBoard file as image "samples".
    void addSampleSheetToEvents(std::int64_t step, std::optional<double> wallTime = {});
    // On resume: drops logged lines past `step` (in metrics.jsonl and metrics.csv) so curves
    // never tangle, and rebuilds the TensorBoard file from what is kept.
    void truncateMetricsAfter(std::int64_t step);

private:
    EventFileWriter& events();
    void rebuildEvents(std::int64_t step);
    // IoError when the folder at m_path is no longer the one this run opened (moved, replaced).
    void checkSameFolder() const;

    std::string m_path;
    unsigned long long m_device = 0, m_inode = 0;
    AppendOnlyFile m_metrics;
    AppendOnlyFile m_csv;
    std::unique_ptr<EventFileWriter> m_events;
};

} // namespace ddil
