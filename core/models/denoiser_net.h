#pragma once
// The interface of every denoising network: raw output (read as eps, x0 or v by the config's
// prediction) for states x (B, ...), times t (B) in [0, 1] and labels (B) in [0, numClasses],
// where numClasses is the null class of classifier-free guidance.

#include "core/api/config.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ddil {

class DenoiserNet : public torch::nn::Module {
public:
    virtual torch::Tensor forward(
        const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& labels)
        = 0;
    // Identifies the architecture; a checkpoint loads only into a net with the same signature.
    virtual std::string signature() const = 0;
    virtual int64_t numClasses() const = 0;
    int64_t nullClass() const { return numClasses(); }
};

// Sinusoidal embedding of t in [0, 1] (scaled by 1000 as in DDPM), shape (B, dim).
torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim);

std::shared_ptr<DenoiserNet> makeDenoiserNet(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses);

// ema <- decay * ema + (1 - decay) * model, parameters and buffers alike.
void emaUpdate(torch::nn::Module& ema, const torch::nn::Module& model, double decay);
void copyWeights(torch::nn::Module& dst, const torch::nn::Module& src);
int64_t parameterCount(const torch::nn::Module& module);

} // namespace ddil
