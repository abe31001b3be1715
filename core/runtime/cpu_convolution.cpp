#include "core/runtime/cpu_convolution.h"

#include "core/runtime/torch_compat.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/thnn_conv2d.h>
#include <torch/autograd.h>
#include <torch/utils.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

namespace ddil {

namespace {
struct Shape {
    int64_t in, out, kernel, stride, padding;
    bool operator<(const Shape& o) const
    {
        return std::tie(in, out, kernel, stride, padding)
            < std::tie(o.in, o.out, o.kernel, o.stride, o.padding);
    }
};

// float32 rounding over at most 9 * 128 terms is about 1e-6 of the scale; the wrong answers
// measured were of order 1.
constexpr double kTolerance = 1e-3;

double relative(const torch::Tensor& value, const torch::Tensor& exact)
{
    const double scale = std::max(exact.abs().max().item<double>(), 1e-12);
    const double difference = (value.to(torch::kFloat64) - exact).abs().max().item<double>();
    return std::isfinite(difference) ? difference / scale : INFINITY;
}

// The worst relative error of output, input gradient, weight gradient and bias gradient of one
// convolution (two rows of 8x8) in float32 against float64. Call on a thread of its own.
double probeError(const Shape& s, at::Generator& generator)
{
    const auto x = torch::randn({ 2, s.in, 8, 8 }, generator);
    const auto w = torch::randn({ s.out, s.in, s.kernel, s.kernel }, generator)
        * (1.0 / std::sqrt(double(s.in * s.kernel * s.kernel)));
    const auto b = torch::randn({ s.out }, generator);
    auto run = [&](torch::ScalarType type) {
        auto xs = x.to(type, false, true).set_requires_grad(true);
        auto ws = w.to(type, false, true).set_requires_grad(true);
        auto bs = b.to(type, false, true).set_requires_grad(true);
        const auto y = at::conv2d(xs, ws, bs, { s.stride, s.stride }, { s.padding, s.padding });
        const auto g = torch::cos(torch::arange(y.numel(), y.options())).reshape(y.sizes());
        y.backward(g);
        return std::vector<torch::Tensor> { y.detach(), xs.grad(), ws.grad(), bs.grad() };
    };
    const auto fast = run(torch::kFloat32);
    const auto exact = run(torch::kFloat64);
    double worst = 0.0;
    for (size_t i = 0; i < fast.size(); ++i)
        worst = std::max(worst, relative(fast[i], exact[i]));
    return worst;
}

// Runs f on a fresh thread, so that the caller's grad, inference and autocast modes (all
// thread-local) do not reach it.
template <class F>
auto onOwnThread(F&& f)
{
    decltype(f()) result {};
    std::thread([&] { result = f(); }).join();
    return result;
}

CpuConvolutionCheck runCheck()
{
    CpuConvolutionCheck check;
    check.oneDnnInUse = at::globalContext().userEnabledMkldnn() && at::hasMKLDNN();
    if (!check.oneDnnInUse)
        return check;
    // The kernels of the project's networks (UNet: 3x3 stride 1 and 2, 1x1 skips and attention
    // projections; classifier: 3x3) with channel counts oneDNN pads.
    auto generator = at::detail::createCPUGenerator(20261204);
    for (const auto& [kernel, stride, padding] :
        { std::tuple<int64_t, int64_t, int64_t> { 3, 1, 1 }, { 3, 2, 1 }, { 1, 1, 0 } })
        for (int64_t in : { 1, 3, 24 })
            for (int64_t out : { 1, 8, 24 })
                check.worstRelativeError = std::max(check.worstRelativeError,
                    probeError({ in, out, kernel, stride, padding }, generator));
    check.oneDnnCorrect = check.worstRelativeError < kTolerance;
    return check;
}

std::atomic<int> g_forcedNative { 0 };

// Whether a convolution of this shape must avoid oneDNN on a build whose oneDNN failed the check:
// channel counts oneDNN pads, or a probe of the shape itself that disagrees. Memoised per shape.
bool avoidsOneDnn(const Shape& shape)
{
    static std::mutex mutex;
    static std::map<Shape, bool> known;
    std::lock_guard<std::mutex> lock(mutex);
    const auto found = known.find(shape);
    if (found != known.end())
        return found->second;
    bool avoid = shape.in % 16 != 0 || shape.out % 16 != 0;
    if (!avoid)
        avoid = onOwnThread([&] {
            auto generator = at::detail::createCPUGenerator(20261204);
            return probeError(shape, generator) >= kTolerance;
        });
    known.emplace(shape, avoid);
    return avoid;
}

torch::Tensor nativeConvolution(const torch::Tensor& x, const torch::Tensor& weight,
    const torch::Tensor& bias, int64_t stride, int64_t padding)
{
    const auto type = compat::autocastEnabled(c10::DeviceType::CPU)
        ? compat::autocastType(c10::DeviceType::CPU)
        : x.scalar_type();
    const int64_t k = weight.size(2);
    c10::optional<torch::Tensor> b;
    if (bias.defined())
        b = bias.to(type);
    return at::thnn_conv2d(
        x.to(type), weight.to(type), { k, k }, b, { stride, stride }, { padding, padding });
}

std::mutex g_scopeMutex;
int g_nativeScopes = 0;
} // namespace

std::string CpuConvolutionCheck::describe() const
{
    if (!oneDnnInUse)
        return "LibTorch's own (oneDNN not in use)";
    if (oneDnnCorrect)
        return "oneDNN";
    char error[32];
    std::snprintf(error, sizeof error, "%.3g", worstRelativeError);
    return std::string("oneDNN, and LibTorch's own for the shapes this build's oneDNN computes "
                       "wrong (relative error ")
        + error + " in the check)";
}

const CpuConvolutionCheck& cpuConvolutionCheck()
{
    static const CpuConvolutionCheck check = onOwnThread(runCheck);
    return check;
}

torch::Tensor convolve2d(const torch::Tensor& x, const torch::Tensor& weight,
    const torch::Tensor& bias, int64_t stride, int64_t padding)
{
    if (x.is_cpu()) {
        const bool forced = g_forcedNative.load() > 0;
        if (forced
            || (!cpuConvolutionCheck().oneDnnCorrect
                && avoidsOneDnn(
                    { weight.size(1), weight.size(0), weight.size(2), stride, padding })))
            return nativeConvolution(x, weight, bias, stride, padding);
    }
    return at::conv2d(x, weight, bias, { stride, stride }, { padding, padding });
}

NativeCpuConvolutionScope::NativeCpuConvolutionScope()
{
    if (cpuConvolutionCheck().oneDnnCorrect)
        return;
    std::lock_guard<std::mutex> lock(g_scopeMutex);
    if (g_nativeScopes++ == 0)
        at::globalContext().setUserEnabledMkldnn(false);
}

NativeCpuConvolutionScope::~NativeCpuConvolutionScope()
{
    if (cpuConvolutionCheck().oneDnnCorrect)
        return;
    std::lock_guard<std::mutex> lock(g_scopeMutex);
    if (--g_nativeScopes == 0)
        at::globalContext().setUserEnabledMkldnn(true);
}

namespace testing {
ForceNativeCpuConvolution::ForceNativeCpuConvolution()
{
    ++g_forcedNative;
}
ForceNativeCpuConvolution::~ForceNativeCpuConvolution()
{
    --g_forcedNative;
}
} // namespace testing

} // namespace ddil
