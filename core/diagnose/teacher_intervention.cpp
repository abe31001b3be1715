#include "core/diagnose/teacher_intervention.h"

#include "core/diagnose/shift_diagnostics.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <sstream>

namespace ddil {

std::string Intervention::key() const
{
    if (!byProbability)
        return "j" + std::to_string(firstSteps);
    std::ostringstream out;
    out << "p" << pTeach;
    return out.str();
}

std::vector<Intervention> interventionGrid(int studentSteps)
{
    std::vector<Intervention> grid;
    for (int j = 0; j <= studentSteps; ++j)
        grid.push_back({ j, 0.0, false });
    for (double p : { 0.0, 0.25, 0.5, 0.75, 1.0 })
        grid.push_back({ 0, p, true });
    return grid;
}

InterventionSamples sampleWithIntervention(const StudentPolicy& policy, DenoiserNet& student,
    GuidedTeacher& teacher, const torch::Tensor& noise, const torch::Tensor& labels,
    const std::vector<double>& times, const Intervention& intervention, torch::Generator& generator)
{
    torch::NoGradGuard noGrad;
    student.eval();
    RolloutOptions options;
    options.teacher = &teacher;
    options.teacherFirstSteps = intervention.firstSteps;
    options.pTeach = intervention.pTeach;
    int64_t teacherSteps = 0;
    InterventionSamples out;
    out.x0 = overChunks(noise, labels, [&](const auto& z, const auto& y) {
        const auto rollout = rolloutStudent(policy, student, z, y, times, generator, options);
        teacherSteps += rollout.teacherSteps;
        return rollout.x0.to(torch::kCPU);
    });
    const double total = double(noise.size(0)) * double(times.size() - 1);
    out.teacherShare = total > 0 ? double(teacherSteps) / total : 0.0;
    return out;
}

} // namespace ddil
