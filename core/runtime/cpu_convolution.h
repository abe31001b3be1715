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
// agree, every convolution is at::conv2d. Where they do not, convolve2d() pads the channel
// counts to multiples of 16 itself (zero input channels with zero weights, zero output channels
// cut off again), so that oneDNN has no padding of its own to read, and probes that padded shape
// once; a shape whose padded probe still disagrees runs LibTorch's own convolution
// (at::thnn_conv2d: im2col + BLAS, with its own backward). Multiples of 16 are not always enough:
// 48 -> 16 channels, 3x3 stride 2, on 8x8 still had its input gradient wrong (0.32 relative).
// Turning oneDNN off for everything was right and about 8x slower for the Fashion-MNIST UNet;
// LibTorch's own for just its one-channel last layer still made a batch of 256 take twice as long
// (800 ms for that layer alone, against 24 ms padded), on the 2-core dev machine.

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

// How convolve2d() computes a CPU convolution.
enum class CpuConvolutionRoute {
    AsIs, // at::conv2d (oneDNN where LibTorch uses it)
    Padded, // what a build with a wrong oneDNN does: at::conv2d with channel counts padded to
            // multiples of 16 by us where that shape's probe agrees, else Native
    Native, // at::thnn_conv2d, LibTorch's own convolution
};

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
// Routes every CPU convolve2d() one way while alive, whatever the check found, so that the
// routes a build with a wrong oneDNN takes are tested on every build.
class ForceCpuConvolutionRoute {
public:
    explicit ForceCpuConvolutionRoute(CpuConvolutionRoute route);
    ~ForceCpuConvolutionRoute();
    ForceCpuConvolutionRoute(const ForceCpuConvolutionRoute&) = delete;
    ForceCpuConvolutionRoute& operator=(const ForceCpuConvolutionRoute&) = delete;

private:
    int m_previous;
};
} // namespace testing

} // namespace ddil
