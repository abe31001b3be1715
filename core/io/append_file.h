#pragma once
// A log that is only appended to (metrics.jsonl, metrics.csv): opened without following a
// symbolic link, and checked before every append to be still the file at its path, so a log
// deleted or replaced while a run writes it is an IoError, never lines written into the void.

#include <string>

namespace ddil {

class AppendOnlyFile {
public:
    AppendOnlyFile() = default;
    ~AppendOnlyFile();
    AppendOnlyFile(const AppendOnlyFile&) = delete;
    AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

    bool isOpen() const { return m_fd >= 0; }
    // Opens (creating) `path` for appending; IoError naming it when it cannot be, or is a link.
    void open(const std::string& path);
    // Appends `text`; IoError when the file at the path is no longer the one open, or the write
    // fails (disk full, file-size limit).
    void append(const std::string& text);
    // The size of the open file.
    long long size() const;

private:
    std::string m_path;
    int m_fd = -1;
};

} // namespace ddil
