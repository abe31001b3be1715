#include "core/metrics/feature_extractor.h"

#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/io/atomic_file.h"
#include "core/io/fnv_hash.h"
#include "core/io/resource_path.h"
#include "core/models/classifier.h"
#include "core/runtime/cpu_convolution.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/types.h>

#include <cinttypes>
#include <cstdio>
#include <sstream>

namespace ddil {

namespace {

template <class F>
ExtractedFeatures inChunks(
    const torch::Tensor& images, int64_t chunk, torch::Device device, F&& run)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> features, logits;
    for (int64_t begin = 0; begin < images.size(0); begin += chunk) {
        const auto part = run(images.slice(0, begin, begin + chunk).to(device, torch::kFloat32));
        features.push_back(part.features.to(torch::kCPU, torch::kFloat32));
        if (part.logits.defined())
            logits.push_back(part.logits.to(torch::kCPU, torch::kFloat32));
    }
    return { torch::cat(features), logits.empty() ? torch::Tensor() : torch::cat(logits) };
}

class EvaluatorExtractor final : public FeatureExtractor {
public:
    EvaluatorExtractor(CheckpointReader& reader, torch::Device device)
        : m_device(device)
    {
        const RunConfig& config = reader.meta().config;
        if (config.task != Task::Evaluator)
            throw CheckpointError(reader.path() + ": holds a " + toString(config.task)
                + ", not an evaluator (train one with a config whose task is \"evaluator\")");
        // The signature "classifier(shape=CxHxW,...,classes=K)" carries the image shape and the
        // class count, so the training data need not be loaded.
        int64_t c = 0, h = 0, w = 0, k = 0;
        const auto& sig = reader.meta().modelSignature;
        if (std::sscanf(
                sig.c_str(), "classifier(shape=%" SCNd64 "x%" SCNd64 "x%" SCNd64, &c, &h, &w)
                != 3
            || std::sscanf(sig.substr(sig.find("classes=")).c_str(), "classes=%" SCNd64, &k) != 1)
            throw CheckpointError(reader.path() + ": unreadable evaluator signature " + sig);
        m_net = std::make_shared<ClassifierNet>(config.model, std::vector<int64_t> { c, h, w }, k);
        reader.loadModel(*m_net, m_net->signature(), /*preferEma=*/true);
        m_net->to(device);
        m_net->eval();
    }
    ExtractedFeatures extract(const torch::Tensor& images, int64_t chunk) override
    {
        return inChunks(images, chunk, m_device, [this](const torch::Tensor& x) {
            const auto f = m_net->features(x);
            return ExtractedFeatures { f, m_net->head(f) };
        });
    }
    std::string describe() const override { return "evaluator " + m_net->signature(); }
    std::string fidName() const override { return "FID (evaluator features)"; }

private:
    torch::Device m_device;
    std::shared_ptr<ClassifierNet> m_net;
};

class TorchScriptExtractor final : public FeatureExtractor {
public:
    TorchScriptExtractor(torch::jit::Module module, torch::Device device)
        : m_module(std::move(module))
        , m_device(device)
    {
        m_module.to(device);
        m_module.eval();
    }
    ExtractedFeatures extract(const torch::Tensor& images, int64_t chunk) override
    {
        // Its convolutions do not go through convolve2d (core/runtime/cpu_convolution.h).
        NativeCpuConvolutionScope rightConvolutions;
        return inChunks(images, chunk, m_device, [this](const torch::Tensor& x) {
            const auto out = m_module.forward({ x });
            if (out.isTensor())
                return ExtractedFeatures { checkFeatures(out.toTensor(), x), {} };
            if (out.isTuple() && out.toTupleRef().elements().size() == 2)
                return ExtractedFeatures { checkFeatures(
                                               out.toTupleRef().elements()[0].toTensor(), x),
                    out.toTupleRef().elements()[1].toTensor() };
            throw CheckpointError(m_path
                + ": forward() must return features (B, D) or a tuple "
                  "(features, logits)");
        });
    }
    std::string describe() const override { return "torchscript " + m_path; }
    std::string fidName() const override { return "FID (TorchScript features)"; }

private:
    torch::Tensor checkFeatures(const torch::Tensor& f, const torch::Tensor& x) const
    {
        if (f.dim() != 2 || f.size(0) != x.size(0))
            throw CheckpointError(m_path + ": forward() returned shape " + toShape(f)
                + ", expected (batch, features)");
        return f;
    }
    static std::string toShape(const torch::Tensor& t)
    {
        std::ostringstream s;
        s << t.sizes();
        return s.str();
    }
    torch::jit::Module m_module;
    torch::Device m_device;
};

} // namespace

std::unique_ptr<FeatureExtractor> FeatureExtractor::load(
    const std::string& requested, torch::Device device)
{
    const std::string path = resolveResourcePath(requested);
    std::uint64_t size = 0; // IoError naming the file when missing
    std::unique_ptr<FeatureExtractor> extractor;
    std::uint64_t hash = 0;
    if (isCheckpointFile(readFileRange(path, 0, 16, size))) {
        CheckpointReader reader(path);
        hash = reader.contentHash();
        extractor = std::make_unique<EvaluatorExtractor>(reader, device);
    } else {
        // A TorchScript module: loading it runs the code it carries (what --features is for).
        const std::string bytes = readWholeFile(path);
        hash = fnv1a64(bytes.data(), bytes.size());
        try {
            std::istringstream in(bytes);
            extractor
                = std::make_unique<TorchScriptExtractor>(torch::jit::load(in, torch::kCPU), device);
        } catch (const c10::Error& e) {
            const std::string what = e.what_without_backtrace();
            throw CheckpointError(path
                + ": neither an evaluator checkpoint nor a TorchScript module ("
                + what.substr(0, what.find('\n')) + ")");
        }
    }
    extractor->m_path = path;
    extractor->m_hash = toHex(hash);
    return extractor;
}

} // namespace ddil
