#pragma once
// The 2-D convolution layer of the project's networks: torch::nn::Conv2d's parameters (same names,
// same initialisation, so checkpoints and seeded runs are unchanged) with its forward through
// convolve2d(), which keeps CPU convolutions right on a LibTorch whose oneDNN is not
// (core/runtime/cpu_convolution.h). Square kernel, zero padding, one group, no dilation.

#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace ddil {

class ConvolutionImpl : public torch::nn::Conv2dImpl {
public:
    ConvolutionImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
        int64_t padding = 0, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x);

private:
    int64_t m_stride, m_padding;
};
TORCH_MODULE(Convolution);

} // namespace ddil
