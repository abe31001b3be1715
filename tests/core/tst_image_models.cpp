#include "core/api/errors.h"
#include "core/models/classifier.h"
#include "core/models/convolution.h"
#include "core/models/denoiser_net.h"
#include "core/models/unet.h"
#include "core/runtime/cpu_convolution.h"
#include "core/runtime/torch_compat.h"

#include <QtTest>

#include <ATen/Context.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

using namespace ddil;

namespace {
ModelConfig unetConfig()
{
    ModelConfig c;
    c.kind = ModelKind::Unet;
    c.channels = 16;
    c.channel_mult = { 1, 2 };
    c.depth = 1;
    c.groups = 4;
    c.time_embedding = 16;
    return c;
}

// The route this build takes (nullopt), and each route a build with a wrong oneDNN takes.
const std::optional<CpuConvolutionRoute> kRoutes[]
    = { std::nullopt, CpuConvolutionRoute::Padded, CpuConvolutionRoute::Native };
QString routeName(const std::optional<CpuConvolutionRoute>& route)
{
    if (!route)
        return {};
    return *route == CpuConvolutionRoute::Padded ? " (padded to 16)" : " (LibTorch's own)";
}

// Moves every weight off its initialisation (the UNet's last convolutions start at zero), so
// that all paths carry signal.
void moveOffInitialisation(torch::nn::Module& net)
{
    torch::NoGradGuard noGrad;
    for (auto& p : net.parameters())
        p.add_(torch::randn_like(p) * 0.05);
}
} // namespace

class TestImageModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void unetKeepsTheImageShapeAndStartsAtZero()
    {
        torch::manual_seed(0);
        auto net = makeDenoiserNet(unetConfig(), { 3, 8, 8 }, 10);
        const auto x = torch::randn({ 4, 3, 8, 8 });
        const auto out = net->forward(x, torch::rand({ 4 }), torch::tensor({ 0, 3, 9, 10 }));
        QCOMPARE(out.sizes(), x.sizes());
        // The output convolution starts at zero, as in Ho et al.: the untrained net predicts 0.
        QCOMPARE(out.abs().max().item<float>(), 0.0f);
        QVERIFY(net->signature().find("unet(shape=3x8x8,channels=16,mult=1-2") == 0);
    }

    void unetDependsOnTimeAndClassOnceTrained()
    {
        torch::manual_seed(1);
        auto net = makeDenoiserNet(unetConfig(), { 1, 8, 8 }, 4);
        moveOffInitialisation(*net);
        const auto x = torch::randn({ 2, 1, 8, 8 });
        const auto t = torch::full({ 2 }, 0.5);
        const auto base = net->forward(x, t, torch::tensor({ 1, 1 }));
        QVERIFY(
            (net->forward(x, t, torch::tensor({ 2, 2 })) - base).abs().max().item<float>() > 1e-4);
        QVERIFY(
            (net->forward(x, t, torch::tensor({ 4, 4 })) - base).abs().max().item<float>() > 1e-4);
        QVERIFY((net->forward(x, torch::full({ 2 }, 0.1), torch::tensor({ 1, 1 })) - base)
                    .abs()
                    .max()
                    .item<float>()
            > 1e-4);
        // Samples do not leak into each other (no batch statistics).
        const auto single = net->forward(x.slice(0, 0, 1), t.slice(0, 0, 1), torch::tensor({ 1 }));
        QVERIFY(torch::allclose(single, base.slice(0, 0, 1), 1e-5, 1e-5));
        // Gradients reach the first layer.
        net->forward(x, t, torch::tensor({ 1, 1 })).pow(2).sum().backward();
        QVERIFY(net->named_parameters()["in_conv.weight"].grad().abs().sum().item<float>() > 0);
    }

    // The networks' convolutions agree with float64, forward and backward, for the shapes Debian
    // 13's LibTorch 2.6 gets wrong through oneDNN (input channels not a multiple of 16, one output
    // channel): there the errors were of order 1, and NaN (cpu_convolution.h). Every route: the
    // one this build takes, and both that a build with a wrong oneDNN takes.
    void cpuConvolutionAgreesWithFloat64()
    {
        QVERIFY(!cpuConvolutionCheck().describe().empty());
        torch::manual_seed(5);
        for (const auto route : kRoutes) {
            std::optional<testing::ForceCpuConvolutionRoute> forced;
            if (route)
                forced.emplace(*route);
            for (const auto& [kernel, stride, padding] :
                { std::tuple<int64_t, int64_t, int64_t> { 3, 1, 1 }, { 3, 2, 1 }, { 1, 1, 0 } })
                for (int64_t in : { 1, 8, 20, 24, 40, 48 })
                    for (int64_t out : { 1, 16 }) {
                        const auto x = torch::randn({ 4, in, 8, 8 });
                        const auto w = torch::randn({ out, in, kernel, kernel }) * 0.1;
                        const auto b = torch::randn({ out });
                        auto input = x.clone().set_requires_grad(true);
                        auto weight = w.clone().set_requires_grad(true);
                        auto bias = b.clone().set_requires_grad(true);
                        const auto y = convolve2d(input, weight, bias, stride, padding);
                        const auto g = torch::randn_like(y);
                        y.backward(g);
                        auto exactInput = x.to(torch::kFloat64).set_requires_grad(true);
                        auto exactWeight = w.to(torch::kFloat64).set_requires_grad(true);
                        auto exactBias = b.to(torch::kFloat64).set_requires_grad(true);
                        const auto exact
                            = torch::conv2d(exactInput, exactWeight, exactBias, stride, padding);
                        exact.backward(g.to(torch::kFloat64));
                        auto relative = [](const torch::Tensor& a, const torch::Tensor& b) {
                            return ((a.to(torch::kFloat64) - b).abs().max() / b.abs().max())
                                .item<double>();
                        };
                        const double errors[]
                            = { relative(y, exact), relative(input.grad(), exactInput.grad()),
                                  relative(weight.grad(), exactWeight.grad()),
                                  relative(bias.grad(), exactBias.grad()) };
                        QVERIFY2(*std::max_element(std::begin(errors), std::end(errors)) < 1e-5,
                            qPrintable(QString(
                                "%1 -> %2 channels, %3x%3 stride %4%5: forward "
                                "%6, input gradient %7, weight gradient %8, bias gradient %9")
                                    .arg(in)
                                    .arg(out)
                                    .arg(kernel)
                                    .arg(stride)
                                    .arg(routeName(route))
                                    .arg(errors[0])
                                    .arg(errors[1])
                                    .arg(errors[2])
                                    .arg(errors[3])));
                    }
        }
    }

    // The networks' convolution layer is torch::nn::Conv2d's parameters under the same names and
    // the same seeded initialisation: checkpoints and seeded runs do not change with it.
    void convolutionLayerHasConv2dsParameters()
    {
        torch::manual_seed(8);
        Convolution ours(6, 16, 3, 2, 1);
        torch::manual_seed(8);
        torch::nn::Conv2d theirs(torch::nn::Conv2dOptions(6, 16, 3).stride(2).padding(1));
        const auto a = ours->named_parameters(), b = theirs->named_parameters();
        QCOMPARE(a.size(), b.size());
        for (const auto& p : b)
            QVERIFY(a.contains(p.key()) && torch::equal(a[p.key()], p.value()));
        const auto x = torch::randn({ 3, 6, 9, 9 });
        QVERIFY(torch::allclose(ours(x), theirs(x), 1e-5, 1e-5));
        QCOMPARE(Convolution(4, 8, 3, 1, 1, false)->named_parameters().size(), size_t(1));
    }

    // A sample's output does not depend on the rows beside it: one row alone equals the same row
    // in a batch of ten, up to float rounding (Debian 13's 2.6 with oneDNN: differences of 0.1).
    void unetRowsDoNotDependOnTheirBatch()
    {
        torch::manual_seed(6);
        auto net = makeDenoiserNet(unetConfig(), { 1, 8, 8 }, 4);
        moveOffInitialisation(*net);
        torch::NoGradGuard noGrad;
        const auto x = torch::randn({ 10, 1, 8, 8 });
        const auto t = torch::rand({ 10 });
        const auto labels = torch::arange(10, torch::kInt64).remainder(4);
        const auto batch = net->forward(x, t, labels);
        for (int64_t i : { 0, 3, 9 }) {
            const auto alone = net->forward(
                x.slice(0, i, i + 1), t.slice(0, i, i + 1), labels.slice(0, i, i + 1));
            const double difference = (alone - batch.slice(0, i, i + 1)).abs().max().item<double>();
            QVERIFY2(difference < 1e-5 * std::max(1.0, batch.abs().max().item<double>()),
                qPrintable(QString("row %1: %2").arg(i).arg(difference)));
        }
    }

    // runtime.precision bf16 on the CPU: LibTorch 1.13's CPU autocast hands GroupNorm bf16
    // activations with float32 weights, which it refuses; the UNet normalises in float32. The
    // output stays within bf16's rounding of the float32 one, and gradients reach every weight.
    void unetRunsUnderBf16Autocast()
    {
        torch::manual_seed(2);
        auto config = unetConfig();
        config.attention = true;
        auto net = makeDenoiserNet(config, { 1, 8, 8 }, 4);
        moveOffInitialisation(*net);
        const auto x = torch::randn({ 4, 1, 8, 8 });
        const auto t = torch::rand({ 4 });
        const auto labels = torch::tensor({ 0, 1, 2, 4 });
        const auto fp32 = net->forward(x, t, labels).detach();
        for (const auto route : kRoutes) {
            std::optional<testing::ForceCpuConvolutionRoute> forced;
            if (route)
                forced.emplace(*route);
            net->zero_grad();
            torch::Tensor bf16;
            {
                compat::AutocastScope autocast(torch::kCPU, torch::kBFloat16);
                bf16 = net->forward(x, t, labels);
            }
            bf16.to(torch::kFloat32).square().mean().backward();
            const double relative
                = ((bf16.detach().to(torch::kFloat32) - fp32).abs().max() / fp32.abs().max())
                      .item<double>();
            QVERIFY2(
                relative < 0.05, qPrintable(QString("%1%2").arg(relative).arg(routeName(route))));
            for (const auto& p : net->parameters())
                QVERIFY(p.grad().defined() && std::isfinite(p.grad().abs().sum().item<double>()));
        }
    }

    void attentionAndDepthChangeTheArchitecture()
    {
        auto without = unetConfig();
        without.attention = false;
        const auto a = parameterCount(*makeDenoiserNet(unetConfig(), { 1, 8, 8 }, 4));
        const auto b = parameterCount(*makeDenoiserNet(without, { 1, 8, 8 }, 4));
        QVERIFY(a > b);
        auto deeper = unetConfig();
        deeper.depth = 2;
        QVERIFY(parameterCount(*makeDenoiserNet(deeper, { 1, 8, 8 }, 4)) > a);
        QVERIFY(makeDenoiserNet(without, { 1, 8, 8 }, 4)->signature().find("attention=0")
            != std::string::npos);
    }

    void emaUpdateIsTheExponentialAverageBitForBit()
    {
        // The multi-tensor update equals decay * e + (1 - decay) * p computed tensor by tensor,
        // exactly (runs resume and repeat bit for bit), and copies the buffers.
        torch::manual_seed(3);
        torch::nn::Sequential model(torch::nn::Linear(5, 7), torch::nn::BatchNorm1d(7));
        torch::nn::Sequential ema(torch::nn::Linear(5, 7), torch::nn::BatchNorm1d(7));
        model->train();
        model->forward(torch::randn({ 16, 5 })); // moves the BatchNorm's running statistics
        const double decay = 0.93;
        std::vector<torch::Tensor> expected;
        for (size_t i = 0; i < ema->parameters().size(); ++i)
            expected.push_back(ema->parameters()[i].detach().mul(decay).add_(
                model->parameters()[i].detach(), 1.0 - decay));
        emaUpdate(*ema, *model, decay);
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY(torch::equal(ema->parameters()[i], expected[i]));
        for (size_t i = 0; i < ema->buffers().size(); ++i)
            QVERIFY(torch::equal(ema->buffers()[i], model->buffers()[i]));
    }

    void unetRefusesSizesItCannotHalve()
    {
        auto c = unetConfig();
        c.channel_mult = { 1, 2, 2, 2 }; // needs sizes divisible by 8
        try {
            makeDenoiserNet(c, { 1, 28, 28 }, 10);
            QFAIL("expected ConfigError");
        } catch (const ConfigError& e) {
            QVERIFY(QString(e.what()).contains("divisible by 8"));
        }
    }

    void classifierGivesFeaturesAndLogits()
    {
        ModelConfig c;
        c.kind = ModelKind::Classifier;
        c.channels = 8;
        c.hidden = 64;
        ClassifierNet net(c, { 1, 28, 28 }, 10);
        net.eval();
        const auto x = torch::randn({ 5, 1, 28, 28 });
        const auto f = net.features(x);
        QCOMPARE(f.sizes(), (c10::IntArrayRef { 5, 64 }));
        QVERIFY(f.min().item<float>() >= 0.0f); // after ReLU
        QCOMPARE(net.logits(x).sizes(), (c10::IntArrayRef { 5, 10 }));
        QVERIFY(torch::allclose(net.head(f), net.logits(x)));
        QCOMPARE(net.signature(),
            std::string("classifier(shape=1x28x28,channels=8,features=64,classes=10)"));
    }
};

QTEST_GUILESS_MAIN(TestImageModels)
#include "tst_image_models.moc"
