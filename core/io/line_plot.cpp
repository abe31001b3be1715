#include "core/io/line_plot.h"

#include "core/io/palette.h"
#include "core/io/png_file.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace ddil {

namespace {
const cv::Scalar kInk(40, 40, 40);
const cv::Scalar kGrid(230, 230, 230);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Scalar colourOf(int index)
{
    const auto& c = paletteColour(static_cast<size_t>(index));
    return { double(c[0]), double(c[1]), double(c[2]) };
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over span.
double tickStep(double span, int count)
{
    const double raw = span / count;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : { 1.0, 2.0, 5.0, 10.0 })
        if (m * power >= raw)
            return m * power;
    return 10.0 * power;
}

std::string formatTick(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
    return buf;
}

void dashedLine(cv::Mat& image, cv::Point a, cv::Point b, const cv::Scalar& colour)
{
    const double length = std::hypot(b.x - a.x, b.y - a.y);
    const int dashes = std::max(1, static_cast<int>(length / 6));
    for (int i = 0; i < dashes; i += 2) {
        const double s = double(i) / dashes, e = std::min(1.0, double(i + 1) / dashes);
        cv::line(image, a + (b - a) * s, a + (b - a) * e, colour, 2, cv::LINE_AA);
    }
}

void drawPanel(cv::Mat& image, const LinePanel& panel, cv::Rect area)
{
    double xMin = std::numeric_limits<double>::max(), xMax = -xMin;
    double yMin = 0.0, yMax = -std::numeric_limits<double>::max();
    for (const auto& s : panel.series)
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i]))
                continue;
            xMin = std::min(xMin, s.x[i]);
            xMax = std::max(xMax, s.x[i]);
            yMin = std::min(yMin, s.y[i]);
            yMax = std::max(yMax, s.y[i]);
        }
    if (xMax < xMin) {
        xMin = 0;
        xMax = 1;
    }
    if (xMax == xMin)
        xMax = xMin + 1;
    if (yMax <= yMin)
        yMax = yMin + 1;
    const double yStep = tickStep(yMax - yMin, 5);
    yMin = std::floor(yMin / yStep) * yStep;
    yMax = std::ceil(yMax * 1.02 / yStep) * yStep;

    const cv::Rect plot(area.x + 58, area.y + 30, area.width - 76, area.height - 74);
    auto px = [&](double x) {
        double f = (x - xMin) / (xMax - xMin);
        if (panel.reverseX)
            f = 1.0 - f;
        return plot.x + static_cast<int>(std::lround(f * plot.width));
    };
    auto py = [&](double y) {
        return plot.y + plot.height
            - static_cast<int>(std::lround((y - yMin) / (yMax - yMin) * plot.height));
    };
    for (double y = yMin; y <= yMax + 1e-9 * yStep; y += yStep) {
        cv::line(image, { plot.x, py(y) }, { plot.x + plot.width, py(y) }, kGrid, 1);
        const auto text = formatTick(y);
        int baseline = 0;
        const auto size = cv::getTextSize(text, kFont, 0.4, 1, &baseline);
        cv::putText(
            image, text, { plot.x - 6 - size.width, py(y) + 4 }, kFont, 0.4, kInk, 1, cv::LINE_AA);
    }
    const double xStep = std::max(1.0, tickStep(xMax - xMin, 6));
    for (double x = std::ceil(xMin / xStep) * xStep; x <= xMax + 1e-9; x += xStep) {
        cv::line(image, { px(x), plot.y }, { px(x), plot.y + plot.height }, kGrid, 1);
        cv::putText(image, formatTick(x), { px(x) - 4, plot.y + plot.height + 16 }, kFont, 0.4,
            kInk, 1, cv::LINE_AA);
    }
    cv::rectangle(image, plot, cv::Scalar(120, 120, 120), 1);
    cv::putText(
        image, panel.title, { area.x + 10, area.y + 20 }, kFont, 0.45, kInk, 1, cv::LINE_AA);
    cv::putText(image, panel.xLabel, { plot.x + plot.width / 2 - 40, plot.y + plot.height + 36 },
        kFont, 0.42, kInk, 1, cv::LINE_AA);
    for (const auto& s : panel.series) {
        const auto colour = colourOf(s.colour);
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i]))
                continue;
            const cv::Point p(px(s.x[i]), py(s.y[i]));
            if (!s.dashed)
                cv::circle(image, p, 3, colour, cv::FILLED, cv::LINE_AA);
            if (i + 1 < s.x.size() && std::isfinite(s.y[i + 1])) {
                const cv::Point q(px(s.x[i + 1]), py(s.y[i + 1]));
                if (s.dashed)
                    dashedLine(image, p, q, colour);
                else
                    cv::line(image, p, q, colour, 2, cv::LINE_AA);
            }
        }
    }
}
void drawIntervalPanel(cv::Mat& image, const IntervalPanel& panel, cv::Rect area)
{
    double lo = 0.0, hi = 0.0; // 0 is always in view
    for (const auto& r : panel.rows) {
        for (double v : { r.estimate, r.low, r.high }) {
            if (!std::isfinite(v) || (!r.defined && v != r.estimate))
                continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    if (hi <= lo)
        hi = lo + 1.0;
    const double pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    const cv::Rect plot(area.x + 10, area.y + kIntervalHeader, area.width - 24,
        static_cast<int>(panel.rows.size()) * kIntervalRowHeight);
    auto px = [&](double x) {
        return plot.x + static_cast<int>(std::lround((x - lo) / (hi - lo) * plot.width));
    };
    const double step = tickStep(hi - lo, 4);
    for (double x = std::ceil(lo / step) * step; x <= hi; x += step) {
        cv::line(image, { px(x), plot.y }, { px(x), plot.y + plot.height }, kGrid, 1);
        cv::putText(image, formatTick(x), { px(x) - 8, plot.y + plot.height + 16 }, kFont, 0.4,
            kInk, 1, cv::LINE_AA);
    }
    cv::line(image, { px(0.0), plot.y }, { px(0.0), plot.y + plot.height }, kInk, 1);
    cv::rectangle(image, plot, cv::Scalar(120, 120, 120), 1);
    cv::putText(
        image, panel.title, { area.x + 10, area.y + 20 }, kFont, 0.45, kInk, 1, cv::LINE_AA);
    const cv::Scalar grey(150, 150, 150);
    for (size_t i = 0; i < panel.rows.size(); ++i) {
        const auto& r = panel.rows[i];
        if (!std::isfinite(r.estimate))
            continue;
        const int y = plot.y + static_cast<int>(i) * kIntervalRowHeight + kIntervalRowHeight / 2;
        const auto colour = r.marked ? colourOf(0) : grey;
        if (r.defined) {
            cv::line(image, { px(r.low), y }, { px(r.high), y }, colour, 2, cv::LINE_AA);
            for (double end : { r.low, r.high })
                cv::line(image, { px(end), y - 4 }, { px(end), y + 4 }, colour, 2, cv::LINE_AA);
        }
        cv::circle(
            image, { px(r.estimate), y }, 4, colour, r.defined ? cv::FILLED : 1, cv::LINE_AA);
    }
}
} // namespace

void writeIntervalPanelsPng(const std::string& path, const std::vector<std::string>& labels,
    const std::vector<IntervalPanel>& panels, const std::string& caption, int panelWidth)
{
    int labelWidth = 40;
    for (const auto& label : labels) {
        int baseline = 0;
        labelWidth = std::max(labelWidth, cv::getTextSize(label, kFont, 0.42, 1, &baseline).width);
    }
    labelWidth += 16;
    const int rows = static_cast<int>(labels.size());
    cv::Mat image(kIntervalHeader + rows * kIntervalRowHeight + kIntervalFooter,
        labelWidth + std::max<int>(1, panels.size()) * panelWidth, CV_8UC3,
        cv::Scalar(255, 255, 255));
    for (int i = 0; i < rows; ++i)
        cv::putText(image, labels[i],
            { 8, kIntervalHeader + i * kIntervalRowHeight + kIntervalRowHeight / 2 + 5 }, kFont,
            0.42, kInk, 1, cv::LINE_AA);
    for (size_t i = 0; i < panels.size(); ++i) {
        if (panels[i].rows.size() != labels.size())
            throw std::invalid_argument(path + ": panel \"" + panels[i].title + "\" has "
                + std::to_string(panels[i].rows.size()) + " rows for " + std::to_string(rows)
                + " labels");
        drawIntervalPanel(image, panels[i],
            cv::Rect(labelWidth + static_cast<int>(i) * panelWidth, 0, panelWidth, image.rows));
    }
    cv::putText(image, caption, { 8, image.rows - 8 }, kFont, 0.42, kInk, 1, cv::LINE_AA);
    writePngAtomically(path, image);
}

void writeLinePanelsPng(
    const std::string& path, const std::vector<LinePanel>& panels, int panelWidth, int panelHeight)
{
    // Legend entries: each label once, in order of appearance.
    std::vector<const LineSeries*> legend;
    for (const auto& panel : panels)
        for (const auto& s : panel.series)
            if (std::none_of(legend.begin(), legend.end(),
                    [&](const LineSeries* l) { return l->label == s.label; }))
                legend.push_back(&s);
    const int width = std::max<int>(1, panels.size()) * panelWidth;
    int entryWidth = 120;
    for (const auto* entry : legend) {
        int baseline = 0;
        entryWidth = std::max(
            entryWidth, cv::getTextSize(entry->label, kFont, 0.42, 1, &baseline).width + 50);
    }
    const int perRow = std::max(1, (width - 16) / entryWidth);
    const int legendRows = (static_cast<int>(legend.size()) + perRow - 1) / perRow;
    cv::Mat image(panelHeight + 12 + 20 * legendRows, width, CV_8UC3, cv::Scalar(255, 255, 255));
    for (size_t i = 0; i < panels.size(); ++i)
        drawPanel(image, panels[i],
            cv::Rect(static_cast<int>(i) * panelWidth, 0, panelWidth, panelHeight));
    for (size_t i = 0; i < legend.size(); ++i) {
        const int x = 16 + static_cast<int>(i % perRow) * entryWidth;
        const int y = panelHeight + 6 + static_cast<int>(i / perRow) * 20;
        const auto colour = colourOf(legend[i]->colour);
        if (legend[i]->dashed)
            dashedLine(image, { x, y }, { x + 24, y }, colour);
        else
            cv::line(image, { x, y }, { x + 24, y }, colour, 2, cv::LINE_AA);
        cv::putText(image, legend[i]->label, { x + 30, y + 4 }, kFont, 0.42, kInk, 1, cv::LINE_AA);
    }
    writePngAtomically(path, image);
}

} // namespace ddil
