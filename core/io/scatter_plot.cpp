#include "core/io/scatter_plot.h"

#include "core/io/palette.h"
#include "core/io/png_file.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace ddil {

void writeScatterPng(const std::string& path, const std::vector<float>& xy,
    const std::vector<int64_t>& labels, const ScatterOptions& options)
{
    const int s = options.size;
    cv::Mat image(s, s, CV_8UC3, cv::Scalar(255, 255, 255));
    const int margin = 24;
    const double scale = (s - 2 * margin) / (2.0 * options.extent);
    auto toPixel = [&](double x, double y) {
        return cv::Point(static_cast<int>(std::lround(margin + (x + options.extent) * scale)),
            static_cast<int>(std::lround(margin + (options.extent - y) * scale)));
    };
    // Grid at every 0.5 and the frame.
    for (double g = -std::floor(options.extent * 2) / 2; g <= options.extent; g += 0.5) {
        const cv::Scalar colour
            = (std::abs(g) < 1e-9) ? cv::Scalar(190, 190, 190) : cv::Scalar(235, 235, 235);
        cv::line(image, toPixel(g, -options.extent), toPixel(g, options.extent), colour, 1);
        cv::line(image, toPixel(-options.extent, g), toPixel(options.extent, g), colour, 1);
    }
    cv::rectangle(image, toPixel(-options.extent, options.extent),
        toPixel(options.extent, -options.extent), cv::Scalar(80, 80, 80), 1);
    const size_t n = xy.size() / 2;
    for (size_t i = 0; i < n; ++i) {
        const auto& c = paletteColour(
            (labels.size() == n && options.numClasses > 0) ? static_cast<size_t>(labels[i]) : 0);
        cv::circle(image, toPixel(xy[2 * i], xy[2 * i + 1]), 1, cv::Scalar(c[0], c[1], c[2]),
            cv::FILLED, cv::LINE_8);
    }
    if (!options.title.empty())
        cv::putText(image, options.title, cv::Point(margin, 17), cv::FONT_HERSHEY_SIMPLEX, 0.45,
            cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
    writePngAtomically(path, image);
}

} // namespace ddil
