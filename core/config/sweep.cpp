#include "core/api/sweep.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace ddil {

namespace {
using ordered_json = nlohmann::ordered_json;

std::vector<std::string> splitTopLevel(const std::string& text)
{
    std::vector<std::string> parts;
    std::string current;
    int depth = 0;
    bool quoted = false;
    for (char c : text) {
        if (c == '"')
            quoted = !quoted;
        if (!quoted && (c == '[' || c == '{'))
            ++depth;
        if (!quoted && (c == ']' || c == '}'))
            --depth;
        if (c == ',' && depth == 0 && !quoted) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

ordered_json parseValue(const std::string& text)
{
    ordered_json value;
    std::string problem;
    if (!parseStrictJson(text, value, problem))
        return ordered_json(text); // an enum name such as lcm
    return value;
}

// The value as it appears in a name: "[0,0.5,0.5]" -> "0_0.5_0.5", "\"lcm\"" -> "lcm".
std::string nameText(const ordered_json& value)
{
    std::string out;
    for (char c : value.is_string() ? value.get<std::string>() : value.dump())
        if (c == ',')
            out += '_';
        else if (c != '[' && c != ']' && c != '"' && c != ' ')
            out += c;
    return out;
}

ordered_json* leafAt(ordered_json& root, const std::string& key)
{
    ordered_json* node = &root;
    size_t begin = 0;
    while (true) {
        const size_t dot = key.find('.', begin);
        const std::string part = key.substr(begin, dot - begin);
        if (!node->is_object() || !node->contains(part))
            return nullptr;
        node = &(*node)[part];
        if (dot == std::string::npos)
            break;
        begin = dot + 1;
    }
    return node->is_object() ? nullptr : node;
}
} // namespace

SweepAxis parseSweepAxis(const std::string& spec)
{
    const size_t eq = spec.find('=');
    if (eq == std::string::npos)
        throw ConfigError("--set " + spec + ": expected key=v1,v2,...");
    SweepAxis axis;
    axis.key = spec.substr(0, eq);
    if (axis.key.empty())
        throw ConfigError("--set " + spec + ": the key is empty");
    for (const auto& value : splitTopLevel(spec.substr(eq + 1))) {
        if (value.empty())
            throw ConfigError("--set " + spec + ": empty value");
        axis.values.push_back(value);
    }
    return axis;
}

std::string sweepFileName(const std::string& name)
{
    std::string out = name;
    for (char& c : out)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '='
            && c != '+' && c != '-')
            c = '_';
    return out;
}

std::vector<SweepPoint> expandSweep(
    const std::string& configPath, const std::vector<SweepAxis>& axes)
{
    const auto base = loadConfigFile(configPath);
    if (base.unreadable)
        throw IoError(base.issues.front().message);
    if (!base.ok())
        throw ConfigError(configPath + ": " + base.errors().front().toString());
    const auto baseJson = ordered_json::parse(configToJson(base.config));
    for (const auto& axis : axes) {
        ordered_json probe = baseJson;
        if (!leafAt(probe, axis.key))
            throw ConfigError("--set " + axis.key
                + ": not a setting of the config (keys are "
                  "dotted paths such as distill.ddil.beta)");
    }

    std::vector<SweepPoint> points;
    std::vector<size_t> index(axes.size(), 0);
    while (true) {
        ordered_json json = baseJson;
        std::string name = base.config.name;
        for (size_t a = 0; a < axes.size(); ++a) {
            const auto value = parseValue(axes[a].values[index[a]]);
            *leafAt(json, axes[a].key) = value;
            const auto leaf = axes[a].key.substr(axes[a].key.rfind('.') + 1);
            name += "-" + leaf + "=" + nameText(value);
        }
        json["name"] = name;
        const auto parsed = parseConfig(json.dump(), name);
        if (!parsed.ok())
            throw ConfigError(name + ": " + parsed.errors().front().toString());
        points.push_back({ name, parsed.config, configToJson(parsed.config) });
        // Next index, last axis fastest.
        size_t a = axes.size();
        while (a > 0) {
            --a;
            if (++index[a] < axes[a].values.size())
                break;
            index[a] = 0;
            if (a == 0)
                return points;
        }
        if (axes.empty())
            return points;
    }
}

namespace {
// A path as a single-quoted shell word.
std::string shellQuoted(const std::string& text)
{
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}
} // namespace

std::string writeSlurmArrayScript(
    const std::string& dir, std::size_t count, const std::string& ddilPath)
{
    namespace fs = std::filesystem;
    const std::string sweep = fs::absolute(dir).lexically_normal().string();
    const std::string path = (fs::path(sweep) / "sweep.sbatch").string();
    std::string s;
    s += "#!/usr/bin/env bash\n";
    s += "# A Slurm job array over this sweep: one task per line of configs.txt, each training\n";
    s += "# into this folder's <config name>/ with `ddil run`; a run with a checkpoint resumes,\n";
    s += "# a finished one is skipped, so the array can simply be submitted again. Submit with\n";
    s += "#   sbatch " + path + "\n";
    s += "# and add --partition, --time, --cpus-per-task or --gres=gpu:1 to that command line.\n";
    s += "# `ddil table " + sweep + "/*/` summarises the results. $DDIL overrides the binary.\n";
    s += "#SBATCH --job-name=ddil-sweep\n";
    s += "#SBATCH --array=0-" + std::to_string(count == 0 ? 0 : count - 1) + "\n";
    s += "#SBATCH --output=" + sweep + "/slurm-%A_%a.out\n";
    s += "set -euo pipefail\n";
    s += "sweep=" + shellQuoted(sweep) + "\n";
    s += "ddil=${DDIL:-" + shellQuoted(ddilPath) + "}\n";
    s += ": \"${SLURM_ARRAY_TASK_ID:?not a Slurm array task: submit this script with sbatch}\"\n";
    s += "config=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$sweep/configs.txt\")\n";
    s += "if [ -z \"$config\" ]; then\n";
    s += "  echo \"no config for task $SLURM_ARRAY_TASK_ID in $sweep/configs.txt\" >&2\n";
    s += "  exit 2\n";
    s += "fi\n";
    s += "out=\"$sweep/$(basename \"$config\" .json)\"\n";
    s += "if grep -qs '\"status\": \"finished\"' \"$out/state.json\"; then\n";
    s += "  echo \"finished already: $out\"\n";
    s += "  exit 0\n";
    s += "fi\n";
    s += "resume=()\n";
    s += "if [ -f \"$out/checkpoint.safetensors\" ] || [ -f \"$out/checkpoint.pt\" ]; then "
         "resume=(--resume); fi\n";
    s += "exec \"$ddil\" run \"$config\" --out \"$out\" --quiet \"${resume[@]}\"\n";
    writeFileAtomically(path, s);
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
        fs::perm_options::add, ec);
    return path;
}

std::vector<std::string> writeSweepConfigs(
    const std::vector<SweepPoint>& points, const std::string& dir)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw IoError(dir + ": cannot create the sweep folder: " + ec.message());
    std::vector<std::string> paths;
    std::string list;
    for (const auto& point : points) {
        const auto file = fs::absolute(fs::path(dir) / (sweepFileName(point.name) + ".json"));
        writeFileAtomically(file.string(), point.json);
        paths.push_back(file.string());
        list += file.string() + "\n";
    }
    writeFileAtomically((fs::path(dir) / "configs.txt").string(), list);
    return paths;
}

} // namespace ddil
