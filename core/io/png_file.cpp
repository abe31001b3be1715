#include "core/io/png_file.h"

#include "core/api/errors.h"
#include "core/io/atomic_file.h"

#include <opencv2/imgcodecs.hpp>

#include <vector>

namespace ddil {

void writePngAtomically(const std::string& path, const cv::Mat& image)
{
    std::vector<uchar> png;
    if (!cv::imencode(".png", image, png))
        throw IoError(path + ": PNG encoding failed");
    writeFileAtomically(path, std::string(png.begin(), png.end()));
}

} // namespace ddil
