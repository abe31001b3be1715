#include "core/api/sampling.h"

#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/data/data_source.h"
#include "core/io/image_grid.h"
#include "core/io/npy.h"
#include "core/io/scatter_plot.h"
#include "core/runtime/device.h"
#include "core/sampling/checkpoint_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <filesystem>

namespace ddil {

namespace {
enum class OutKind { Npy, Png };

OutKind outKind(const std::string& out)
{
    const auto ext = std::filesystem::path(out).extension().string();
    if (ext == ".npy")
        return OutKind::Npy;
    if (ext == ".png")
        return OutKind::Png;
    throw ConfigError("--out " + out + ": must end in .npy or .png");
}

void writeSamples(const std::string& out, const torch::Tensor& xIn, const torch::Tensor& labelsIn,
    int64_t numClasses, const std::string& title)
{
    const auto x = xIn.to(torch::kCPU, torch::kFloat32).contiguous();
    const auto labels = labelsIn.to(torch::kCPU).contiguous();
    NpyArray array;
    array.shape.assign(x.sizes().begin(), x.sizes().end());
    array.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    if (outKind(out) == OutKind::Npy) {
        writeNpy(out, array);
        return;
    }
    if (x.dim() == 4) {
        // Sample sheet, numClasses columns (labels in turn give one class per column).
        ImageGridOptions grid;
        grid.columns = static_cast<int>(std::min<int64_t>(numClasses, 16));
        writeImageGridPng(out, array.data.data(), x.size(0), x.size(1), x.size(2), x.size(3), grid);
        return;
    }
    if (x.dim() != 2 || x.size(1) != 2)
        throw ConfigError("--out " + out + ": PNG output needs images or 2-D samples");
    ScatterOptions options;
    options.title = title;
    options.numClasses = numClasses;
    writeScatterPng(out, array.data,
        std::vector<int64_t>(
            labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel()),
        options);
}

void checkOutputDir(const std::string& out)
{
    const auto parent = std::filesystem::path(out).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
        throw IoError(out + ": folder " + parent.string() + " does not exist");
}
} // namespace

SampleSummary sampleToFile(const SampleRequest& request)
{
    outKind(request.out);
    checkOutputDir(request.out);
    if (request.count < 1)
        throw ConfigError("--count must be at least 1");
    if (request.steps < 1)
        throw ConfigError("--steps must be at least 1");
    const torch::Device device = resolveDevice(request.device);
    applyThreadCount(request.threads);
    CheckpointReader reader(request.checkpoint);
    const RunConfig& config = reader.meta().config;
    const auto data = makeDataSource(config.data);
    CheckpointSampler sampler(
        reader, data->sampleShape(), data->numClasses(), device, request.sampleChunk);

    auto gen = at::detail::createCPUGenerator(request.seed);
    torch::Tensor labels;
    if (request.classLabel) {
        if (*request.classLabel < 0 || *request.classLabel >= data->numClasses())
            throw ConfigError("--class " + std::to_string(*request.classLabel)
                + ": this model has classes 0 to " + std::to_string(data->numClasses() - 1));
        labels = torch::full({ request.count }, *request.classLabel, torch::kInt64);
    } else {
        // Classes in turn: balanced, and a grid with one column per class.
        labels = torch::arange(request.count, torch::kInt64).remainder(data->numClasses());
    }
    const auto x = sampler.sample(labels, request.steps, request.guidance, request.eta, gen);
    const auto guidance = sampler.lastGuidance();
    writeSamples(request.out, x, labels, data->numClasses(),
        config.name + "  step " + std::to_string(reader.meta().step) + "  "
            + std::to_string(request.steps) + " steps  "
            + (guidance ? "w=" + std::to_string(guidance->scale).substr(0, 4)
                        : std::string("guidance distilled")));
    return { request.count, reader.meta().step, sampler.signature(), request.out };
}

void drawDataToFile(
    const RunConfig& config, std::int64_t count, std::uint64_t seed, const std::string& out)
{
    outKind(out);
    checkOutputDir(out);
    if (count < 1)
        throw ConfigError("--count must be at least 1");
    const auto data = makeDataSource(config.data);
    auto gen = at::detail::createCPUGenerator(seed);
    const auto batch = data->sample(count, gen);
    writeSamples(out, batch.x, batch.labels, data->numClasses(),
        data->describe() + "  " + std::to_string(count) + " samples");
}

} // namespace ddil
