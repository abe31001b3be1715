#include "core/api/shift_plot.h"

#include "core/api/config_io.h"
#include "core/api/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/line_plot.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>

namespace ddil {

namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;
} // namespace

void writeShiftPlot(const std::vector<std::string>& runDirs, const std::string& pngPath)
{
    std::vector<LinePanel> panels(3);
    std::map<double, std::pair<double, int>> floors; // k -> (sum over runs, runs)
    std::string metric;
    int colour = 0;
    for (const auto& dir : runDirs) {
        const auto file = fs::path(dir) / "diagnose.json";
        if (!fs::exists(file))
            continue;
        const auto d = parseStrictJsonOrDiscarded(readWholeFile(file.string()));
        if (!d.is_object() || !d.contains("shift"))
            throw IoError(file.string() + ": not the output of `ddil diagnose`");
        const auto& shift = d["shift"];
        if (metric.empty())
            metric = shift.empty() || !shift[0].contains("fd") ? "sw" : "fd";
        std::string label = dir;
        const auto config = loadConfigFile((fs::path(dir) / "config.json").string());
        if (config.readable())
            label = config.config.name;
        LineSeries sf { label, {}, {}, colour, false }, st = sf, gap = sf;
        try {
            for (const auto& step : shift) {
                if (!step.contains(metric))
                    continue;
                const double k = step["k"].get<double>();
                const auto& m = step[metric];
                sf.x.push_back(k);
                sf.y.push_back(m["sf"].get<double>());
                st.x.push_back(k);
                st.y.push_back(m["st"].get<double>());
                floors[k].first += m["floor"].get<double>();
                ++floors[k].second;
                if (step.contains("loss")) {
                    const auto& l = step["loss"];
                    gap.x.push_back(k);
                    gap.y.push_back(l["gap"].get<double>() / std::abs(l["f"].get<double>()));
                }
            }
        } catch (const json::exception& e) { // a field missing or of another type
            throw IoError(file.string() + ": not the output of `ddil diagnose` (" + e.what() + ")");
        }
        panels[0].series.push_back(sf);
        panels[1].series.push_back(st);
        if (!gap.x.empty())
            panels[2].series.push_back(gap);
        colour += colour == 6 ? 2 : 1; // grey (7) is the floor's
    }
    if (panels[0].series.empty())
        throw IoError("no diagnose.json in the run folders (run `ddil diagnose --checkpoint "
                      "RUN/checkpoint.safetensors > RUN/diagnose.json` first)");
    LineSeries floor { "floor: two draws of data", {}, {}, 7, true };
    for (const auto& [k, sum] : floors) {
        floor.x.push_back(k);
        floor.y.push_back(sum.first / sum.second);
    }
    const std::string what = metric == "fd" ? "FD, evaluator features" : "sliced W1";
    panels[0].title = "D(S_k, F_k): student vs data states (" + what + ")";
    panels[1].title = "D(S_k, T_k): student vs teacher states";
    panels[2].title = "loss gap (L(S_k) - L(F_k)) / L(F_k)";
    // Legend labels without the prefix every run name shares ("fashion-mnist-").
    std::string prefix = panels[0].series.front().label;
    for (const auto& series : panels[0].series) {
        size_t n = 0;
        while (n < prefix.size() && n < series.label.size() && prefix[n] == series.label[n])
            ++n;
        prefix.resize(n);
    }
    prefix.resize(prefix.empty() ? 0 : prefix.rfind('-') + 1);
    if (panels[0].series.size() > 1 && !prefix.empty())
        for (auto& panel : panels)
            for (auto& series : panel.series)
                if (series.label.rfind(prefix, 0) == 0)
                    series.label = series.label.substr(prefix.size());
    for (auto& panel : panels) {
        panel.xLabel = "student step k (N first)";
        panel.reverseX = true;
    }
    panels[0].series.push_back(floor);
    panels[1].series.push_back(floor);
    writeLinePanelsPng(pngPath, panels, 520, 360);
}

} // namespace ddil
