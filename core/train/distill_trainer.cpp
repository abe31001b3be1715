#include "core/train/distill_trainer.h"

#include "core/api/errors.h"
#include "core/io/resource_path.h"
#include "core/metrics/distance2d.h"
#include "core/metrics/sample_quality.h"
#include "core/train/checkpoint.h"
#include "core/train/sample_files.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace ddil {

namespace {
constexpr int64_t kSampleChunk = 64;

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `sample(z, y)` over `chunk`-sized slices of the noise and labels on `device`; the CPU
// result, or an undefined tensor when cancelled.
template <class Sample>
torch::Tensor sampleInChunks(const torch::Tensor& noise, const torch::Tensor& labels, int64_t chunk,
    torch::Device device, const CancelToken* cancel, Sample&& sample)
{
    std::vector<torch::Tensor> parts;
    for (int64_t begin = 0; begin < noise.size(0); begin += chunk) {
        if (cancel && cancel->isCancelled())
            return {};
        const int64_t end = std::min(noise.size(0), begin + chunk);
        parts.push_back(
            sample(noise.slice(0, begin, end).to(device), labels.slice(0, begin, end).to(device))
                .to(torch::kCPU));
    }
    return torch::cat(parts);
}

ProjectionSpec teacherProjection(const DistillConfig& d)
{
    if (d.reflection.apply_to == ReflectTarget::Student)
        return {};
    return { d.reflection.projection, d.reflection.percentile };
}
} // namespace

LoadedTeacher loadTeacher(const RunConfig& config, const DataSource& data)
{
    LoadedTeacher out;
    out.path = resolveResourcePath(config.distill.teacher);
    CheckpointReader reader(out.path);
    out.config = reader.meta().config;
    const auto& tc = out.config;
    if (tc.task != Task::Teacher)
        throw ConfigError("distill.teacher: " + out.path + " is a \"" + toString(tc.task)
            + "\" checkpoint, not a diffusion teacher");
    if (tc.data.kind != config.data.kind
        || (tc.data.kind == DataKind::Toy2d && tc.data.distribution != config.data.distribution))
        throw ConfigError("distill.teacher: " + out.path + " was trained on "
            + toString(tc.data.kind)
            + (tc.data.kind == DataKind::Toy2d ? " " + toString(tc.data.distribution) : "")
            + " but this run's data is " + toString(config.data.kind)
            + (config.data.kind == DataKind::Toy2d ? " " + toString(config.data.distribution)
                                                   : ""));
    out.net = makeDenoiserNet(tc.model, data.sampleShape(), data.numClasses());
    reader.loadModel(*out.net, out.net->signature(), /*preferEma=*/true);
    return out;
}

RunConfig resolveRunConfig(const RunConfig& config)
{
    if (config.task != Task::Distill)
        return config;
    const auto data = makeDataSource(config.data);
    const auto teacher = loadTeacher(config, *data);
    RunConfig resolved = config;
    resolved.model = teacher.config.model;
    resolved.model.guidance_embedding = config.distill.method == DistillMethod::Consistency;
    resolved.diffusion = teacher.config.diffusion;
    return resolved;
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
    m_teacher = std::make_unique<GuidedTeacher>(loaded.net, config.diffusion,
        GuidanceSpec::fromConfig(d.guidance), teacherProjection(d), d.ddil.teacher_steps);

    m_student = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    m_ema = makeDenoiserNet(config.model, m_data->sampleShape(), m_data->numClasses());
    copyMatchingWeights(*m_student, *loaded.net); // the student starts as the teacher
    setModels(m_student, m_ema, m_student->signature());

    m_policy = std::make_unique<StudentPolicy>(config);
    m_method = makeDistillationMethod(
        { m_config, *m_student, *m_ema, *m_teacher, *m_policy, *m_data, device, this->parallel() });
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
    const StateBatch states { shard.rows(global.x), shard.rows(global.t), shard.rows(global.labels),
        shard.rows(global.source) };
    m_sourceSeconds += secondsSince(started);
    started = std::chrono::steady_clock::now();
    auto [loss, terms] = m_method->loss(states, m_generator);
    m_lossSeconds += secondsSince(started);
    for (const auto& stat : m_source->lastStats())
        terms.push_back(stat);
    return { loss, terms };
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

SampleQualityScorer* DistillTrainer::scorer()
{
    if (m_data->sampleShape().size() == 1 || m_config.eval.feature_extractor.empty())
        return nullptr;
    if (!m_scorer)
        m_scorer = std::make_unique<SampleQualityScorer>(
            m_config.data, m_config.eval.feature_extractor, m_device);
    return m_scorer.get();
}

Diagnosis DistillTrainer::diagnose(const DiagnoseOptions& options, const CancelToken* cancel)
{
    m_ema->eval();
    return diagnoseStudent(
        { m_config, *m_teacher, *m_policy, *m_method, *m_data, m_device, scorer() }, *m_ema,
        options, cancel);
}

DistillTrainer::Evaluation DistillTrainer::evaluateWithSamples(const CancelToken* cancel)
{
    auto evaluation = evaluateSamples(cancel);
    const auto& e = m_config.eval;
    if (evaluation.cancelled || !(e.shift_diagnostics || e.teacher_intervention))
        return evaluation;
    DiagnoseOptions options;
    options.samples = e.diagnose_samples;
    // The same trajectories at every evaluation, so the curves over training compare alike.
    options.seed = (m_config.seed ^ kEvalSeedOffset) + 2;
    options.shift = options.lossGap = e.shift_diagnostics;
    options.intervention = e.teacher_intervention;
    const auto diagnosis = diagnose(options, cancel);
    if (diagnosis.cancelled)
        return { true };
    for (const auto& scalar : diagnosis.toScalars())
        evaluation.scalars.push_back(scalar);
    return evaluation;
}

DistillTrainer::Evaluation DistillTrainer::evaluateSamples(const CancelToken* cancel)
{
    torch::NoGradGuard noGrad;
    auto gen = at::detail::createCPUGenerator(m_config.seed ^ kEvalSeedOffset);
    const int64_t count = m_config.eval.count;
    const bool images = m_data->sampleShape().size() != 1;
    torch::Tensor labels;
    LabeledBatch reference, other;
    if (images) {
        labels = torch::arange(count, torch::kInt64).remainder(m_data->numClasses());
    } else {
        reference = m_data->sample(count, gen);
        other = m_data->sample(count, gen);
        labels = other.labels;
    }
    auto shape = m_data->sampleShape();
    shape.insert(shape.begin(), count);
    const auto noise = torch::randn(shape, gen, torch::kFloat32);
    auto rolloutGen = at::detail::createCPUGenerator((m_config.seed ^ kEvalSeedOffset) + 1);
    const auto times = m_method->studentTimes();

    // Runs `sample` over chunks of the evaluation noise; false when cancelled.
    auto sampleChunks = [&](auto&& sample, torch::Tensor& out) {
        out = sampleInChunks(noise, labels, kSampleChunk, m_device, cancel, sample);
        return out.defined();
    };
    torch::Tensor samples;
    m_ema->eval();
    if (!sampleChunks(
            [&](const torch::Tensor& z, const torch::Tensor& y) {
                return rolloutStudent(*m_policy, *m_ema, z, y, times, rolloutGen).x0;
            },
            samples))
        return { true };

    if (images) {
        auto* quality = scorer();
        if (!quality)
            return { false, {}, samples, labels };
        return { false, quality->score(samples, labels, m_config.seed).scalars, samples, labels };
    }

    const int studentSteps = static_cast<int>(times.size()) - 1;
    if (!m_teacherReference.defined() || m_teacherFewStepCount != studentSteps) {
        // The teacher's own M-step samples and its N-step samples of the same noise: the target
        // the student imitates, and what the undistilled teacher does with the student's budget.
        torch::Tensor full, few;
        if (!sampleChunks([&](const torch::Tensor& z,
                              const torch::Tensor& y) { return m_teacher->solve(z, 1.0, 0.0, y); },
                full))
            return { true };
        GuidedTeacher fewStep(m_teacherNet, m_config.diffusion, m_teacher->guidance(),
            teacherProjection(m_config.distill), studentSteps);
        if (!sampleChunks([&](const torch::Tensor& z,
                              const torch::Tensor& y) { return fewStep.solve(z, 1.0, 0.0, y); },
                few))
            return { true };
        m_teacherReference = full;
        m_teacherFewStep = few;
        m_teacherFewStepCount = studentSteps;
    }
    const auto dirs = randomDirections(m_config.eval.projections, samples.size(1), gen);
    auto scalars = distancesWithFloors(samples, reference.x.flatten(1), other.x.flatten(1), dirs);
    scalars.insert(scalars.end(),
        { { "eval/sw_to_teacher", slicedWasserstein(samples, m_teacherReference, dirs) },
            { "eval/mmd_to_teacher", mmdRbf(samples, m_teacherReference) },
            { "eval/teacher_n_step_sw_to_teacher",
                slicedWasserstein(m_teacherFewStep, m_teacherReference, dirs) },
            { "eval/teacher_n_step_mmd_to_teacher",
                mmdRbf(m_teacherFewStep, m_teacherReference) } });
    return { false, scalars, samples, labels };
}

namespace {
std::vector<float> toFloats(const torch::Tensor& t)
{
    const auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return { cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel() };
}

SampleSet toSampleSet(const torch::Tensor& samples, bool teacher, int steps)
{
    return { teacher, steps, { samples.sizes().begin(), samples.sizes().end() },
        toFloats(samples) };
}
} // namespace

std::optional<Snapshot> DistillTrainer::takeSnapshot(const SnapshotOptions& options)
{
    torch::NoGradGuard noGrad;
    const int64_t count = std::max(1, options.count);
    const auto trained = m_method->studentTimes();
    const int n = static_cast<int>(trained.size()) - 1;
    Snapshot out;
    out.step = step();
    out.seed = options.seed;
    out.trainedSteps = n;
    out.teacherSteps = m_teacher->steps();

    auto gen = at::detail::createCPUGenerator(options.seed);
    const auto labels = torch::arange(count, torch::kInt64).remainder(m_data->numClasses());
    auto shape = m_data->sampleShape();
    shape.insert(shape.begin(), count);
    const auto noise = torch::randn(shape, gen, torch::kFloat32);
    out.labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + count);
    const uint64_t rolloutSeed = options.seed + 1;

    // Small chunks, as in training rollouts: 16-sample batches stay in the CPU caches.
    auto chunked = [&](auto&& sample) {
        return sampleInChunks(noise, labels, 16, m_device, nullptr, sample);
    };
    std::vector<int> counts = options.studentSteps;
    counts.push_back(n);
    std::sort(counts.begin(), counts.end());
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    m_ema->eval();
    for (int steps : counts) {
        if (steps < 1)
            continue;
        const auto times = steps == n ? trained : studentTimes(m_config.distill, steps);
        auto rolloutGen = at::detail::createCPUGenerator(rolloutSeed);
        out.sets.push_back(toSampleSet(chunked([&](const torch::Tensor& z, const torch::Tensor& y) {
            return rolloutStudent(*m_policy, *m_ema, z, y, times, rolloutGen).x0;
        }),
            false, steps));
    }
    const std::pair<uint64_t, int> key { options.seed, static_cast<int>(count) };
    if (!m_snapshotTeacher || m_snapshotKey != key) {
        m_snapshotTeacher
            = toSampleSet(chunked([&](const torch::Tensor& z, const torch::Tensor& y) {
                  return m_teacher->solve(z, 1.0, 0.0, y);
              }),
                true, m_teacher->steps());
        m_snapshotKey = key;
    }
    out.sets.push_back(*m_snapshotTeacher);

    if (m_data->sampleShape().size() == 1) {
        auto trajectoryGen = at::detail::createCPUGenerator(options.seed + 2);
        const auto states = collectTrajectoryStates(
            *m_policy, *m_ema, *m_teacher, *m_data, trained, count, trajectoryGen, m_device);
        for (const auto& s : states.steps)
            out.trajectory.push_back(
                { s.k, s.tau, toFloats(s.student), toFloats(s.teacher), toFloats(s.data) });
    }
    return out;
}

void DistillTrainer::writeSamples(RunFolder& folder, const Evaluation& evaluation, bool final)
{
    writeSampleFiles(folder, evaluation.samples, evaluation.labels, m_data->numClasses(),
        m_config.name + "  step " + std::to_string(step()) + "  "
            + std::to_string(m_method->studentTimes().size() - 1) + "-step student",
        step(), final);
}

} // namespace ddil
