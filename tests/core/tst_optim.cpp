#include "core/optim/clip_grad_norm.h"
#include "core/optim/foreach_adam.h"

#include <QtTest>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <sstream>

using namespace ddil;

namespace {
torch::nn::Sequential smallNet()
{
    return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3).padding(1)),
        torch::nn::Flatten(), torch::nn::Linear(3 * 4 * 4, 5));
}

// `steps` optimiser steps of `Optimiser` on a fixed regression, from the same initial weights;
// the parameters after each step.
template <typename Optimiser, typename Options>
std::vector<std::vector<torch::Tensor>> train(const Options& options, int steps)
{
    torch::manual_seed(7);
    auto net = smallNet();
    const auto x = torch::randn({ 6, 2, 4, 4 }), y = torch::randn({ 6, 5 });
    Optimiser optimiser(net->parameters(), options);
    std::vector<std::vector<torch::Tensor>> out;
    for (int i = 0; i < steps; ++i) {
        optimiser.zero_grad();
        torch::mse_loss(net->forward(x), y).backward();
        optimiser.step();
        std::vector<torch::Tensor> params;
        for (const auto& p : net->parameters())
            params.push_back(p.detach().clone());
        out.push_back(params);
    }
    return out;
}

bool allEqual(const std::vector<std::vector<torch::Tensor>>& a,
    const std::vector<std::vector<torch::Tensor>>& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        for (size_t j = 0; j < a[i].size(); ++j)
            if (!torch::equal(a[i][j], b[i][j]))
                return false;
    return true;
}
} // namespace

class TestOptim : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // One thread: the first parallel region of a process may split the gradients'
        // reductions otherwise than later ones do, which would compare rounding, not optimisers.
        torch::set_num_threads(1);
    }

    void foreachAdamWIsLibTorchsAdamWBitForBit_data()
    {
        QTest::addColumn<double>("weightDecay");
        QTest::newRow("no decay") << 0.0;
        QTest::newRow("decay 0.1") << 0.1;
    }
    void foreachAdamWIsLibTorchsAdamWBitForBit()
    {
        QFETCH(double, weightDecay);
        const auto options = torch::optim::AdamWOptions(3e-3).weight_decay(weightDecay);
        const auto reference = train<torch::optim::AdamW>(options, 6);
        const auto foreach = train<ForeachAdamW>(options, 6);
        QVERIFY(allEqual(reference, foreach));
        // ... and it moved the weights (a step that did nothing would also be "equal").
        QVERIFY(!torch::equal(reference.front()[0], reference.back()[0]));
    }

    void foreachAdamIsLibTorchsAdamBitForBit_data()
    {
        QTest::addColumn<double>("weightDecay");
        QTest::newRow("no decay") << 0.0;
        QTest::newRow("decay 0.1") << 0.1;
    }
    void foreachAdamIsLibTorchsAdamBitForBit()
    {
        QFETCH(double, weightDecay);
        const auto options
            = torch::optim::AdamOptions(3e-3).betas({ 0.0, 0.999 }).weight_decay(weightDecay);
        QVERIFY(allEqual(train<torch::optim::Adam>(options, 6), train<ForeachAdam>(options, 6)));
    }

    void stateSavedByOneLoadsInTheOther()
    {
        // The state is LibTorch's: three steps of AdamW, saved, loaded into a ForeachAdamW,
        // three more steps: the same weights as six steps of AdamW.
        const auto options = torch::optim::AdamWOptions(3e-3).weight_decay(0.01);
        const auto whole = train<torch::optim::AdamW>(options, 6);
        torch::manual_seed(7);
        auto net = smallNet();
        const auto x = torch::randn({ 6, 2, 4, 4 }), y = torch::randn({ 6, 5 });
        auto step = [&](torch::optim::Optimizer& o) {
            o.zero_grad();
            torch::mse_loss(net->forward(x), y).backward();
            o.step();
        };
        torch::optim::AdamW first(net->parameters(), options);
        for (int i = 0; i < 3; ++i)
            step(first);
        std::stringstream saved;
        torch::save(first, saved);
        ForeachAdamW second(net->parameters(), options);
        torch::load(second, saved);
        for (int i = 0; i < 3; ++i)
            step(second);
        for (size_t j = 0; j < whole.back().size(); ++j)
            QVERIFY(torch::equal(net->parameters()[j].detach(), whole.back()[j]));
    }

    void clippingIsLibTorchsClipGradNormBitForBit_data()
    {
        QTest::addColumn<double>("maxNorm");
        QTest::newRow("clips") << 0.05;
        QTest::newRow("below the limit") << 100.0;
    }
    void clippingIsLibTorchsClipGradNormBitForBit()
    {
        QFETCH(double, maxNorm);
        auto gradients = [](torch::nn::Sequential& net) {
            torch::manual_seed(5);
            const auto x = torch::randn({ 6, 2, 4, 4 }), y = torch::randn({ 6, 5 });
            net->zero_grad();
            torch::mse_loss(net->forward(x), y).backward();
        };
        torch::manual_seed(2);
        auto a = smallNet();
        auto b = smallNet();
        for (size_t i = 0; i < a->parameters().size(); ++i)
            b->parameters()[i].detach().copy_(a->parameters()[i].detach());
        gradients(a);
        gradients(b);
        const double expected = torch::nn::utils::clip_grad_norm_(a->parameters(), maxNorm);
        const auto total = clipGradNorm(b->parameters(), maxNorm);
        QCOMPARE(total.dim(), int64_t(0));
        QCOMPARE(total.item<double>(), expected);
        for (size_t i = 0; i < a->parameters().size(); ++i)
            QVERIFY(torch::equal(a->parameters()[i].grad(), b->parameters()[i].grad()));
        // The total is the norm of all gradients before clipping.
        QVERIFY(expected > 0.05);
    }

    void parametersWithoutGradientsAreLeftAlone()
    {
        torch::manual_seed(1);
        auto used = torch::randn({ 3 }, torch::requires_grad());
        auto unused = torch::randn({ 2 }, torch::requires_grad());
        const auto before = unused.detach().clone(), usedBefore = used.detach().clone();
        ForeachAdamW optimiser({ used, unused }, torch::optim::AdamWOptions(0.1));
        (used * used).sum().backward();
        optimiser.step();
        QVERIFY(torch::equal(unused.detach(), before));
        QVERIFY(!torch::equal(used.detach(), usedBefore));
    }
};

QTEST_APPLESS_MAIN(TestOptim)
#include "tst_optim.moc"
