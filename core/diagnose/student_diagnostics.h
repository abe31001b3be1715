#pragma once
// Everything the workbench measures about a distilled student beyond sample quality: the
// per-step covariate shift with the on-policy loss gap (shift_diagnostics.h) and the
// teacher-intervention sweep (teacher_intervention.h). Run periodically during distillation
// (eval.shift_diagnostics, eval.teacher_intervention) and by `ddil diagnose`.

#include "core/api/cancel_token.h"
#include "core/api/config.h"
#include "core/api/scalars.h"
#include "core/data/data_source.h"
#include "core/diagnose/shift_diagnostics.h"
#include "core/diagnose/teacher_intervention.h"

#include <torch/types.h>

#include <vector>

namespace ddil {

class SampleQualityScorer;

struct DiagnoseOptions {
    int64_t samples = 512; // trajectories (and samples per intervention setting)
    uint64_t seed = 0;
    bool shift = true;
    bool lossGap = true; // needs the method's state (the trainer's, or a training checkpoint)
    bool intervention = true;
};

struct InterventionResult {
    Intervention setting;
    double teacherShare = 0.0;
    // Images: "fid", "coverage", "class_consistency", "precision", "recall" (with an
    // evaluator); 2-D: "sw_to_data", "mmd_to_data", "sw_to_teacher", "mmd_to_teacher".
    Scalars metrics;
};

struct Diagnosis {
    int studentSteps = 0;
    std::vector<StepShift> steps; // k = N ... 1
    std::vector<InterventionResult> interventions;
    bool cancelled = false;

    // "shift/<name>/k<k>" and "intervene/<setting>/<metric>": the scalars of the run's logs.
    Scalars toScalars() const;
};

struct DiagnosisContext {
    const RunConfig& config;
    GuidedTeacher& teacher;
    const StudentPolicy& policy;
    DistillationMethod& method;
    const DataSource& data;
    torch::Device device;
    SampleQualityScorer* scorer = nullptr; // images: FID etc. and the evaluator's features
    int64_t chunk = 16; // samples per network pass (runtime/device.h's sampleChunk)
};

Diagnosis diagnoseStudent(const DiagnosisContext& context, DenoiserNet& student,
    const DiagnoseOptions& options, const CancelToken* cancel = nullptr);

} // namespace ddil
