#pragma once
// The sample files of a run folder: samples/step-<N>.npy, and a PNG beside it (an image grid
// with one column per class, or a scatter plot for 2-D data).

#include "core/train/run_folder.h"

#include <torch/types.h>

#include <string>

namespace ddil {

// x: (B, ...) float32 on the CPU; labels (B) int64. `title` heads 2-D scatter plots. Without
// `withArray` only the PNG is written (the sheets of intermediate evaluations).
void writeSampleFiles(RunFolder& folder, const torch::Tensor& x, const torch::Tensor& labels,
    int64_t numClasses, const std::string& title, int64_t step, bool withArray = true);

} // namespace ddil
