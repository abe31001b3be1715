#include "core/models/classifier.h"

#include "core/api/errors.h"
#include "core/models/convolution.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>
#include <torch/types.h>

namespace ddil {

namespace {
void addConvLayer(torch::nn::Sequential& body, int64_t in, int64_t out)
{
    body->push_back(Convolution(in, out, 3, 1, 1, false));
    body->push_back(torch::nn::BatchNorm2d(out));
    body->push_back(torch::nn::ReLU());
}
} // namespace

ClassifierNet::ClassifierNet(
    const ModelConfig& config, const std::vector<int64_t>& sampleShape, int64_t numClasses)
    : m_config(config)
    , m_shape(sampleShape)
    , m_numClasses(numClasses)
{
    if (sampleShape.size() != 3)
        throw ConfigError("model.kind: \"classifier\" needs images (C, H, W)");
    const int64_t c = config.channels;
    m_body = register_module("body", torch::nn::Sequential());
    addConvLayer(m_body, sampleShape[0], c);
    addConvLayer(m_body, c, c);
    m_body->push_back(torch::nn::MaxPool2d(2));
    addConvLayer(m_body, c, 2 * c);
    addConvLayer(m_body, 2 * c, 2 * c);
    m_body->push_back(torch::nn::MaxPool2d(2));
    addConvLayer(m_body, 2 * c, 4 * c);
    m_features = register_module("features", torch::nn::Linear(4 * c, config.hidden));
    m_dropout = register_module("dropout", torch::nn::Dropout(config.dropout));
    m_head = register_module("head", torch::nn::Linear(config.hidden, numClasses));
}

torch::Tensor ClassifierNet::features(const torch::Tensor& x)
{
    return torch::relu(m_features(m_body->forward(x).mean({ 2, 3 })));
}

torch::Tensor ClassifierNet::logits(const torch::Tensor& x)
{
    return m_head(m_dropout(features(x)));
}

std::string ClassifierNet::signature() const
{
    return "classifier(shape=" + std::to_string(m_shape[0]) + "x" + std::to_string(m_shape[1]) + "x"
        + std::to_string(m_shape[2]) + ",channels=" + std::to_string(m_config.channels)
        + ",features=" + std::to_string(m_config.hidden)
        + ",classes=" + std::to_string(m_numClasses) + ")";
}

} // namespace ddil
