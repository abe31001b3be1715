#pragma once
// The interface of every denoising network: raw output (read as eps, x0 or v by the config's
// prediction) for states x (B, ...), times t (B) in [0, 1] and labels (B) in [0, numClasses],
// where numClasses is the null class of classifier-free guidance.

#include "core/api/config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ddil {

class DenoiserNet : public torch::nn::Module {
public:
    // guidanceScale (B): the w input of nets built with a guidance embedding (ignored by others;
    // undefined leaves the embedding out).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t,
        const torch::Tensor& labels, const torch::Tensor& guidanceScale = {})
    {
        return forwardWithFeatures(x, t, labels, guidanceScale, nullptr);
    }
    // The same pass; when `bottleneck` is given it receives the spatially pooled features at the
    // net's lowest resolution, (B, bottleneckDim()), for a discriminator head (DMD2).
    virtual torch::Tensor forwardWithFeatures(const torch::Tensor& x, const torch::Tensor& t,
        const torch::Tensor& labels, const torch::Tensor& guidanceScale, torch::Tensor* bottleneck)
        = 0;
    virtual int64_t bottleneckDim() const = 0;
    // Identifies the architecture; a checkpoint loads only into a net with the same signature.
    virtual std::string signature() const = 0;
    virtual int64_t numClasses() const = 0;
    int64_t nullClass() const { return numClasses(); }
};

// Sinusoidal embedding of t in [0, 1] (scaled by 1000 as in DDPM), shape (B, dim).
torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim);

// The guidance-scale embedding of LCM students (Luo et al. 2023): sinusoidal embedding of w
// (scaled by 1000), then Linear-SiLU-Linear with the last layer zero-initialised.
class GuidanceEmbeddingImpl : public torch::nn::Module {
public:
    GuidanceEmbeddingImpl(int64_t sinusoidDim, int64_t outDim);
    torch::Tensor forward(const torch::Tensor& w);

private:
    int64_t m_sinusoidDim;
    torch::nn::Linear m_fc1 { nullptr }, m_fc2 { nullptr };
};
TORCH_MODULE(GuidanceEmbedding);

// A lower bound on the number of parameters of the net `config` describes (any kind, the
// classifier too), from the config alone: its largest weights, counted without building it. A
// checkpoint whose embedded config describes a net beyond what its file can hold is refused with
// it before the net is built.
double minimumParameterCount(const ModelConfig& config);

std::shared_ptr<DenoiserNet> makeDenoiserNet(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses);

// ema <- decay * ema + (1 - decay) * model, parameters and buffers alike.
void emaUpdate(torch::nn::Module& ema, const torch::nn::Module& model, double decay);
void copyWeights(torch::nn::Module& dst, const torch::nn::Module& src);
// Copies every parameter and buffer of `src` into the one of the same name in `dst` (which may
// have more, e.g. a student's guidance embedding). Throws CheckpointError when one is missing.
void copyMatchingWeights(torch::nn::Module& dst, const torch::nn::Module& src);
int64_t parameterCount(const torch::nn::Module& module);
// Eval mode and no gradients: an EMA copy, a frozen teacher or target network.
void freeze(torch::nn::Module& module);

} // namespace ddil
