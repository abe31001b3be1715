#include "core/train/teacher_trainer.h"

#include "core/diffusion/parameterization.h"
#include "core/diffusion/schedule.h"
#include "core/metrics/distance2d.h"
#include "core/metrics/sample_quality.h"
#include "core/runtime/device.h"
#include "core/sampling/model_sampling.h"
#include "core/train/sample_files.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

TeacherTrainer::TeacherTrainer(
    const RunConfig& config, torch::Device device, std::shared_ptr<const DataParallel> parallel)
    : TeacherTrainer(config, device, makeDataSource(config.data), std::move(parallel))
{
}

TeacherTrainer::TeacherTrainer(const RunConfig& config, torch::Device device,
    std::unique_ptr<DataSource> data, std::shared_ptr<const DataParallel> parallel)
    : Trainer(config, device, std::move(parallel))
    , m_data(std::move(data))
{
    if (device.is_cuda())
        m_data->placeOn(device, kDeviceDataMaxBytes);
    m_model = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    m_ema = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    setModels(m_model, m_ema, m_model->signature());
}

TeacherTrainer::~TeacherTrainer() = default;

Trainer::StepLoss TeacherTrainer::computeLoss()
{
    const auto& c = m_config.train;
    // The global batch's draws; this rank trains on its rows of them.
    const auto& shard = parallel();
    const int64_t b = c.batch_size;
    const auto batch = m_data->sample(shard.globalCount(b), m_generator);
    auto t = shard.randRows(b, m_generator);
    auto eps = shard.rows(torch::randn(batch.x.sizes(), m_generator, torch::kFloat32));
    const auto drop = toDevice(shard.randRows(b, m_generator) < c.label_dropout, m_device);
    // The batch is on the device already when the data was placed there (placeOn).
    const auto rowLabels = toDevice(shard.rows(batch.labels), m_device);
    const auto labels
        = torch::where(drop, torch::full_like(rowLabels, m_data->numClasses()), rowLabels);
    const auto x0 = toDevice(shard.rows(batch.x), m_device);
    eps = toDevice(eps, m_device);
    t = toDevice(t, m_device);
    const auto schedule = VpSchedule::fromConfig(m_config.diffusion);
    const auto alpha = schedule.alpha(t), sigma = schedule.sigma(t);
    const auto xt = perSample(alpha, x0) * x0 + perSample(sigma, x0) * eps;
    const auto target = predictionTarget(m_config.diffusion.prediction, x0, eps, alpha, sigma);

    return { torch::mse_loss(m_model->forward(xt, t, labels), target), {}, {} };
}

TeacherTrainer::Evaluation TeacherTrainer::evaluateWithSamples(const CancelToken* cancel)
{
    auto gen = at::detail::createCPUGenerator(m_config.seed ^ kEvalSeedOffset);
    const int64_t count = m_config.eval.count;
    auto options = ModelSampleOptions::fromConfig(m_config.sample);
    options.cancel = cancel;
    if (m_data->sampleShape().size() != 1) {
        // Images: classes in turn, so a grid with one column per class shows every class.
        const auto labels = torch::arange(count, torch::kInt64).remainder(m_data->numClasses());
        const auto result = sampleModel(
            *m_ema, m_config.diffusion, labels, m_data->sampleShape(), gen, m_device, options);
        if (result.cancelled)
            return { true };
        if (m_config.eval.feature_extractor.empty())
            return { false, {}, result.x, labels };
        if (!m_scorer)
            m_scorer = std::make_unique<SampleQualityScorer>(
                m_config.data, m_config.eval.feature_extractor, m_device);
        return { false, m_scorer->score(result.x, labels, m_config.seed).scalars, result.x,
            labels };
    }
    const auto reference = m_data->sample(count, gen).x.flatten(1);
    // A second, independent draw of real data. The model samples with its labels, so model and
    // floor differ from the reference by the same class-count noise: the floor is what a
    // perfect model scores with this many samples.
    const auto other = m_data->sample(count, gen);
    const auto result = sampleModel(
        *m_ema, m_config.diffusion, other.labels, m_data->sampleShape(), gen, m_device, options);
    if (result.cancelled)
        return { true };
    const auto samples = result.x.flatten(1);
    const auto dirs = randomDirections(m_config.eval.projections, samples.size(1), gen);
    return { false, distancesWithFloors(samples, reference, other.x.flatten(1), dirs), result.x,
        other.labels };
}

void TeacherTrainer::writeSamples(RunFolder& folder, const Evaluation& evaluation, bool final)
{
    writeSampleFiles(folder, evaluation.samples, evaluation.labels, m_data->numClasses(),
        m_config.name + "  step " + std::to_string(step()) + "  "
            + std::to_string(m_config.sample.steps) + " DDIM steps",
        step(), final);
}

} // namespace ddil
