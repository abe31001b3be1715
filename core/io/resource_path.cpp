#include "core/io/resource_path.h"

#include "core/api/notices.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

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
    if (const auto found = findResource(path))
        return *found;
    std::error_code ec;
    constexpr std::string_view kOld = ".pt", kNew = ".safetensors";
    if (fs::exists(path, ec) || path.size() <= kOld.size()
        || path.compare(path.size() - kOld.size(), kOld.size(), kOld) != 0)
        return path;
    // A checkpoint by its name before checkpoints were safetensors files.
    const std::string renamed = path.substr(0, path.size() - kOld.size()) + std::string(kNew);
    const auto found = fs::path(renamed).is_absolute()
        ? (fs::exists(renamed, ec) ? std::optional<std::string>(renamed) : std::nullopt)
        : findResource(renamed);
    if (!found)
        return path;
    notify(path + " is now " + renamed
        + " (checkpoints are safetensors files); the .pt name is deprecated: update the config");
    return *found;
}

} // namespace ddil
