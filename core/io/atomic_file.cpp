#include "core/io/atomic_file.h"

#include "core/api/errors.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace ddil {

namespace fs = std::filesystem;

namespace {
const char* fileKind(mode_t mode);

[[noreturn]] void fail(const std::string& path, const std::string& what, int err)
{
    throw IoError(path + ": " + what + ": " + std::strerror(err));
}

// The temporary file being written now, for a signal handler to remove: the path is copied into
// a fixed buffer first, then published by the flag (both safe to read in a handler).
char g_tempPath[4096];
std::atomic<bool> g_tempClaimed { false }; // a writer owns the buffer
std::atomic<bool> g_tempPending { false }; // the buffer holds the path of a write in progress

// Marks `tmp` as being written until destroyed. One write is tracked at a time (checkpoints,
// logs and samples come from the training thread); a concurrent one goes untracked.
struct PendingTemp {
    explicit PendingTemp(const std::string& tmp)
    {
        bool free = false;
        if (tmp.size() < sizeof g_tempPath && g_tempClaimed.compare_exchange_strong(free, true)) {
            std::memcpy(g_tempPath, tmp.c_str(), tmp.size() + 1);
            g_tempPending.store(true);
            owns = true;
        }
    }
    ~PendingTemp()
    {
        if (owns) {
            g_tempPending.store(false);
            g_tempClaimed.store(false);
        }
    }
    PendingTemp(const PendingTemp&) = delete;
    PendingTemp& operator=(const PendingTemp&) = delete;
    bool owns = false;
};
} // namespace

void removeInterruptedTempFile() noexcept
{
    if (!g_tempPending.exchange(false))
        return;
    if (::unlink(g_tempPath) != 0)
        return;
    // write(2) only: this runs in a signal handler.
    const auto say = [](const char* text) {
        [[maybe_unused]] const auto n = ::write(STDERR_FILENO, text, std::strlen(text));
    };
    say("ddil: note: removed ");
    say(g_tempPath);
    say(" (a write the stop interrupted; the file it was replacing is intact)\n");
}

std::string regularFileProblem(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return errno == ENOENT ? "file not found"
                               : std::string("cannot be read: ") + std::strerror(errno);
    return S_ISREG(st.st_mode) ? "" : fileKind(st.st_mode);
}

void writeFileAtomically(const std::string& path, const std::string& bytes)
{
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string tmp
        = (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid())))
              .string();
    const PendingTemp pending(tmp);
    // O_NOFOLLOW: a link planted under the temporary name is refused, never written through.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        fail(path, "cannot create file", errno);
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            fail(path, "write failed", err);
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(path, "fsync failed", err);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, "close failed", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, "rename failed", err);
    }
    const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
}

namespace {
const char* fileKind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "is a directory, not a file";
    if (S_ISFIFO(mode))
        return "is not a regular file (a FIFO)";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "is not a regular file (a device)";
    if (S_ISSOCK(mode))
        return "is not a regular file (a socket)";
    return "is not a regular file";
}

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};
} // namespace

namespace {
// Bytes read per file, by normalised absolute path: what the read tally reports.
struct ReadTally {
    std::mutex mutex;
    std::map<std::string, FileReads> reads;
};
ReadTally& readTally()
{
    static ReadTally tally;
    return tally;
}
std::string tallyKey(const std::string& path)
{
    std::error_code ec;
    const auto absolute = fs::absolute(path, ec);
    return (ec ? fs::path(path) : absolute).lexically_normal().string();
}
void countRead(const std::string& path, std::size_t bytes, bool whole)
{
    auto& tally = readTally();
    const std::lock_guard<std::mutex> lock(tally.mutex);
    auto& reads = tally.reads[tallyKey(path)];
    reads.bytes += bytes;
    reads.wholeReads += whole ? 1 : 0;
    reads.partialReads += whole ? 0 : 1;
}

// Reads at most `count` bytes from `offset` of a regular file (everything when `whole`).
bool readRegularFileAt(const std::string& path, std::uint64_t offset, std::size_t count, bool whole,
    std::size_t maxBytes, std::string& bytes, std::uint64_t& fileSize, std::string& problem)
{
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        problem = errno == ENOENT ? "file not found"
            : errno == EACCES     ? "cannot be read (permission denied)"
                                  : std::string("cannot be opened: ") + std::strerror(errno);
        return false;
    }
    FdCloser closer { fd };
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        problem = std::string("cannot be examined: ") + std::strerror(errno);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        problem = fileKind(st.st_mode);
        return false;
    }
    fileSize = static_cast<std::uint64_t>(st.st_size);
    if (whole) {
        if (fileSize > maxBytes) {
            problem = "is " + std::to_string(fileSize) + " bytes, more than the "
                + std::to_string(maxBytes) + " allowed";
            return false;
        }
        offset = 0;
        count = static_cast<std::size_t>(fileSize);
    } else {
        count = offset >= fileSize
            ? 0
            : static_cast<std::size_t>(std::min<std::uint64_t>(count, fileSize - offset));
    }
    bytes.resize(count);
    std::size_t done = 0;
    while (done < count) {
        const ssize_t n
            = ::pread(fd, bytes.data() + done, count - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            problem = std::string("read failed: ") + std::strerror(errno);
            return false;
        }
        if (n == 0)
            break; // shrank while being read: what is there
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    countRead(path, done, whole);
    return true;
}
} // namespace

bool readRegularFile(
    const std::string& path, std::size_t maxBytes, std::string& bytes, std::string& problem)
{
    std::uint64_t size = 0;
    return readRegularFileAt(path, 0, 0, true, maxBytes, bytes, size, problem);
}

std::string readFileRange(
    const std::string& path, std::uint64_t offset, std::size_t count, std::uint64_t& fileSize)
{
    std::string bytes, problem;
    if (!readRegularFileAt(path, offset, count, false, 0, bytes, fileSize, problem))
        throw IoError(path + ": " + problem);
    return bytes;
}

FileReads fileReads(const std::string& path)
{
    auto& tally = readTally();
    const std::lock_guard<std::mutex> lock(tally.mutex);
    const auto it = tally.reads.find(tallyKey(path));
    return it == tally.reads.end() ? FileReads {} : it->second;
}

void resetFileReads()
{
    auto& tally = readTally();
    const std::lock_guard<std::mutex> lock(tally.mutex);
    tally.reads.clear();
}

std::string readWholeFile(const std::string& path, std::size_t maxBytes)
{
    std::string bytes, problem;
    if (!readRegularFile(path, maxBytes, bytes, problem))
        throw IoError(path + ": " + problem);
    return bytes;
}

} // namespace ddil
