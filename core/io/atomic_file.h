#pragma once
// Writes that never leave a half-written file behind: data goes to a temporary file beside the
// target, is fsync'ed, then renamed over it (and the directory is fsync'ed). On any failure the
// previous file is untouched and IoError names the file and the reason.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace ddil {

void writeFileAtomically(const std::string& path, const std::string& bytes);
// For a signal handler that ends the process: removes the temporary file of a write in
// progress, if any, and says so on stderr. Async-signal-safe.
void removeInterruptedTempFile() noexcept;

// "" for a regular file, else why `path` is not one: "file not found", "is not a regular file
// (a FIFO)", ...
std::string regularFileProblem(const std::string& path);

// Reads a regular file of at most `maxBytes` (a FIFO, device, socket or folder is refused
// without reading from it, so "/dev/zero" or a pipe never hangs or fills memory). On failure
// returns false with `problem` set ("file not found", "is not a regular file (a FIFO)", ...).
bool readRegularFile(
    const std::string& path, std::size_t maxBytes, std::string& bytes, std::string& problem);
// The same, throwing IoError "<path>: <problem>".
std::string readWholeFile(
    const std::string& path, std::size_t maxBytes = std::numeric_limits<std::size_t>::max());
// At most `count` bytes from `offset` of a regular file (fewer at its end), and the file's size;
// throws IoError as readWholeFile does.
std::string readFileRange(
    const std::string& path, std::uint64_t offset, std::size_t count, std::uint64_t& fileSize);

// Every read above is tallied per file (by normalised absolute path), so a test can check how
// much of a file a command read, and how often.
struct FileReads {
    std::uint64_t bytes = 0;
    int wholeReads = 0;
    int partialReads = 0;
};
FileReads fileReads(const std::string& path);
void resetFileReads();

} // namespace ddil
