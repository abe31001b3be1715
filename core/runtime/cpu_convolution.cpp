#include "core/runtime/cpu_convolution.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/ops/conv2d.h>
#include <torch/autograd.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace ddil {

namespace {
struct Kernel {
    int64_t size, stride, padding;
};
// The convolutions the project's networks have (UNet: 3x3 stride 1 and 2, 1x1 skips and
// attention projections; classifier: 3x3), with the channel counts that oneDNN pads.
constexpr Kernel kKernels[] = { { 3, 1, 1 }, { 3, 2, 1 }, { 1, 1, 0 } };
constexpr int64_t kInputs[] = { 1, 3, 20, 24, 40 };
constexpr int64_t kOutputs[] = { 1, 8, 24 };

double relative(const torch::Tensor& value, const torch::Tensor& exact)
{
    const double scale = std::max(exact.abs().max().item<double>(), 1e-12);
    const double difference = (value.to(torch::kFloat64) - exact).abs().max().item<double>();
    return std::isfinite(difference) ? difference / scale : INFINITY;
}

// The worst relative error of output, input gradient, weight gradient and bias gradient over
// the probes, in float32 against float64.
double worstError()
{
    auto generator = at::detail::createCPUGenerator(20261204);
    double worst = 0.0;
    for (const auto& k : kKernels)
        for (int64_t in : kInputs)
            for (int64_t out : kOutputs) {
                const auto x = torch::randn({ 2, in, 8, 8 }, generator);
                const auto w = torch::randn({ out, in, k.size, k.size }, generator) * 0.2;
                const auto b = torch::randn({ out }, generator);
                auto run = [&](torch::ScalarType type) {
                    auto xs = x.to(type, false, true).set_requires_grad(true);
                    auto ws = w.to(type, false, true).set_requires_grad(true);
                    auto bs = b.to(type, false, true).set_requires_grad(true);
                    const auto y
                        = at::conv2d(xs, ws, bs, { k.stride, k.stride }, { k.padding, k.padding });
                    const auto g
                        = torch::cos(torch::arange(y.numel(), y.options())).reshape(y.sizes());
                    y.backward(g);
                    return std::vector<torch::Tensor> { y.detach(), xs.grad(), ws.grad(),
                        bs.grad() };
                };
                const auto fast = run(torch::kFloat32);
                const auto exact = run(torch::kFloat64);
                for (size_t i = 0; i < fast.size(); ++i)
                    worst = std::max(worst, relative(fast[i], exact[i]));
            }
    return worst;
}

CpuConvolutionCheck runCheck()
{
    CpuConvolutionCheck check;
    auto& context = at::globalContext();
    check.oneDnnWasEnabled = context.userEnabledMkldnn() && at::hasMKLDNN();
    if (!check.oneDnnWasEnabled)
        return check;
    check.worstRelativeError = worstError();
    // float32 rounding over at most 9 * 40 terms is about 1e-6 of the scale; the wrong answers
    // measured were of order 1.
    check.oneDnnCorrect = check.worstRelativeError < 1e-3;
    if (!check.oneDnnCorrect)
        context.setUserEnabledMkldnn(false);
    return check;
}

} // namespace

std::string CpuConvolutionCheck::describe() const
{
    if (!oneDnnWasEnabled)
        return "LibTorch's own (oneDNN not in use)";
    if (oneDnnCorrect)
        return "oneDNN";
    char error[32];
    std::snprintf(error, sizeof error, "%.3g", worstRelativeError);
    return std::string("LibTorch's own: this build's oneDNN computes convolutions wrong (relative "
                       "error ")
        + error + "), so it is off";
}

const CpuConvolutionCheck& ensureCorrectCpuConvolution()
{
    static const CpuConvolutionCheck check = [] {
        CpuConvolutionCheck result;
        std::thread([&result] { result = runCheck(); }).join();
        return result;
    }();
    return check;
}

} // namespace ddil
