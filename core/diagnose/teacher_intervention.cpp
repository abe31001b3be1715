#include "core/diagnose/teacher_intervention.h"

#include "core/sampling/student_sampler.h"

#include <torch/types.h>

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
    const std::vector<double>& times, const Intervention& intervention, torch::Generator& generator,
    torch::Device device, int64_t chunk)
{
    StudentSampling sampling;
    sampling.chunk = chunk;
    sampling.rollout.teacher = &teacher;
    sampling.rollout.teacherFirstSteps = intervention.firstSteps;
    sampling.rollout.pTeach = intervention.pTeach;
    const auto samples
        = sampleStudent(policy, student, noise, labels, times, generator, device, sampling);
    const double total = double(noise.size(0)) * double(times.size() - 1);
    return { samples.x0, total > 0 ? double(samples.teacherSteps) / total : 0.0 };
}

} // namespace ddil
