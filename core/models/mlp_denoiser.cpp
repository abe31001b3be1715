#include "core/models/mlp_denoiser.h"

#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace ddil {

namespace {
// LayerNorm -> SiLU -> Linear -> SiLU -> Linear, added to the input.
struct ResidualBlockImpl : torch::nn::Module {
    explicit ResidualBlockImpl(int64_t width)
        : norm(
              register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width }))))
        , fc1(register_module("fc1", torch::nn::Linear(width, width)))
        , fc2(register_module("fc2", torch::nn::Linear(width, width)))
    {
    }
    torch::Tensor forward(const torch::Tensor& h)
    {
        return h + fc2(torch::silu(fc1(torch::silu(norm(h)))));
    }
    torch::nn::LayerNorm norm;
    torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(ResidualBlock);
} // namespace

MlpDenoiser::MlpDenoiser(const ModelConfig& config, int64_t inputDim, int64_t numClasses)
    : m_config(config)
    , m_inputDim(inputDim)
    , m_numClasses(numClasses)
{
    const int64_t w = config.hidden;
    m_inProj = register_module("in_proj", torch::nn::Linear(inputDim, w));
    m_timeProj1 = register_module("time_proj1", torch::nn::Linear(config.time_embedding, w));
    m_timeProj2 = register_module("time_proj2", torch::nn::Linear(w, w));
    m_classEmbedding = register_module("class_embedding", torch::nn::Embedding(numClasses + 1, w));
    if (config.guidance_embedding)
        m_guidanceEmbedding
            = register_module("guidance_embedding", GuidanceEmbedding(config.time_embedding, w));
    m_blocks = register_module("blocks", torch::nn::ModuleList());
    for (int i = 0; i < config.depth; ++i)
        m_blocks->push_back(ResidualBlock(w));
    m_outNorm
        = register_module("out_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ w })));
    m_outProj = register_module("out_proj", torch::nn::Linear(w, inputDim));
}

torch::Tensor MlpDenoiser::forwardWithFeatures(const torch::Tensor& x, const torch::Tensor& t,
    const torch::Tensor& labels, const torch::Tensor& guidanceScale, torch::Tensor* bottleneck)
{
    auto temb
        = m_timeProj2(torch::silu(m_timeProj1(timestepEmbedding(t, m_config.time_embedding))));
    if (m_guidanceEmbedding && guidanceScale.defined())
        temb = temb + m_guidanceEmbedding(guidanceScale);
    auto h = m_inProj(x) + temb + m_classEmbedding(labels);
    for (const auto& block : *m_blocks)
        h = block->as<ResidualBlock>()->forward(h);
    if (bottleneck)
        *bottleneck = h;
    return m_outProj(torch::silu(m_outNorm(h)));
}

std::string MlpDenoiser::signature() const
{
    return "mlp(in=" + std::to_string(m_inputDim) + ",hidden=" + std::to_string(m_config.hidden)
        + ",depth=" + std::to_string(m_config.depth) + ",time_embedding="
        + std::to_string(m_config.time_embedding) + ",classes=" + std::to_string(m_numClasses)
        + (m_config.guidance_embedding ? ",guidance_embedding=1" : "") + ")";
}

} // namespace ddil
