#pragma once
// Line charts as a PNG (OpenCV), for figures the CLI writes (e.g. the per-step shift plot of
// `ddil table --shift-plot`): panels side by side with one legend below them.

#include <string>
#include <vector>

namespace ddil {

struct LineSeries {
    std::string label; // in the legend; series with the same label share one entry
    std::vector<double> x, y;
    int colour = 0; // palette index
    bool dashed = false;
};

struct LinePanel {
    std::string title;
    std::string xLabel;
    std::vector<LineSeries> series;
    bool reverseX = false; // larger x on the left (e.g. student step k = N first)
};

// Throws IoError when the file cannot be written.
void writeLinePanelsPng(const std::string& path, const std::vector<LinePanel>& panels,
    int panelWidth = 420, int panelHeight = 320);

} // namespace ddil
