#pragma once
// Teacher intervention at inference: the student samples with the teacher taking over either
// the first j of its N steps (j = 0: the student alone, j = N: the teacher alone on the
// student's grid) or each step with probability p. The samples of every setting start from the
// same noise, so differences come only from who takes which step.

#include <torch/types.h>

#include <string>
#include <vector>

namespace ddil {

class DenoiserNet;
class GuidedTeacher;
class StudentPolicy;

struct Intervention {
    int firstSteps = 0; // the teacher takes the first j steps
    double pTeach = 0.0; // or each step with this probability (firstSteps = 0)
    bool byProbability = false;

    // "j2" or "p0.25": the setting's name in logs.
    std::string key() const;
};

// j = 0 ... N, then p in {0, 0.25, 0.5, 0.75, 1}.
std::vector<Intervention> interventionGrid(int studentSteps);

struct InterventionSamples {
    torch::Tensor x0; // (M, ...) on the CPU
    double teacherShare = 0.0; // share of the M x N steps the teacher took
};

// Samples `noise` (M, ...) with the intervention through the one student sampler, `chunk`
// samples per pass on `device`; the teacher's steps are its M-step DDIM between the student's
// times. Re-noising and the probability draws come from `generator`.
InterventionSamples sampleWithIntervention(const StudentPolicy& policy, DenoiserNet& student,
    GuidedTeacher& teacher, const torch::Tensor& noise, const torch::Tensor& labels,
    const std::vector<double>& times, const Intervention& intervention, torch::Generator& generator,
    torch::Device device, int64_t chunk);

} // namespace ddil
