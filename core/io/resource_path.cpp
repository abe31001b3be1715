#include "core/io/resource_path.h"

#include <cstdlib>
#include <filesystem>

namespace ddil {

namespace fs = std::filesystem;

std::vector<std::string> resourceRoots()
{
    std::vector<std::string> roots;
    if (const char* dir = std::getenv("DDIL_DATA_DIR"); dir && *dir)
        roots.emplace_back(dir);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) { // <prefix>/bin/ddil-workbench or <prefix>/libexec/ddil-workbench/ddil-core
        const fs::path bin = exe.parent_path();
        roots.push_back((bin.parent_path() / "share" / "ddil-workbench").string());
        if (bin.filename() == "ddil-workbench")
            roots.push_back(
                (bin.parent_path().parent_path() / "share" / "ddil-workbench").string());
    }
    roots.emplace_back(DDIL_SOURCE_DIR);
    return roots;
}

std::optional<std::string> findResource(const std::string& path)
{
    if (path.empty() || fs::path(path).is_absolute())
        return std::nullopt;
    std::error_code ec;
    for (const auto& root : resourceRoots()) {
        const fs::path candidate = fs::path(root) / path;
        if (fs::exists(candidate, ec))
            return candidate.lexically_normal().string();
    }
    return std::nullopt;
}

std::string resolveResourcePath(const std::string& path)
{
    return findResource(path).value_or(path);
}

} // namespace ddil
