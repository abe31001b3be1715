#pragma once
// Whether the CPU convolutions LibTorch runs compute what a convolution computes.
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
// The check asks the build, not its version: forward and backward of such convolutions against
// the same in float64 (which never reaches oneDNN). Where they disagree, oneDNN is turned off for
// the process and LibTorch's own convolution (im2col + BLAS) runs: right, and on the 2-core dev
// machine about 10x slower for the Fashion-MNIST UNet.

#include <string>

namespace ddil {

struct CpuConvolutionCheck {
    bool oneDnnWasEnabled = false; // the build has oneDNN and nobody turned it off
    bool oneDnnCorrect = true; // every probe agreed with float64 (or oneDNN was not in use)
    double worstRelativeError = 0.0; // of the probes, with oneDNN as LibTorch had it
    // One line for --version and About: which convolution runs, and why.
    std::string describe() const;
};

// Runs the probes once per process (thread-safe; tens of milliseconds, on a thread of its own so
// that no caller's grad, inference or autocast mode reaches them) and, where oneDNN is wrong,
// turns it off process-wide (at::globalContext().setUserEnabledMkldnn(false)). Every network
// constructor calls it, so nothing convolves before it has run.
const CpuConvolutionCheck& ensureCorrectCpuConvolution();

} // namespace ddil
