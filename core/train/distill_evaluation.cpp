// DistillTrainer's evaluation: the EMA student sampled with its N-step sampler and scored, the
// teacher references of 2-D data (computed once per student step count), the periodic
// diagnostics, and the sample files of each evaluation.
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

namespace ddil {

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
        auto* quality = scorer();
        if (!quality)
            return { false, {}, samples, labels };
        return { false, quality->score(samples, labels, m_config.seed).scalars, samples, labels };
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
            { "eval/teacher_n_step_mmd_to_teacher",
                mmdRbf(m_teacherFewStep, m_teacherReference) } });
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
