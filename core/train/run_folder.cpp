#include "core/train/run_folder.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/api/versions.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"
#include "core/io/tensorboard.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ddil {

namespace fs = std::filesystem;

namespace {
constexpr const char* kCsvHeader = "step,elapsed,name,value";

double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Rewrites `path` (if it exists) with `header` (when not empty) and the lines whose step, as
// `stepOf` reads it, is at most `step`; lines without one (the header, a line cut by a crash)
// are dropped.
void keepLinesUpTo(const std::string& path, const std::string& header, std::int64_t step,
    const std::function<std::optional<std::int64_t>(const std::string&)>& stepOf)
{
    if (!fs::exists(path))
        return;
    std::istringstream in(readWholeFile(path));
    std::string line, kept = header.empty() ? "" : header + '\n';
    while (std::getline(in, line)) {
        const auto lineStep = line.empty() ? std::nullopt : stepOf(line);
        if (lineStep && *lineStep <= step)
            kept += line + '\n';
    }
    writeFileAtomically(path, kept);
}
} // namespace

namespace {
// The PID holding a flock on the file or folder open as `fd`, from /proc/locks (lines such as
// "1: FLOCK  ADVISORY  WRITE 4242 08:01:1311 0 EOF"); 0 when it cannot be told. Taking the lock
// never changes the folder's contents.
long flockHolder(int fd)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return 0;
    std::ifstream locks("/proc/locks"); // (its size reads as 0: read as a stream)
    std::string line;
    while (std::getline(locks, line)) {
        std::istringstream fields(line);
        std::string index, kind, mode, access, where;
        long pid = 0;
        if (!(fields >> index >> kind >> mode >> access >> pid >> where) || kind != "FLOCK")
            continue;
        const auto colon = where.rfind(':');
        if (colon != std::string::npos
            && std::strtoull(where.c_str() + colon + 1, nullptr, 10) == st.st_ino)
            return pid;
    }
    return 0;
}
} // namespace

RunFolderLock::RunFolderLock(const std::string& dir)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw IoError(dir + ": cannot create run folder: " + ec.message());
    m_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m_fd < 0)
        throw IoError(dir + ": cannot open the run folder to lock it: " + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const long pid = err == EWOULDBLOCK ? flockHolder(m_fd) : 0;
        ::close(m_fd);
        m_fd = -1;
        if (err != EWOULDBLOCK)
            throw IoError(dir + ": cannot lock the run folder: " + std::strerror(err));
        throw IoError(dir + ": in use by another process"
            + (pid > 0 ? " (PID " + std::to_string(pid) + ")" : std::string())
            + "; wait for it to end or choose another folder");
    }
}

RunFolderLock::~RunFolderLock()
{
    if (m_fd >= 0)
        ::close(m_fd); // releases the lock
}

std::vector<std::string> removeStaleTempFiles(const std::string& dir)
{
    std::vector<std::string> removed;
    for (const auto& folder : { fs::path(dir), fs::path(dir) / "samples" }) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos
                && entry.is_regular_file(ec) && fs::remove(entry.path(), ec))
                removed.push_back((folder == fs::path(dir) ? "" : "samples/") + name);
        }
    }
    return removed;
}

bool hasRunLogs(const std::string& dir)
{
    std::error_code ec;
    const auto metrics = fs::path(dir) / "metrics.jsonl";
    return (fs::exists(metrics, ec) && fs::file_size(metrics, ec) > 0)
        || !eventFilesIn(dir).empty();
}

void removeRunFiles(const std::string& dir)
{
    std::error_code ec;
    for (const char* name : { kRunCheckpointName, kEarlierRunCheckpointName, "state.json",
             "config.json", "metrics.jsonl", "metrics.csv" })
        fs::remove(fs::path(dir) / name, ec);
    for (const auto& events : eventFilesIn(dir))
        fs::remove(events, ec);
    fs::remove_all(fs::path(dir) / "samples", ec);
}

RunFolder::RunFolder(std::string path)
    : m_path(std::move(path))
{
    std::error_code ec;
    const fs::path root(m_path);
    // What the run writes must stay inside the folder: a link in its place (samples/ pointing
    // elsewhere, a log linked to another file) is refused before anything is written.
    std::vector<fs::path> written { root / "samples" };
    for (const char* name : { kRunCheckpointName, kEarlierRunCheckpointName, "state.json",
             "config.json", "metrics.jsonl", "metrics.csv" })
        written.push_back(root / name);
    for (const auto& entry : fs::directory_iterator(root, ec))
        if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
            written.push_back(entry.path());
    for (const auto& entry : fs::directory_iterator(root / "samples", ec))
        written.push_back(entry.path());
    for (const auto& p : written)
        if (fs::is_symlink(fs::symlink_status(p, ec)))
            throw IoError(p.string()
                + ": is a symbolic link; a run folder's files are written only inside it "
                  "(remove the link to use this folder)");
    fs::create_directories(root / "samples", ec);
    if (ec)
        throw IoError(m_path + ": cannot create run folder: " + ec.message());
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0)
        throw IoError(m_path + ": cannot read the run folder: " + std::strerror(errno));
    m_device = st.st_dev;
    m_inode = st.st_ino;
}

void RunFolder::checkSameFolder() const
{
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0 || st.st_dev != m_device || st.st_ino != m_inode)
        throw IoError(m_path
            + ": the run folder was moved, deleted or replaced while the run was writing it; the "
              "run stops here");
}

RunFolder::~RunFolder() = default;

std::string RunFolder::file(const std::string& name) const
{
    return (fs::path(m_path) / name).string();
}

void RunFolder::writeConfig(const RunConfig& config) const
{
    writeFileAtomically(file("config.json"), configToJson(config));
}

void RunFolder::writeState(const RunState& state) const
{
    checkSameFolder();
    const auto versions = libraryVersions();
    nlohmann::ordered_json j;
    j["status"] = state.status;
    j["step"] = state.step;
    j["total_steps"] = state.totalSteps;
    j["seed"] = state.seed;
    j["last_checkpoint"] = state.lastCheckpoint;
    j["elapsed_seconds"] = state.elapsedSeconds;
    j["device"] = state.device;
    j["threads"] = state.threads;
    if (!state.message.empty())
        j["message"] = state.message;
    j["updated_unix"] = unixNow();
    j["build_id"] = versions.buildId;
    j["versions"] = { { "ddil", versions.project }, { "libtorch", versions.libtorch },
        { "opencv", versions.opencv }, { "nlohmann_json", versions.nlohmannJson } };
    writeFileAtomically(file("state.json"), j.dump(2) + "\n");
}

void RunFolder::appendMetrics(std::int64_t step, double elapsedSeconds, const Scalars& scalars)
{
    checkSameFolder();
    if (!m_metrics.isOpen())
        m_metrics.open(file("metrics.jsonl"));
    nlohmann::ordered_json j;
    const double wallTime = unixNow();
    j["step"] = step;
    j["wall_time"] = wallTime;
    j["elapsed"] = elapsedSeconds;
    for (const auto& [key, value] : scalars)
        j[key] = std::isfinite(value) ? nlohmann::ordered_json(value)
                                      : nlohmann::ordered_json(nullptr);
    m_metrics.append(j.dump() + "\n");

    if (!m_csv.isOpen()) {
        m_csv.open(file("metrics.csv"));
        if (m_csv.size() == 0)
            m_csv.append(std::string(kCsvHeader) + "\n");
    }
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.6f", elapsedSeconds);
    std::string rows;
    for (const auto& [key, value] : scalars) {
        char number[32];
        std::snprintf(number, sizeof number, "%.10g", value); // nan, inf as printf writes them
        rows += std::to_string(step) + ',' + elapsed + ',' + key + ',' + number + '\n';
    }
    m_csv.append(rows);
    events().addScalars(step, wallTime, scalars);
}

EventFileWriter& RunFolder::events()
{
    if (!m_events)
        m_events = std::make_unique<EventFileWriter>(m_path, unixNow());
    return *m_events;
}

void RunFolder::addSampleSheetToEvents(std::int64_t step, std::optional<double> wallTime)
{
    const std::string png = file("samples/step-" + std::to_string(step) + ".png");
    if (!fs::exists(png))
        return;
    events().addPng(step, wallTime.value_or(unixNow()), "samples", readWholeFile(png));
}

void RunFolder::truncateMetricsAfter(std::int64_t step)
{
    keepLinesUpTo(file("metrics.jsonl"), "", step, [](const std::string& line) {
        const auto j = parseStrictJsonOrDiscarded(line);
        if (j.is_discarded() || !j.contains("step") || !j["step"].is_number_integer())
            return std::optional<std::int64_t>(); // a line cut by a crash
        return std::optional<std::int64_t>(j["step"].get<std::int64_t>());
    });
    keepLinesUpTo(file("metrics.csv"), kCsvHeader, step, [](const std::string& line) {
        // step,elapsed,name,value (a row cut by a crash has fewer than three commas)
        std::optional<std::int64_t> rowStep;
        char* end = nullptr;
        const long long value = std::strtoll(line.c_str(), &end, 10);
        if (std::count(line.begin(), line.end(), ',') == 3 && end != line.c_str() && *end == ',')
            rowStep = value;
        return rowStep;
    });
    rebuildEvents(step);
}

void RunFolder::rebuildEvents(std::int64_t step)
{
    // Sample files of steps past `step` belong to the abandoned continuation.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(file("samples"), ec)) {
        const std::string name = entry.path().filename().string();
        long long sampleStep = -1;
        if (std::sscanf(name.c_str(), "step-%lld.", &sampleStep) == 1 && sampleStep > step)
            fs::remove(entry.path(), ec);
    }
    m_events.reset();
    for (const auto& old : eventFilesIn(m_path))
        fs::remove(old, ec);
    if (!fs::exists(file("metrics.jsonl")))
        return;
    std::istringstream in(readWholeFile(file("metrics.jsonl")));
    std::string line;
    std::map<std::int64_t, double> evaluated; // steps with evaluation lines: their wall time
    while (std::getline(in, line)) {
        const auto j = parseStrictJsonOrDiscarded(line);
        if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer())
            continue;
        const std::int64_t lineStep = j["step"].get<std::int64_t>();
        const double wallTime = j.contains("wall_time") && j["wall_time"].is_number()
            ? j["wall_time"].get<double>()
            : 0.0;
        Scalars scalars;
        for (const auto& [key, value] : j.items()) {
            if (key == "step" || key == "wall_time" || key == "elapsed")
                continue;
            if (value.is_number())
                scalars.emplace_back(key, value.get<double>());
            else if (value.is_null())
                scalars.emplace_back(key, std::numeric_limits<double>::quiet_NaN());
            if (key.rfind("eval/", 0) == 0)
                evaluated[lineStep] = wallTime;
        }
        events().addScalars(lineStep, wallTime, scalars);
    }
    for (const auto& [sheetStep, wallTime] : evaluated)
        if (sheetStep <= step)
            addSampleSheetToEvents(sheetStep, wallTime);
}

} // namespace ddil
