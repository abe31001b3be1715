// DistillTrainer's evaluation: the EMA student sampled with its N-step sampler and scored, the
// teacher references of 2-D data (computed once per student step count), the periodic
// diagnostics, and the sample files of each evaluation.
#include "core/api/errors.h"
#include "core/io/cache_directory.h"
#include "core/io/fnv_hash.h"
#include "core/io/npy.h"
#include "core/metrics/distance2d.h"
#include "core/metrics/sample_quality.h"
#include "core/runtime/device.h"
#include "core/sampling/chunks.h"
#include "core/sampling/student_sampler.h"
#include "core/train/distill_trainer.h"
#include "core/train/sample_files.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <filesystem>

namespace ddil {

namespace {
// The mean over samples of each sample's RMS difference to the teacher's sample of the same
// noise: how closely the student imitates its teacher, beside how close it is to the data.
double imitationRmse(const torch::Tensor& student, const torch::Tensor& teacher)
{
    return (student - teacher).pow(2).flatten(1).mean(1).sqrt().mean().item<double>();
}

uint64_t tensorHash(const torch::Tensor& t, uint64_t h)
{
    const auto c = t.to(torch::kCPU).contiguous();
    return fnv1a64(c.data_ptr(), c.numel() * c.element_size(), h);
}
} // namespace

torch::Tensor DistillTrainer::teacherSamplesCached(
    const torch::Tensor& noise, const torch::Tensor& labels, const CancelToken* cancel)
{
    const auto& d = m_config.distill;
    uint64_t h = m_teacherFileHash;
    const std::string settings = std::to_string(d.guidance.scale) + "|"
        + toString(d.guidance.convention) + "|" + std::to_string(m_teacher->steps()) + "|"
        + toString(d.reflection.projection) + "|" + toString(d.reflection.apply_to) + "|"
        + std::to_string(d.reflection.percentile);
    h = fnv1a64(settings.data(), settings.size(), h);
    h = tensorHash(labels, tensorHash(noise, h));
    namespace fs = std::filesystem;
    const auto cache = fs::path(cacheDirectory()) / ("teacher-samples-" + toHex(h) + ".npy");
    std::vector<int64_t> shape(noise.sizes().begin(), noise.sizes().end());
    if (fs::exists(cache)) {
        try {
            auto stored = readNpy(cache.string());
            if (stored.shape == shape)
                return torch::from_blob(stored.data.data(), shape, torch::kFloat32).clone();
        } catch (const IoError&) {
            // Unreadable: sampled again below and rewritten.
        }
    }
    const int64_t chunk = sampleChunk(m_config.runtime.sample_chunk, m_device);
    const auto z = noise.to(m_device), y = labels.to(m_device);
    bool cancelled = false;
    const auto samples = mapChunks(z, y, chunk,
        [&](const torch::Tensor& zs, const torch::Tensor& ys) {
            cancelled = cancelled || (cancel && cancel->isCancelled());
            return cancelled ? torch::zeros_like(zs) : m_teacher->solve(zs, 1.0, 0.0, ys);
        })
                             .to(torch::kCPU)
                             .contiguous();
    if (cancelled)
        return {};
    std::error_code ec;
    fs::create_directories(cache.parent_path(), ec);
    try {
        writeNpy(cache.string(),
            { shape,
                std::vector<float>(
                    samples.data_ptr<float>(), samples.data_ptr<float>() + samples.numel()) });
    } catch (const IoError&) {
        // Not cacheable here: the samples are the same.
    }
    return samples;
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
    return diagnoseStudent({ m_config, *m_teacher, *m_policy, *m_method, *m_data, m_device,
                               scorer(), sampleChunk(m_config.runtime.sample_chunk, m_device) },
        *m_ema, options, cancel);
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
    const int64_t chunk = sampleChunk(m_config.runtime.sample_chunk, m_device);

    StudentSampling sampling;
    sampling.chunk = chunk;
    sampling.rollout.cancel = cancel;
    const auto student
        = sampleStudent(*m_policy, *m_ema, noise, labels, times, rolloutGen, m_device, sampling);
    if (student.cancelled)
        return { true };
    const torch::Tensor samples = student.x0;

    if (images) {
        Scalars scalars;
        if (auto* quality = scorer())
            scalars = quality->score(samples, labels, m_config.seed).scalars;
        const int64_t n = std::min<int64_t>(m_config.eval.imitation_samples, count);
        if (n > 0) {
            const auto teacher
                = teacherSamplesCached(noise.slice(0, 0, n), labels.slice(0, 0, n), cancel);
            if (!teacher.defined())
                return { true };
            scalars.emplace_back(
                "eval/imitation_rmse", imitationRmse(samples.slice(0, 0, n), teacher));
        }
        return { false, scalars, samples, labels };
    }

    const int studentSteps = static_cast<int>(times.size()) - 1;
    if (!m_teacherReference.defined() || m_teacherFewStepCount != studentSteps) {
        // The teacher's own M-step samples and its N-step samples of the same noise: the target
        // the student imitates, and what the undistilled teacher does with the student's budget.
        GuidedTeacher fewStep(m_teacherNet, m_config.diffusion, m_teacher->guidance(),
            teacherProjection(m_config.distill), studentSteps);
        const auto z = noise.to(m_device), y = labels.to(m_device);
        auto solve = [&](GuidedTeacher& teacher) {
            return mapChunks(z, y, chunk, [&](const torch::Tensor& zs, const torch::Tensor& ys) {
                return teacher.solve(zs, 1.0, 0.0, ys);
            }).to(torch::kCPU);
        };
        m_teacherReference = solve(*m_teacher);
        if (cancel && cancel->isCancelled())
            return { true };
        m_teacherFewStep = solve(fewStep);
        m_teacherFewStepCount = studentSteps;
    }
    const auto dirs = randomDirections(m_config.eval.projections, samples.size(1), gen);
    auto scalars = distancesWithFloors(samples, reference.x.flatten(1), other.x.flatten(1), dirs);
    scalars.insert(scalars.end(),
        { { "eval/sw_to_teacher", slicedWasserstein(samples, m_teacherReference, dirs) },
            { "eval/mmd_to_teacher", mmdRbf(samples, m_teacherReference) },
            { "eval/teacher_n_step_sw_to_teacher",
                slicedWasserstein(m_teacherFewStep, m_teacherReference, dirs) },
            { "eval/teacher_n_step_mmd_to_teacher", mmdRbf(m_teacherFewStep, m_teacherReference) },
            { "eval/imitation_rmse", imitationRmse(samples, m_teacherReference) } });
    return { false, scalars, samples, labels };
}

void DistillTrainer::writeSamples(RunFolder& folder, const Evaluation& evaluation, bool final)
{
    writeSampleFiles(folder, evaluation.samples, evaluation.labels, m_data->numClasses(),
        m_config.name + "  step " + std::to_string(step()) + "  "
            + std::to_string(m_method->studentTimes().size() - 1) + "-step student",
        step(), final);
}

} // namespace ddil
