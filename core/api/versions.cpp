#include "core/api/versions.h"

#include "core/runtime/cpu_convolution.h"

#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>
#include <torch/cuda.h>
#include <torch/version.h>

#include <string>

namespace ddil {

LibraryVersions libraryVersions()
{
    LibraryVersions v;
    v.project = DDIL_VERSION;
    v.buildId = std::string(DDIL_GIT_REV) + " " + DDIL_BUILD_DATE;
    v.libtorch = TORCH_VERSION;
    v.opencv = CV_VERSION;
    v.nlohmannJson = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "."
        + std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "."
        + std::to_string(NLOHMANN_JSON_VERSION_PATCH);
    v.cudaBuild = torch::cuda::is_available();
    v.cpuConvolution = cpuConvolutionCheck().describe();
    return v;
}

} // namespace ddil
