#pragma once
// A scatter plot of 2-D points as a PNG (OpenCV), coloured by class.

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

struct ScatterOptions {
    int size = 512; // pixels, square
    double extent = 1.25; // axes span [-extent, extent] on both axes
    std::string title;
    int64_t numClasses = 0; // 0: one colour
};

// xy holds N points as x0 y0 x1 y1 ...; labels may be empty.
void writeScatterPng(const std::string& path, const std::vector<float>& xy,
    const std::vector<int64_t>& labels, const ScatterOptions& options);

} // namespace ddil
