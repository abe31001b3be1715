#include "core/metrics/statistics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ddil {

namespace {
// The continued fraction of the regularised incomplete beta function (Lentz's method).
double betaContinuedFraction(double a, double b, double x)
{
    constexpr double kTiny = 1e-300, kEps = 1e-15;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::abs(d) < kTiny)
        d = kTiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10'000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1.0 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = 1.0 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1.0 / d;
        const double step = d * c;
        h *= step;
        if (std::abs(step - 1.0) < kEps)
            break;
    }
    return h;
}

// I_x(a, b).
double regularisedIncompleteBeta(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b)
        + a * std::log(x) + b * std::log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * betaContinuedFraction(a, b, x) / a;
    return 1.0 - front * betaContinuedFraction(b, a, 1.0 - x) / b;
}
} // namespace

double mean(const std::vector<double>& values)
{
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    double s = 0.0;
    for (double v : values)
        s += v;
    return s / static_cast<double>(values.size());
}

double sampleSd(const std::vector<double>& values)
{
    if (values.size() < 2)
        return 0.0;
    const double m = mean(values);
    double s = 0.0;
    for (double v : values)
        s += (v - m) * (v - m);
    return std::sqrt(s / static_cast<double>(values.size() - 1));
}

double studentTCdf(double t, double df)
{
    if (!(df > 0.0))
        throw std::invalid_argument("Student t: degrees of freedom must be positive");
    const double tail = 0.5 * regularisedIncompleteBeta(0.5 * df, 0.5, df / (df + t * t));
    return t >= 0.0 ? 1.0 - tail : tail;
}

double studentTQuantile(double p, double df)
{
    if (!(p > 0.0 && p < 1.0))
        throw std::invalid_argument("Student t quantile: p must lie in (0, 1)");
    if (p < 0.5)
        return -studentTQuantile(1.0 - p, df);
    double lo = 0.0, hi = 1.0;
    while (studentTCdf(hi, df) < p)
        hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (studentTCdf(mid, df) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

WelchInterval welchInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence)
{
    WelchInterval out;
    out.difference = mean(a) - mean(b);
    if (a.size() < 2 || b.size() < 2)
        return out;
    const double va = sampleSd(a) * sampleSd(a) / static_cast<double>(a.size());
    const double vb = sampleSd(b) * sampleSd(b) / static_cast<double>(b.size());
    const double se2 = va + vb;
    if (!(se2 > 0.0))
        return out;
    out.df = se2 * se2
        / (va * va / static_cast<double>(a.size() - 1)
            + vb * vb / static_cast<double>(b.size() - 1));
    out.standardError = std::sqrt(se2);
    const double critical = studentTQuantile(0.5 + 0.5 * confidence, out.df);
    const double half = critical * out.standardError;
    out.detectable = (critical + studentTQuantile(0.8, out.df)) * out.standardError;
    out.low = out.difference - half;
    out.high = out.difference + half;
    out.defined = true;
    return out;
}

} // namespace ddil
