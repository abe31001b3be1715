#include "core/train/sample_files.h"

#include "core/io/image_grid.h"
#include "core/io/npy.h"
#include "core/io/scatter_plot.h"

#include <torch/types.h>

namespace ddil {

void writeSampleFiles(RunFolder& folder, const torch::Tensor& samples, const torch::Tensor& labels,
    int64_t numClasses, const std::string& title, int64_t step, bool withArray)
{
    const auto x = samples.to(torch::kCPU).contiguous();
    NpyArray array;
    array.shape.assign(x.sizes().begin(), x.sizes().end());
    array.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    const std::string stem = "samples/step-" + std::to_string(step);
    if (withArray)
        writeNpy(folder.file(stem + ".npy"), array);
    if (x.dim() == 4) {
        const int64_t shown = std::min<int64_t>(x.size(0), 10 * numClasses);
        ImageGridOptions grid;
        grid.columns = static_cast<int>(numClasses);
        writeImageGridPng(folder.file(stem + ".png"), array.data.data(), shown, x.size(1),
            x.size(2), x.size(3), grid);
    } else if (x.dim() == 2 && x.size(1) == 2) {
        ScatterOptions scatter;
        scatter.title = title;
        scatter.numClasses = numClasses;
        const auto lab = labels.to(torch::kCPU).contiguous();
        writeScatterPng(folder.file(stem + ".png"), array.data,
            std::vector<int64_t>(lab.data_ptr<int64_t>(), lab.data_ptr<int64_t>() + lab.numel()),
            scatter);
    }
}

} // namespace ddil
