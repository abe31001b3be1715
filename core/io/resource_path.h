#pragma once
// Shipped files (weights, presets) named by paths relative to the project root, such as
// "resources/weights/fashion-mnist-teacher.safetensors", found wherever the program runs from. The
// working folder is never searched: a file planted at ./resources/... does not replace a
// shipped one. (A config's own relative paths are anchored to its folder when it is loaded.)

#include <optional>
#include <string>
#include <vector>

namespace ddil {

// The folders searched for a relative path, in order: $DDIL_DATA_DIR, the installed share
// folder (<prefix>/share/ddil-workbench, for programs in <prefix>/bin or
// <prefix>/libexec/ddil-workbench) and the source tree this build came from.
std::vector<std::string> resourceRoots();

// The first root holding `path` (relative), as a normalised path; nullopt when none does.
std::optional<std::string> findResource(const std::string& path);

// An absolute path unchanged, or the first root holding `path`; `path` unchanged when none does
// (the caller's open then reports it missing). A missing checkpoint named "X.pt" resolves as
// "X.safetensors" where that exists, with a deprecation notice (api/notices.h).
std::string resolveResourcePath(const std::string& path);

} // namespace ddil
