#pragma once
// Where the workbench caches what it can compute again (real-data features, teacher
// evaluations): $DDIL_CACHE_DIR, else $XDG_CACHE_HOME/ddil-workbench, else
// ~/.cache/ddil-workbench.

#include <string>

namespace ddil {

std::string cacheDirectory();

} // namespace ddil
