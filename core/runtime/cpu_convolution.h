#pragma once
// CPU convolutions that compute what a convolution computes, on every LibTorch we build against.
//
// LibTorch hands float32 convolutions on the CPU to oneDNN ("mkldnn"). Debian 13's LibTorch 2.6,
// built against Debian's oneDNN 3.7, gets some of them wrong: in the default (NCHW) layout, where
// oneDNN pads channel counts to blocks of 16, it reads padding nobody wrote:
//   - forward, input channels above 16 and not a multiple of 16 (20, 24, 40, ...), two rows or
//     more: errors of about 2 on outputs of about 1;
//   - the input gradient of a convolution with one output channel (every UNet's last layer):
//     errors of order 1, and NaN where the unwritten memory holds NaN.
// That made distillation and teacher training turn into NaN at random steps, and broke bf16 and
// chunk-size agreement. In the channels-last layout the same build gets other gradients wrong
// (the input gradient of a one-channel input). Measured on an AMD EPYC (AVX-512), 2026-12-04.
// LibTorch 1.13 (Debian 12) gets all of them right.
//
// What is done about it asks the build, not its version. Once per process a few such convolutions
// run forward and backward against the same in float64 (which never reaches oneDNN). Where they
// agree, every convolution is at::conv2d. Where they do not, convolve2d() chooses per shape: a
// convolution whose channel counts are not both multiples of 16 (where oneDNN pads), or whose own
// probe disagrees with float64, runs LibTorch's own convolution (im2col + BLAS, at::thnn_conv2d,
// which has its own backward); the rest keep oneDNN. In the Fashion-MNIST UNet that is the first
// and the last convolution (1 -> 32 and 32 -> 1 channels), which are cheap either way; turning
// oneDNN off for everything made its training step about 8x slower on the 2-core dev machine.

#include <torch/types.h>

#include <string>

namespace ddil {

struct CpuConvolutionCheck {
    bool oneDnnInUse = false; // the build has oneDNN and nobody turned it off
    bool oneDnnCorrect = true; // every probe agreed with float64 (or oneDNN was not in use)
    double worstRelativeError = 0.0; // of the probes, with oneDNN as LibTorch had it
    // One line for --version and About: which convolution runs, and why.
    std::string describe() const;
};

// Runs the probes once per process (thread-safe; tens of milliseconds, on a thread of its own so
// that no caller's grad, inference or autocast mode reaches them).
const CpuConvolutionCheck& cpuConvolutionCheck();

// The 2-D convolution of the project's networks: zero padding, square kernel, one group, no
// dilation; weight (out, in, k, k), bias (out) or undefined. at::conv2d wherever the check passed
// or x is not on the CPU; otherwise chosen per shape as above. Under CPU autocast it computes in
// autocast's type, as at::conv2d would.
torch::Tensor convolve2d(const torch::Tensor& x, const torch::Tensor& weight,
    const torch::Tensor& bias, int64_t stride, int64_t padding);

// For code whose convolutions do not go through convolve2d (a TorchScript feature extractor):
// while any such scope is alive, on a build whose oneDNN failed the check, oneDNN is off for the
// whole process (LibTorch has no per-thread switch), so convolutions there are right and slower.
class NativeCpuConvolutionScope {
public:
    NativeCpuConvolutionScope();
    ~NativeCpuConvolutionScope();
    NativeCpuConvolutionScope(const NativeCpuConvolutionScope&) = delete;
    NativeCpuConvolutionScope& operator=(const NativeCpuConvolutionScope&) = delete;
};

namespace testing {
// Routes every CPU convolve2d() through LibTorch's own convolution while alive, whatever the
// check found, so that the route a build with a wrong oneDNN takes is tested on every build.
class ForceNativeCpuConvolution {
public:
    ForceNativeCpuConvolution();
    ~ForceNativeCpuConvolution();
    ForceNativeCpuConvolution(const ForceNativeCpuConvolution&) = delete;
    ForceNativeCpuConvolution& operator=(const ForceNativeCpuConvolution&) = delete;
};
} // namespace testing

} // namespace ddil
