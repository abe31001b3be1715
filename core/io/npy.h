#pragma once
// NumPy .npy files (format 1.0, little-endian float32, C order), readable by numpy.load.

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

struct NpyArray {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

void writeNpy(const std::string& path, const NpyArray& array); // atomic; IoError on failure
NpyArray readNpy(const std::string& path); // IoError naming the problem for anything but '<f4'

} // namespace ddil
