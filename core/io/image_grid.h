#pragma once
// Image batches as one PNG grid (OpenCV), for sample sheets and the GUI's exports.

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

struct ImageGridOptions {
    int columns = 10;
    int scale = 2; // each pixel drawn as scale x scale
    int padding = 2; // pixels between cells, at output scale
};

// data: N images (C = 1 or 3, H, W) row-major, values in [-1, 1] (clamped).
void writeImageGridPng(const std::string& path, const float* data, int64_t count, int64_t channels,
    int64_t height, int64_t width, const ImageGridOptions& options);

} // namespace ddil
