#include "core/runtime/cpu_convolution.h"

#include "core/runtime/torch_compat.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/ops/constant_pad_nd.h>
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

// -1: none forced, else a CpuConvolutionRoute (testing::ForceCpuConvolutionRoute).
std::atomic<int> g_forcedRoute { -1 };

int64_t multipleOf16(int64_t n)
{
    return (n + 15) / 16 * 16;
}

// Whether this build's oneDNN computes a convolution of this shape right (its probe agrees with
// float64). Memoised per shape.
bool oneDnnRightFor(const Shape& shape)
{
    static std::mutex mutex;
    static std::map<Shape, bool> known;
    std::lock_guard<std::mutex> lock(mutex);
    const auto found = known.find(shape);
    if (found != known.end())
        return found->second;
    const bool right = onOwnThread([&] {
        auto generator = at::detail::createCPUGenerator(20261204);
        return probeError(shape, generator) < kTolerance;
    });
    known.emplace(shape, right);
    return right;
}

// The convolution with channel counts padded to multiples of 16: zero input channels meet zero
// weights (exact zeros added to every sum), zero output rows are cut off again. Gradients flow
// through the pads to the caller's tensors.
torch::Tensor paddedConvolution(const torch::Tensor& x, const torch::Tensor& weight,
    const torch::Tensor& bias, int64_t stride, int64_t padding)
{
    const int64_t in = weight.size(1), out = weight.size(0);
    const int64_t extraIn = multipleOf16(in) - in, extraOut = multipleOf16(out) - out;
    // constant_pad_nd pads from the last dimension: (W, H, C) for x, (kW, kH, in, out) for weight.
    const auto xs = extraIn ? at::constant_pad_nd(x, { 0, 0, 0, 0, 0, extraIn }) : x;
    const auto ws = extraIn || extraOut
        ? at::constant_pad_nd(weight, { 0, 0, 0, 0, 0, extraIn, 0, extraOut })
        : weight;
    const auto bs = bias.defined() && extraOut ? at::constant_pad_nd(bias, { 0, extraOut }) : bias;
    const auto y = at::conv2d(xs, ws, bs, { stride, stride }, { padding, padding });
    return extraOut ? y.narrow(1, 0, out) : y;
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
    return std::string("oneDNN, with channel counts padded to multiples of 16 by the core: this "
                       "build's oneDNN computes wrong where it pads them itself (relative error ")
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
    auto route = CpuConvolutionRoute::AsIs;
    if (x.is_cpu()) {
        const int forced = g_forcedRoute.load();
        if (forced >= 0)
            route = static_cast<CpuConvolutionRoute>(forced);
        else if (!cpuConvolutionCheck().oneDnnCorrect)
            route = CpuConvolutionRoute::Padded;
        if (route == CpuConvolutionRoute::Padded)
            route = oneDnnRightFor({ multipleOf16(weight.size(1)), multipleOf16(weight.size(0)),
                        weight.size(2), stride, padding })
                ? CpuConvolutionRoute::Padded
                : CpuConvolutionRoute::Native;
    }
    switch (route) {
    case CpuConvolutionRoute::Padded:
        return paddedConvolution(x, weight, bias, stride, padding);
    case CpuConvolutionRoute::Native:
        return nativeConvolution(x, weight, bias, stride, padding);
    case CpuConvolutionRoute::AsIs:
        break;
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
ForceCpuConvolutionRoute::ForceCpuConvolutionRoute(CpuConvolutionRoute route)
    : m_previous(g_forcedRoute.exchange(static_cast<int>(route)))
{
}
ForceCpuConvolutionRoute::~ForceCpuConvolutionRoute()
{
    g_forcedRoute.store(m_previous);
}
} // namespace testing

} // namespace ddil
