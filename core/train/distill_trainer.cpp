#include "core/train/distill_trainer.h"

#include "core/api/errors.h"
#include "core/metrics/sample_quality.h"

#include <torch/types.h>

#include <chrono>
#include <cmath>

namespace ddil {

namespace {
double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// This rank's rows of a global batch.
StateBatch shardRows(const StateBatch& global, const DataParallel& shard)
{
    return { shard.rows(global.x), shard.rows(global.t), shard.rows(global.labels),
        shard.rows(global.source), shard.rows(global.w) };
}

} // namespace

ProjectionSpec DistillTrainer::teacherProjection(const DistillConfig& d)
{
    if (d.reflection.apply_to == ReflectTarget::Student)
        return {};
    return { d.reflection.projection, d.reflection.percentile };
}

DistillTrainer::DistillTrainer(
    const RunConfig& config, torch::Device device, std::shared_ptr<const DataParallel> parallel)
    : Trainer(config, device, std::move(parallel))
    , m_data(makeDataSource(config.data))
{
    const auto& d = config.distill;
    auto loaded = loadTeacher(config, *m_data);
    if (loaded.config.diffusion.prediction != config.diffusion.prediction
        || loaded.config.diffusion.schedule != config.diffusion.schedule)
        throw ConfigError("distill.teacher: the config's diffusion section differs from the "
                          "teacher's (resolve the config from the teacher first)");
    loaded.net->to(device);
    m_teacherNet = loaded.net;
    m_teacherFileHash = loaded.fileHash;
    m_teacher = std::make_unique<GuidedTeacher>(loaded.net, config.diffusion,
        GuidanceSpec::fromConfig(d.guidance), teacherProjection(d), d.ddil.teacher_steps);

    m_student = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    m_ema = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    copyMatchingWeights(*m_student, *loaded.net); // the student starts as the teacher
    setModels(m_student, m_ema, m_student->signature());

    m_policy = std::make_unique<StudentPolicy>(config);
    // The critic batches are this rank's rows of global draws, like the generator's.
    auto moreStates = [this](CriticSources sources, torch::Generator& gen) {
        const auto& shard = this->parallel();
        return shardRows(
            m_source->drawMore(shard.globalCount(m_config.train.batch_size), sources, gen), shard);
    };
    m_method = makeDistillationMethod({ m_config, *m_student, *m_ema, *m_teacher, *m_policy,
        *m_data, device, this->parallel(), moreStates });
    // The source draws global batches (every rank the same); computeLoss keeps this rank's rows.
    m_source = std::make_unique<DdilStateSource>(
        d.ddil, this->parallel().globalCount(config.train.batch_size), *m_teacher, *m_policy,
        *m_student, *m_data, device, this->parallel(),
        [this](int64_t n, torch::Generator& gen) { return m_method->dataTimes(n, gen); },
        [this] { return m_method->studentTimes(); });
}

DistillTrainer::~DistillTrainer() = default;
DistillCosts DistillTrainer::costs() const
{
    return { m_sourceSeconds, m_source->refreshSeconds(), m_lossSeconds, m_teacher->secondsSpent(),
        m_teacher->imagesEvaluated(), m_method->auxImagesEvaluated() };
}

Trainer::StepLoss DistillTrainer::computeLoss()
{
    auto started = std::chrono::steady_clock::now();
    const auto& shard = parallel();
    const auto global
        = m_source->draw(shard.globalCount(m_config.train.batch_size), step(), m_generator);
    const auto states = shardRows(global, shard);
    m_sourceSeconds += secondsSince(started);
    started = std::chrono::steady_clock::now();
    auto [loss, deviceTerms, terms] = m_method->loss(states, m_generator);
    m_lossSeconds += secondsSince(started);
    for (const auto& stat : m_source->lastStats())
        terms.push_back(stat);
    return { loss, std::move(deviceTerms), std::move(terms) };
}

void DistillTrainer::afterStep()
{
    m_method->afterStep(step());
}

Scalars DistillTrainer::applyMixture(MixtureSnapshot& m)
{
    const bool valid = m.beta.size() == 3 && m.beta[0] >= 0 && m.beta[1] >= 0 && m.beta[2] >= 0
        && std::isfinite(m.beta[0] + m.beta[1] + m.beta[2]) && m.beta[0] + m.beta[1] + m.beta[2] > 0
        && m.p_teach >= 0 && m.p_teach <= 1 && m.buffer_capacity >= 0 && m.refresh_every >= 1
        && m.refresh_fraction >= 0 && m.refresh_fraction <= 1 && m.percentile >= 0.5
        && m.percentile <= 1;
    if (!valid)
        return { { "ddil/rejected_change", 1.0 } };
    const double sum = m.beta[0] + m.beta[1] + m.beta[2];
    for (double& b : m.beta)
        b /= sum;
    m_source->setSettings({ { m.beta[0], m.beta[1], m.beta[2] }, m.p_teach });
    m_source->setBufferSettings(m.buffer_capacity, m.refresh_every, m.refresh_fraction);
    auto& reflection = m_config.distill.reflection;
    reflection.projection = m.projection;
    reflection.percentile = m.percentile;
    m_teacher->setProjection(teacherProjection(m_config.distill));
    m_policy->setReflection(reflection);
    return { { "ddil/set_beta_data", m.beta[0] }, { "ddil/set_beta_teacher", m.beta[1] },
        { "ddil/set_beta_student", m.beta[2] }, { "ddil/set_p_teach", m.p_teach },
        { "ddil/set_buffer_capacity", double(m.buffer_capacity) },
        { "ddil/set_refresh_every", double(m.refresh_every) },
        { "ddil/set_refresh_fraction", m.refresh_fraction },
        { "ddil/set_projection", double(static_cast<int>(m.projection)) },
        { "ddil/set_percentile", m.percentile } };
}

Scalars DistillTrainer::applyLiveChanges()
{
    // The config's recorded changes first (a replayed session), then the user's latest one.
    Scalars logged;
    const auto& changes = m_config.distill.ddil.changes;
    while (m_nextChange < changes.size() && changes[m_nextChange].step <= step()) {
        if (changes[m_nextChange].step == step()) {
            MixtureSnapshot change = changes[m_nextChange];
            logged = applyMixture(change);
        }
        ++m_nextChange;
    }
    if (m_live) {
        if (auto change = m_live->takeMixture()) {
            change->step = static_cast<int>(step());
            logged = applyMixture(*change);
            if (logged.front().first != "ddil/rejected_change")
                m_live->recordApplied(*change);
        }
    }
    return logged;
}

void DistillTrainer::saveExtraState(torch::serialize::OutputArchive& archive)
{
    m_method->save(archive);
    m_source->save(archive);
}

void DistillTrainer::loadExtraState(torch::serialize::InputArchive& archive)
{
    // A resumed run is in the mixture of its last recorded change before step(): its buffer
    // capacity is the one the buffers were saved with.
    const auto& changes = m_config.distill.ddil.changes;
    m_nextChange = 0;
    std::optional<MixtureSnapshot> latest;
    while (m_nextChange < changes.size() && changes[m_nextChange].step < step())
        latest = changes[m_nextChange++];
    if (latest)
        applyMixture(*latest);
    m_method->load(archive);
    m_source->load(archive);
}

} // namespace ddil
