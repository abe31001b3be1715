#pragma once
// Task "distill": trains a few-step student of a teacher checkpoint with one of the base methods
// (PD, LCM, DMD2) on DDIL's training distribution. The student starts as the teacher; the base
// Trainer owns the student, its EMA and its optimiser; the method owns everything else.

#include "core/api/live_settings.h"
#include "core/data/data_source.h"
#include "core/diagnose/student_diagnostics.h"
#include "core/distill/distillation_method.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/state_source.h"
#include "core/distill/student_policy.h"
#include "core/models/denoiser_net.h"
#include "core/train/teacher_loading.h"
#include "core/train/trainer.h"

#include <torch/types.h>

#include <memory>
#include <optional>

namespace ddil {

class SampleQualityScorer;

// Where the time of distillation steps goes (seconds summed since construction).
struct DistillCosts {
    double sourceSeconds = 0.0; // drawing input states, buffer refreshes included
    double refreshSeconds = 0.0; // of which: teacher trajectories and student rollouts
    double lossSeconds = 0.0; // the method's loss: teacher targets, student forward, aux updates
    double teacherSeconds = 0.0; // teacher evaluations (targets and rollouts)
    int64_t teacherImages = 0; // images the teacher evaluated
    int64_t auxImages = 0; // images the method's own networks evaluated
};

class DistillTrainer final : public Trainer {
public:
    // `config` must be resolved (resolveRunConfig). Loads the data and the teacher's weights: the
    // only place a distillation run loads them.
    DistillTrainer(const RunConfig& config, torch::Device device,
        std::shared_ptr<const DataParallel> parallel = nullptr);
    ~DistillTrainer() override;

    void setLiveSettings(LiveSettings* live) { m_live = live; }

    DenoiserNet& student() { return *m_student; }
    DenoiserNet& studentEma() { return *m_ema; }
    GuidedTeacher& teacher() { return *m_teacher; }
    DistillationMethod& method() { return *m_method; }
    DdilStateSource& source() { return *m_source; }
    const StudentPolicy& policy() const { return *m_policy; }
    const DataSource& data() const { return *m_data; }
    DistillCosts costs() const;
    // Covariate shift, loss gap and teacher intervention of the EMA student (the sampled one).
    Diagnosis diagnose(const DiagnoseOptions& options, const CancelToken* cancel = nullptr);
    // The EMA student at each step count and the teacher at M steps from one noise batch; the
    // teacher's set is computed once per seed and count (it is frozen).
    std::optional<Snapshot> takeSnapshot(const SnapshotOptions& options) override;

protected:
    StepLoss computeLoss() override;
    void afterStep() override;
    Scalars applyLiveChanges() override;
    // Applies a mixture setting to the source, the buffers and the reflection (normalising its
    // beta in place); returns the scalars that log it, or ddil/rejected_change when invalid.
    Scalars applyMixture(MixtureSnapshot& mixture);
    void saveExtraState(torch::serialize::OutputArchive& archive) override;
    void loadExtraState(torch::serialize::InputArchive& archive) override;
    // The EMA student sampled with its N-step sampler. 2-D data: sliced Wasserstein and MMD to
    // real data (with floors) and to the teacher's M-step samples from the same noise, beside
    // the undistilled teacher sampled with N steps. Images: the image metrics. Both: the
    // imitation distance to the teacher's M-step samples of the same noise (eval/imitation_rmse).
    Evaluation evaluateWithSamples(const CancelToken* cancel) override;
    void writeSamples(RunFolder& folder, const Evaluation& evaluation, bool final) override;

private:
    // The projection the reflected formulation gives the teacher (none unless it applies to it).
    static ProjectionSpec teacherProjection(const DistillConfig& distill);
    Evaluation evaluateSamples(const CancelToken* cancel);
    // The teacher's M-step samples of (noise, labels), from the cache directory when the same
    // teacher, guidance, projection, noise and labels were sampled before. Undefined: cancelled.
    torch::Tensor teacherSamplesCached(
        const torch::Tensor& noise, const torch::Tensor& labels, const CancelToken* cancel);
    // The image metrics' scorer (made on first use); null for 2-D data or without an extractor.
    SampleQualityScorer* scorer();

    std::unique_ptr<DataSource> m_data;
    std::shared_ptr<DenoiserNet> m_student;
    std::shared_ptr<DenoiserNet> m_ema;
    std::shared_ptr<DenoiserNet> m_teacherNet;
    std::unique_ptr<GuidedTeacher> m_teacher;
    std::unique_ptr<StudentPolicy> m_policy;
    std::unique_ptr<DistillationMethod> m_method;
    std::unique_ptr<DdilStateSource> m_source;
    std::unique_ptr<SampleQualityScorer> m_scorer;
    LiveSettings* m_live = nullptr;
    std::size_t m_nextChange = 0; // the next entry of distill.ddil.changes to apply
    double m_sourceSeconds = 0.0;
    double m_lossSeconds = 0.0;
    // 2-D data: the teacher's M-step and N-step samples of the evaluation noise (computed once).
    // The teacher's few-step samples use the student's current step count (PD rounds change it).
    torch::Tensor m_teacherReference, m_teacherFewStep;
    int m_teacherFewStepCount = 0;
    uint64_t m_teacherFileHash = 0; // of distill.teacher's file, from its one full read
    std::optional<SampleSet> m_snapshotTeacher; // for m_snapshotKey
    std::pair<uint64_t, int> m_snapshotKey { 0, 0 };
};

} // namespace ddil
