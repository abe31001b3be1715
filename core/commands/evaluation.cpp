#include "core/api/evaluation.h"

#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/data/data_source.h"
#include "core/data/image_dataset.h"
#include "core/io/resource_path.h"
#include "core/metrics/sample_quality.h"
#include "core/models/classifier.h"
#include "core/runtime/device.h"
#include "core/sampling/checkpoint_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>

namespace ddil {

namespace {
double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
} // namespace

std::string evaluateCheckpointJson(const EvalRequest& request)
{
    const auto started = std::chrono::steady_clock::now();
    if (request.steps < 1)
        throw ConfigError("--steps must be at least 1");
    if (request.samples < 2)
        throw ConfigError("--samples must be at least 2");
    const torch::Device device = resolveDevice(request.device);
    applyThreadCount(request.threads);
    CheckpointReader reader(request.checkpoint);
    const RunConfig& config = reader.meta().config;
    if (config.data.kind == DataKind::Toy2d || config.task == Task::Evaluator)
        throw ConfigError(request.checkpoint
            + ": `ddil eval` scores image diffusion models; this checkpoint holds task \""
            + toString(config.task) + "\" on data \"" + toString(config.data.kind) + "\"");
    std::string features = request.features;
    if (features.empty())
        features = config.eval.feature_extractor;
    if (features.empty() && config.data.kind == DataKind::FashionMnist)
        features = kShippedEvaluator;
    if (features.empty())
        throw ConfigError("no feature extractor: pass --features (an evaluator checkpoint or a "
                          "TorchScript file) or set eval.feature_extractor");

    SampleQualityScorer scorer(config.data, features, device);
    const auto& test = scorer.testSplit();
    CheckpointSampler sampler(
        reader, test.sampleShape(), test.numClasses(), device, request.sampleChunk);
    const double setupSeconds = secondsSince(started);

    auto gen = at::detail::createCPUGenerator(request.seed);
    const auto labels = torch::arange(request.samples, torch::kInt64).remainder(test.numClasses());
    const auto samplingStart = std::chrono::steady_clock::now();
    const auto samples = sampler.sample(labels, request.steps, request.guidance, 0.0, gen);
    const double samplingSeconds = secondsSince(samplingStart);
    const auto scoringStart = std::chrono::steady_clock::now();
    const auto quality = scorer.score(samples, labels, request.seed);
    const double scoringSeconds = secondsSince(scoringStart);

    nlohmann::ordered_json out;
    out["checkpoint"] = reader.path();
    out["checkpoint_step"] = reader.meta().step;
    out["model"] = sampler.signature();
    out["task"] = toString(config.task);
    if (sampler.isStudent()) {
        out["method"] = toString(config.distill.method);
        out["ddil_beta"] = config.distill.ddil.beta;
        out["reflection"] = toString(config.distill.reflection.projection);
    }
    out["steps"] = request.steps;
    if (const auto g = sampler.lastGuidance())
        out["guidance"] = { { "scale", g->scale }, { "convention", toString(g->convention) } };
    else
        out["guidance"] = "distilled into the student";
    out["samples"] = request.samples;
    out["seed"] = request.seed;
    out["device"] = device.str();
    out["threads"] = torch::get_num_threads();
    out["feature_extractor"] = quality.extractor;
    out["fid_name"] = quality.fidName;
    nlohmann::ordered_json metrics;
    for (const auto& [key, value] : quality.scalars)
        metrics[key.substr(key.find('/') + 1)] = value;
    out["metrics"] = metrics;
    if (!quality.classHistogram.empty())
        out["class_histogram"] = quality.classHistogram;
    out["real_features_cache"] = scorer.cacheFile();
    out["wall_seconds"] = { { "setup", setupSeconds }, { "sampling", samplingSeconds },
        { "scoring", scoringSeconds }, { "total", secondsSince(started) } };
    out["images_per_second"] = double(request.samples) / samplingSeconds;
    return out.dump(2);
}

void convertCheckpoint(const std::string& legacy, const std::string& out)
{
    convertLegacyCheckpoint(legacy, out);
}

std::string exportWeights(const std::string& checkpoint, const std::string& out)
{
    CheckpointReader reader(checkpoint);
    CheckpointMeta meta = reader.meta();
    std::shared_ptr<torch::nn::Module> net;
    std::string signature;
    if (meta.config.task == Task::Evaluator) {
        const auto test = loadImageDataset(meta.config.data, DataSplit::Test);
        auto classifier = std::make_shared<ClassifierNet>(
            meta.config.model, test->sampleShape(), test->numClasses());
        signature = classifier->signature();
        net = classifier;
    } else {
        const auto data = makeDataSource(meta.config.data);
        auto denoiser = makeDenoiserNet(meta.config.model, data->sampleShape(), data->numClasses());
        signature = denoiser->signature();
        net = denoiser;
    }
    reader.loadModel(*net, signature, /*preferEma=*/true);
    meta.pendingSums.clear();
    meta.pendingCount = 0;
    saveCheckpoint(out, meta, *net, nullptr, nullptr, {});
    return signature;
}

} // namespace ddil
