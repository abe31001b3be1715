#include "core/models/convolution.h"

#include "core/runtime/cpu_convolution.h"

namespace ddil {

ConvolutionImpl::ConvolutionImpl(
    int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias)
    : torch::nn::Conv2dImpl(
          torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias))
    , m_stride(stride)
    , m_padding(padding)
{
}

torch::Tensor ConvolutionImpl::forward(const torch::Tensor& x)
{
    return convolve2d(x, weight, bias, m_stride, m_padding);
}

} // namespace ddil
