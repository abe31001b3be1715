#include "core/train/evaluator_trainer.h"

#include "core/runtime/device.h"

#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

EvaluatorTrainer::EvaluatorTrainer(
    const RunConfig& config, torch::Device device, std::shared_ptr<const DataParallel> parallel)
    : Trainer(config, device, std::move(parallel))
    , m_train(loadImageDataset(config.data, config.data.split))
    , m_test(loadImageDataset(config.data, DataSplit::Test))
{
    if (device.is_cuda())
        m_train->placeOn(device, kDeviceDataMaxBytes);
    m_model = std::make_shared<ClassifierNet>(
        config.model, m_train->sampleShape(), m_train->numClasses());
    m_ema = std::make_shared<ClassifierNet>(
        config.model, m_train->sampleShape(), m_train->numClasses());
    setModels(m_model, m_ema, m_model->signature());
}

Trainer::StepLoss EvaluatorTrainer::computeLoss()
{
    const auto& shard = parallel();
    const auto batch = m_train->sample(shard.globalCount(m_config.train.batch_size), m_generator);
    return { torch::cross_entropy_loss(m_model->logits(toDevice(shard.rows(batch.x), m_device)),
                 toDevice(shard.rows(batch.labels), m_device)),
        {}, {} };
}

ClassifierScore scoreClassifier(
    ClassifierNet& net, const ImageDataset& data, torch::Device device, const CancelToken* cancel)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = net.is_training();
    net.eval();
    int64_t correct = 0;
    double lossSum = 0.0;
    const int64_t n = data.size(), chunk = 128; // larger batches are slower on CPUs
    for (int64_t begin = 0; begin < n; begin += chunk) {
        if (cancel && cancel->isCancelled())
            break;
        const auto batch = data.slice(begin, std::min(n, begin + chunk));
        const auto logits = net.logits(batch.x.to(device)).to(torch::kCPU);
        correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
        lossSum += torch::cross_entropy_loss(logits, batch.labels, {}, at::Reduction::Sum)
                       .item<double>();
    }
    net.train(wasTraining);
    return { double(correct) / double(n), lossSum / double(n) };
}

EvaluatorTrainer::Evaluation EvaluatorTrainer::evaluateWithSamples(const CancelToken* cancel)
{
    const auto score = scoreClassifier(*m_ema, *m_test, m_device, cancel);
    if (cancel && cancel->isCancelled())
        return { true };
    return { false,
        { { "eval/test_accuracy", score.accuracy }, { "eval/test_loss", score.loss } } };
}

} // namespace ddil
