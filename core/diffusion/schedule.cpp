#include "core/diffusion/schedule.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ddil {

namespace {
double sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
}
} // namespace

double alphaFromLogSnr(double logSnr)
{
    return std::sqrt(sigmoid(logSnr));
}
double sigmaFromLogSnr(double logSnr)
{
    return std::sqrt(sigmoid(-logSnr));
}
double logSnrFromAlpha(double alpha)
{
    const double a2 = alpha * alpha;
    return std::log(a2) - std::log1p(-a2);
}

VpSchedule VpSchedule::cosine(double logSnrMin, double logSnrMax)
{
    if (!(logSnrMin < logSnrMax))
        throw std::invalid_argument("cosine schedule: logSnrMin must be below logSnrMax");
    VpSchedule s;
    s.m_kind = ScheduleKind::Cosine;
    s.m_logSnrMin = logSnrMin;
    s.m_logSnrMax = logSnrMax;
    // logSnr(0) = logSnrMax and logSnr(1) = logSnrMin.
    s.m_b = std::atan(std::exp(-0.5 * logSnrMax));
    s.m_a = std::atan(std::exp(-0.5 * logSnrMin)) - s.m_b;
    return s;
}

VpSchedule VpSchedule::linear(double betaMin, double betaMax, double logSnrMin, double logSnrMax)
{
    if (!(betaMin < betaMax) || betaMin <= 0)
        throw std::invalid_argument("linear schedule: need 0 < betaMin < betaMax");
    if (!(logSnrMin < logSnrMax))
        throw std::invalid_argument("linear schedule: logSnrMin must be below logSnrMax");
    VpSchedule s;
    s.m_kind = ScheduleKind::Linear;
    s.m_betaMin = betaMin;
    s.m_betaMax = betaMax;
    s.m_logSnrMin = logSnrMin;
    s.m_logSnrMax = logSnrMax;
    return s;
}

VpSchedule VpSchedule::fromConfig(const DiffusionConfig& c)
{
    switch (c.schedule) {
    case ScheduleKind::Cosine:
        return cosine(c.logsnr_min, c.logsnr_max);
    case ScheduleKind::Linear:
        return linear(c.beta_min, c.beta_max, c.logsnr_min, c.logsnr_max);
    }
    throw std::logic_error("unknown schedule kind");
}

double VpSchedule::unclippedLogSnr(double t) const
{
    if (m_kind == ScheduleKind::Cosine)
        return -2.0 * std::log(std::tan(m_a * t + m_b));
    const double logAlpha2 = -(0.5 * t * t * (m_betaMax - m_betaMin) + t * m_betaMin);
    return logAlpha2 - std::log(-std::expm1(logAlpha2));
}

double VpSchedule::logSnr(double t) const
{
    return std::clamp(unclippedLogSnr(t), m_logSnrMin, m_logSnrMax);
}

double VpSchedule::alpha(double t) const
{
    return alphaFromLogSnr(logSnr(t));
}
double VpSchedule::sigma(double t) const
{
    return sigmaFromLogSnr(logSnr(t));
}

double VpSchedule::tFromLogSnr(double lambda) const
{
    lambda = std::clamp(lambda, m_logSnrMin, m_logSnrMax);
    double t;
    if (m_kind == ScheduleKind::Cosine) {
        t = (std::atan(std::exp(-0.5 * lambda)) - m_b) / m_a;
    } else {
        // Solve (betaMax - betaMin)/2 t^2 + betaMin t + log alpha^2 = 0 for t >= 0.
        const double logAlpha2 = -std::log1p(std::exp(-lambda)); // log sigmoid(lambda)
        const double d = m_betaMax - m_betaMin;
        t = (-m_betaMin + std::sqrt(m_betaMin * m_betaMin - 2.0 * d * logAlpha2)) / d;
    }
    return std::clamp(t, 0.0, 1.0);
}

double VpSchedule::tFromAlpha(double alpha) const
{
    return tFromLogSnr(logSnrFromAlpha(alpha));
}

double VpSchedule::tFromSigma(double sigma) const
{
    return tFromAlpha(std::sqrt(std::max(0.0, 1.0 - sigma * sigma)));
}

torch::Tensor VpSchedule::logSnr(const torch::Tensor& t) const
{
    torch::Tensor lambda;
    if (m_kind == ScheduleKind::Cosine) {
        lambda = -2.0 * torch::log(torch::tan(m_a * t + m_b));
    } else {
        const auto logAlpha2 = -(0.5 * (m_betaMax - m_betaMin) * t * t + m_betaMin * t);
        lambda = logAlpha2 - torch::log(-torch::expm1(logAlpha2));
    }
    return lambda.clamp(m_logSnrMin, m_logSnrMax);
}

torch::Tensor VpSchedule::alpha(const torch::Tensor& t) const
{
    return torch::sigmoid(logSnr(t)).sqrt();
}
torch::Tensor VpSchedule::sigma(const torch::Tensor& t) const
{
    return torch::sigmoid(-logSnr(t)).sqrt();
}

} // namespace ddil
