#include "core/api/run_groups.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/metrics/statistics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

namespace ddil {

namespace {
// Two runs belong to one group when their configs differ in seed, name and runtime only.
std::string groupKey(RunConfig config)
{
    config.seed = 0;
    config.name.clear();
    config.runtime = RuntimeConfig {};
    return configToJson(config);
}
} // namespace

std::vector<std::vector<size_t>> groupBySeed(const std::vector<RunConfig>& configs)
{
    std::vector<std::vector<size_t>> groups;
    std::vector<std::string> keys;
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto key = groupKey(configs[i]);
        const auto it = std::find(keys.begin(), keys.end(), key);
        if (it == keys.end()) {
            keys.push_back(key);
            groups.push_back({ i });
        } else {
            groups[it - keys.begin()].push_back(i);
        }
    }
    return groups;
}

std::string groupName(const std::string& name, size_t runs)
{
    if (runs < 2)
        return name;
    static const std::string part = "-seed=";
    const auto digit = [&name](size_t i) {
        return i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]));
    };
    std::string out;
    for (size_t i = 0; i < name.size();) {
        if (name.compare(i, part.size(), part) == 0 && digit(i + part.size())) {
            for (i += part.size(); digit(i);)
                ++i;
        } else {
            out += name[i++];
        }
    }
    return out;
}

std::vector<RunGroup> groupRunFolders(const std::vector<std::string>& dirs)
{
    std::vector<RunConfig> configs;
    for (const auto& dir : dirs) {
        const auto path = (std::filesystem::path(dir) / "config.json").string();
        if (!std::filesystem::exists(path))
            throw IoError(dir + ": not a run folder (no config.json)");
        const auto loaded = loadConfigFile(path);
        if (!loaded.readable())
            throw IoError(path + ": " + loaded.errors().front().toString());
        configs.push_back(loaded.config);
    }
    std::vector<RunGroup> out;
    for (const auto& members : groupBySeed(configs)) {
        RunGroup group;
        group.name = groupName(configs[members.front()].name, members.size());
        for (const auto i : members) {
            group.dirs.push_back(dirs[i]);
            group.seeds.push_back(configs[i].seed);
        }
        out.push_back(std::move(group));
    }
    return out;
}

SeedBand seedBand(const std::vector<StepCurve>& curves, BandKind kind, int minRuns)
{
    std::map<std::int64_t, std::vector<double>> byStep;
    for (const auto& curve : curves)
        for (const auto& [step, value] : curve)
            if (std::isfinite(value))
                byStep[step].push_back(value);
    SeedBand band;
    for (const auto& [step, values] : byStep) {
        const int n = static_cast<int>(values.size());
        if (n < std::max(1, minRuns))
            continue;
        const double m = mean(values);
        double half = 0.0;
        if (n >= 2) {
            const double sd = sampleSd(values);
            half = kind == BandKind::StandardDeviation
                ? sd
                : studentTQuantile(0.975, n - 1) * sd / std::sqrt(double(n));
        }
        band.steps.push_back(step);
        band.mean.push_back(m);
        band.low.push_back(m - half);
        band.high.push_back(m + half);
        band.runs.push_back(n);
    }
    return band;
}

} // namespace ddil
