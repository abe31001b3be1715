#pragma once
// An OpenCV image (8-bit, 1 or 3 channels, BGR) encoded as PNG and written atomically; the one
// place every chart, grid and scatter plot leaves the program through.

#include <string>

namespace cv {
class Mat;
}

namespace ddil {

void writePngAtomically(const std::string& path, const cv::Mat& image); // IoError naming path

} // namespace ddil
