#include "core/io/image_grid.h"

#include "core/api/errors.h"
#include "core/io/png_file.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace ddil {

void writeImageGridPng(const std::string& path, const float* data, int64_t count, int64_t channels,
    int64_t height, int64_t width, const ImageGridOptions& options)
{
    if (count <= 0 || (channels != 1 && channels != 3))
        throw IoError(path + ": nothing to draw (need images with 1 or 3 channels)");
    const int64_t cols = std::min<int64_t>(options.columns, count);
    const int64_t rows = (count + cols - 1) / cols;
    const int s = std::max(1, options.scale), pad = options.padding;
    const int cellW = int(width) * s, cellH = int(height) * s;
    cv::Mat sheet(int(rows * (cellH + pad) + pad), int(cols * (cellW + pad) + pad), CV_8UC3,
        cv::Scalar(255, 255, 255));
    const int64_t plane = height * width;
    for (int64_t i = 0; i < count; ++i) {
        cv::Mat cell(int(height), int(width), CV_8UC3);
        const float* img = data + i * channels * plane;
        for (int64_t y = 0; y < height; ++y)
            for (int64_t x = 0; x < width; ++x)
                for (int c = 0; c < 3; ++c) {
                    const float v = img[(channels == 1 ? 0 : c) * plane + y * width + x];
                    const float u = std::clamp((v + 1.0f) * 127.5f, 0.0f, 255.0f);
                    // OpenCV is BGR: channel c of the image goes to 2 - c.
                    cell.at<cv::Vec3b>(int(y), int(x))[channels == 1 ? c : 2 - c]
                        = static_cast<uchar>(std::lround(u));
                }
        const int r = int(i / cols), col = int(i % cols);
        cv::Mat target
            = sheet(cv::Rect(pad + col * (cellW + pad), pad + r * (cellH + pad), cellW, cellH));
        cv::resize(cell, target, cv::Size(cellW, cellH), 0, 0, cv::INTER_NEAREST);
    }
    writePngAtomically(path, sheet);
}

} // namespace ddil
