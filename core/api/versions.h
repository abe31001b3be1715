#pragma once
// Versions of the project and of the libraries the core was built against (torch-free).

#include <string>

namespace ddil {

struct LibraryVersions {
    std::string project;
    std::string buildId; // git revision and build date
    std::string libtorch;
    std::string opencv;
    std::string nlohmannJson;
    bool cudaBuild = false; // LibTorch has CUDA and a device is visible
    // Which CPU convolution runs: oneDNN as LibTorch calls it, or, where this build's oneDNN
    // computes wrong results, oneDNN on channels padded by the core and LibTorch's own for what
    // stays wrong (core/runtime/cpu_convolution.h; asking runs its check).
    std::string cpuConvolution;
};

LibraryVersions libraryVersions();

} // namespace ddil
