#pragma once
// Charts as a PNG (OpenCV), for figures the CLI writes: line charts (the per-step shift plot of
// `ddil table --shift-plot`), panels side by side with one legend below them; and interval
// charts (the differences to the baseline of `ddil table --delta-plot`), one row per estimate.

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

// One estimate with its interval; without an interval (defined false) only the point is drawn,
// hollow. Marked rows are drawn in colour, the others in grey.
struct IntervalRow {
    double estimate = 0.0, low = 0.0, high = 0.0;
    bool defined = false;
    bool marked = false;
};

struct IntervalPanel {
    std::string title;
    std::vector<IntervalRow> rows; // as many as the chart has labels, top to bottom
};

// Panels side by side sharing the row labels on the left, each with a vertical line at 0, and a
// caption under them. The image is kIntervalHeader + rows * kIntervalRowHeight +
// kIntervalFooter pixels high. Text is drawn with OpenCV's Hershey fonts: ASCII only.
inline constexpr int kIntervalHeader = 34, kIntervalRowHeight = 22, kIntervalFooter = 48;
void writeIntervalPanelsPng(const std::string& path, const std::vector<std::string>& labels,
    const std::vector<IntervalPanel>& panels, const std::string& caption, int panelWidth = 300);

} // namespace ddil
