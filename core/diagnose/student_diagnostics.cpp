#include "core/diagnose/student_diagnostics.h"

#include "core/distill/distillation_method.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/metrics/distance2d.h"
#include "core/metrics/sample_quality.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ddil {

namespace {
const char* const kImageMetrics[]
    = { "eval/fid", "eval/coverage", "eval/class_consistency", "eval/precision", "eval/recall" };

bool cancelled(const CancelToken* cancel)
{
    return cancel && cancel->isCancelled();
}
} // namespace

Scalars Diagnosis::toScalars() const
{
    Scalars out;
    for (const auto& step : steps)
        for (const auto& [name, value] : step.values)
            out.emplace_back("shift/" + name + "/k" + std::to_string(step.k), value);
    for (const auto& result : interventions) {
        const std::string prefix = "intervene/" + result.setting.key() + "/";
        out.emplace_back(prefix + "teacher_share", result.teacherShare);
        for (const auto& [name, value] : result.metrics)
            out.emplace_back(prefix + name, value);
    }
    return out;
}

Diagnosis diagnoseStudent(const DiagnosisContext& context, DenoiserNet& student,
    const DiagnoseOptions& options, const CancelToken* cancel)
{
    torch::NoGradGuard noGrad;
    Diagnosis out;
    const auto times = context.method.studentTimes();
    out.studentSteps = static_cast<int>(times.size()) - 1;
    const auto shape = context.data.sampleShape();
    const bool images = shape.size() != 1;
    auto gen = at::detail::createCPUGenerator(options.seed);

    if (options.shift || options.lossGap) {
        const auto states = collectTrajectoryStates(context.policy, student, context.teacher,
            context.data, times, options.samples, gen, context.device, context.chunk);
        if (cancelled(cancel))
            return { out.studentSteps, {}, {}, true };
        if (options.shift) {
            // The features are those of the unprojected teacher's x0 estimates, so that runs
            // with and without the reflected formulation are measured with one ruler.
            GuidedTeacher ruler(context.teacher.sharedNet(), context.config.diffusion,
                context.teacher.guidance(), {}, context.teacher.steps());
            ShiftMeter meter(ruler, context.scorer ? &context.scorer->extractor() : nullptr, shape,
                context.config.eval.projections, context.chunk);
            out.steps = meter.distances(states);
        } else {
            for (const auto& step : states.steps)
                out.steps.push_back({ step.k, step.tau, {} });
        }
        if (cancelled(cancel))
            return { out.studentSteps, {}, {}, true };
        if (options.lossGap)
            addLossGap(out.steps, context.method, student, states, gen, context.chunk);
    }

    if (options.intervention) {
        // Balanced classes for images; for 2-D data the labels of a data draw, which is also
        // the reference the samples are measured against.
        torch::Tensor labels;
        LabeledBatch reference;
        if (images) {
            labels = torch::arange(options.samples, torch::kInt64)
                         .remainder(context.data.numClasses());
        } else {
            reference = context.data.sample(options.samples, gen);
            labels = reference.labels;
        }
        std::vector<int64_t> noiseShape { options.samples };
        noiseShape.insert(noiseShape.end(), shape.begin(), shape.end());
        const auto noise = torch::randn(noiseShape, gen, torch::kFloat32);
        const uint64_t rolloutSeed = options.seed + 1;
        torch::Tensor dirs, teacherSamples;
        if (!images) {
            dirs = randomDirections(context.config.eval.projections, shape[0], gen);
            auto teacherGen = at::detail::createCPUGenerator(rolloutSeed);
            teacherSamples = sampleWithIntervention(context.policy, student, context.teacher, noise,
                labels, times, { out.studentSteps, 0.0, false }, teacherGen, context.device,
                context.chunk)
                                 .x0;
        }
        for (const auto& setting : interventionGrid(out.studentSteps)) {
            if (cancelled(cancel))
                return { out.studentSteps, {}, {}, true };
            // p = 0 is j = 0 and p = 1 is j = N sample for sample (same noise, same stream).
            if (setting.byProbability && (setting.pTeach == 0.0 || setting.pTeach == 1.0)) {
                auto same = out.interventions[setting.pTeach == 0.0 ? 0 : out.studentSteps];
                same.setting = setting;
                out.interventions.push_back(std::move(same));
                continue;
            }
            // Every setting re-noises from the same stream: only the teacher's steps differ.
            auto rolloutGen = at::detail::createCPUGenerator(rolloutSeed);
            const auto samples = sampleWithIntervention(context.policy, student, context.teacher,
                noise, labels, times, setting, rolloutGen, context.device, context.chunk);
            InterventionResult result { setting, samples.teacherShare, {} };
            if (images && context.scorer) {
                const auto quality = context.scorer->score(samples.x0, labels, options.seed);
                for (const char* name : kImageMetrics)
                    for (const auto& [key, value] : quality.scalars)
                        if (key == name)
                            result.metrics.emplace_back(key.substr(5), value);
            } else if (!images) {
                const auto x = samples.x0.flatten(1);
                result.metrics = { { "sw_to_data", slicedWasserstein(x, reference.x, dirs) },
                    { "mmd_to_data", mmdRbf(x, reference.x) },
                    { "sw_to_teacher", slicedWasserstein(x, teacherSamples, dirs) },
                    { "mmd_to_teacher", mmdRbf(x, teacherSamples) } };
            }
            out.interventions.push_back(std::move(result));
        }
    }
    return out;
}

} // namespace ddil
