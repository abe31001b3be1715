#pragma once
// Trains the evaluator: a classifier (cross-entropy) on the train split of an image dataset,
// evaluated by its accuracy on the test split.

#include "core/data/image_dataset.h"
#include "core/models/classifier.h"
#include "core/train/trainer.h"

#include <memory>

namespace ddil {

class EvaluatorTrainer final : public Trainer {
public:
    EvaluatorTrainer(const RunConfig& config, torch::Device device,
        std::shared_ptr<const DataParallel> parallel = nullptr);

    ClassifierNet& ema() { return *m_ema; }

protected:
    StepLoss computeLoss() override;
    // "eval/test_accuracy" and "eval/test_loss" of the EMA weights over the whole test split.
    Evaluation evaluateWithSamples(const CancelToken* cancel) override;

private:
    std::unique_ptr<ImageDataset> m_train;
    std::unique_ptr<ImageDataset> m_test;
    std::shared_ptr<ClassifierNet> m_model;
    std::shared_ptr<ClassifierNet> m_ema;
};

// Accuracy and mean cross-entropy of `net` (eval mode) over all of `data`.
struct ClassifierScore {
    double accuracy = 0.0;
    double loss = 0.0;
};
ClassifierScore scoreClassifier(ClassifierNet& net, const ImageDataset& data, torch::Device device,
    const CancelToken* cancel = nullptr);

} // namespace ddil
