#pragma once
// Writes that never leave a half-written file behind: data goes to a temporary file beside the
// target, is fsync'ed, then renamed over it (and the directory is fsync'ed). On any failure the
// previous file is untouched and IoError names the file and the reason.

#include <string>

namespace ddil {

void writeFileAtomically(const std::string& path, const std::string& bytes);
std::string readWholeFile(const std::string& path); // IoError when missing or unreadable

} // namespace ddil
