#pragma once
// Variance-preserving noise schedules on continuous time t in [0, 1]:
// x_t = alpha_t x0 + sigma_t eps, alpha_t^2 + sigma_t^2 = 1, logSnr = log(alpha^2 / sigma^2).
// Both kinds are defined through logSnr(t), clipped to [logSnrMin, logSnrMax] so the ends stay
// finite; alpha = sqrt(sigmoid(logSnr)), sigma = sqrt(sigmoid(-logSnr)).

#include "core/api/config.h"

#include <torch/types.h>

namespace ddil {

class VpSchedule {
public:
    // Nichol & Dhariwal 2021 cosine, in the logSNR form of Kingma et al. 2021 / Hoogeboom et al.
    // 2023: logSnr(t) = -2 log tan(a t + b), so alpha = cos(a t + b), sigma = sin(a t + b).
    static VpSchedule cosine(double logSnrMin = -15.0, double logSnrMax = 15.0);
    // Song et al. 2021 continuous DDPM: log alpha^2 = -(t^2 (betaMax - betaMin) / 2 + t betaMin).
    static VpSchedule linear(double betaMin = 0.1, double betaMax = 20.0, double logSnrMin = -15.0,
        double logSnrMax = 15.0);
    static VpSchedule fromConfig(const DiffusionConfig& config);

    ScheduleKind kind() const { return m_kind; }

    double logSnr(double t) const;
    double alpha(double t) const;
    double sigma(double t) const;
    // Inverses; logSnr is clipped first, so they return t in [0, 1].
    double tFromLogSnr(double logSnr) const;
    double tFromAlpha(double alpha) const;
    double tFromSigma(double sigma) const;

    // Elementwise on a tensor of times (any shape, floating dtype); results share its dtype.
    torch::Tensor logSnr(const torch::Tensor& t) const;
    torch::Tensor alpha(const torch::Tensor& t) const;
    torch::Tensor sigma(const torch::Tensor& t) const;

    double logSnrMin() const { return m_logSnrMin; }
    double logSnrMax() const { return m_logSnrMax; }

private:
    VpSchedule() = default;
    double unclippedLogSnr(double t) const;

    ScheduleKind m_kind = ScheduleKind::Cosine;
    double m_logSnrMin = -15.0;
    double m_logSnrMax = 15.0;
    double m_a = 0.0, m_b = 0.0; // cosine: angle = a t + b
    double m_betaMin = 0.1, m_betaMax = 20.0; // linear
};

// logSnr <-> alpha, sigma (closed forms shared by all schedules).
double alphaFromLogSnr(double logSnr);
double sigmaFromLogSnr(double logSnr);
double logSnrFromAlpha(double alpha);

} // namespace ddil
