#include "core/io/atomic_file.h"

#include "core/api/errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ddil {

namespace fs = std::filesystem;

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what, int err)
{
    throw IoError(path + ": " + what + ": " + std::strerror(err));
}
} // namespace

void writeFileAtomically(const std::string& path, const std::string& bytes)
{
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string tmp
        = (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid())))
              .string();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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

std::string readWholeFile(const std::string& path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw IoError(path + ": file not found");
    if (fs::is_directory(path, ec))
        throw IoError(path + ": is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace ddil
