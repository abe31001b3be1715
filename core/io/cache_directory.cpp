#include "core/io/cache_directory.h"

#include <cstdlib>
#include <filesystem>

namespace ddil {

std::string cacheDirectory()
{
    namespace fs = std::filesystem;
    if (const char* dir = std::getenv("DDIL_CACHE_DIR"); dir && *dir)
        return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return (fs::path(xdg) / "ddil-workbench").string();
    if (const char* home = std::getenv("HOME"); home && *home)
        return (fs::path(home) / ".cache" / "ddil-workbench").string();
    return (fs::temp_directory_path() / "ddil-workbench-cache").string();
}

} // namespace ddil
