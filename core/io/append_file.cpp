#include "core/io/append_file.h"

#include "core/api/errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ddil {

AppendOnlyFile::~AppendOnlyFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void AppendOnlyFile::open(const std::string& path)
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_path = path;
    m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (m_fd < 0)
        throw IoError(path + ": cannot open for writing: "
            + (errno == ELOOP ? std::string("it is a symbolic link (a run folder's files are "
                                            "written only inside it)")
                              : std::string(std::strerror(errno))));
}

void AppendOnlyFile::append(const std::string& text)
{
    struct stat open {}, atPath {};
    if (::fstat(m_fd, &open) != 0 || ::lstat(m_path.c_str(), &atPath) != 0
        || open.st_dev != atPath.st_dev || open.st_ino != atPath.st_ino)
        throw IoError(m_path
            + ": deleted or replaced while the run was writing it; the run stops here (its last "
              "checkpoint is kept)");
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(m_fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw IoError(m_path + ": write failed (" + std::strerror(errno) + ")");
        written += static_cast<size_t>(n);
    }
}

long long AppendOnlyFile::size() const
{
    struct stat st {};
    return m_fd >= 0 && ::fstat(m_fd, &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}

} // namespace ddil
