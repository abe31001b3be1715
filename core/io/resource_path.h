#pragma once
// Shipped files (weights, presets) named by paths relative to the project root, such as
// "resources/weights/fashion-mnist-teacher.pt", found wherever the program runs from.

#include <string>
#include <vector>

namespace ddil {

// The folders searched for a relative path, in order: the working folder, $DDIL_DATA_DIR, the
// installed share folder (<prefix>/share/ddil-workbench next to <prefix>/bin) and the source
// tree this build came from.
std::vector<std::string> resourceRoots();

// An absolute path, or the first root holding `path`; `path` unchanged when none does (the
// caller's open then reports it missing).
std::string resolveResourcePath(const std::string& path);

} // namespace ddil
