#include "core/metrics/statistics.h"

#include <algorithm>
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

namespace {
// P(a, x), the regularised lower incomplete gamma function (series below a + 1, Lentz's
// continued fraction for the upper tail above).
double regularisedGammaP(double a, double x)
{
    if (x <= 0.0)
        return 0.0;
    const double logFront = -x + a * std::log(x) - std::lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 10'000 && std::abs(term) > std::abs(sum) * 1e-16; ++n) {
            term *= x / (a + n);
            sum += term;
        }
        return sum * std::exp(logFront);
    }
    constexpr double kTiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 10'000; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        d = std::abs(d) < kTiny ? kTiny : d;
        c = b + an / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        d = 1.0 / d;
        const double step = d * c;
        h *= step;
        if (std::abs(step - 1.0) < 1e-16)
            break;
    }
    return 1.0 - std::exp(logFront) * h;
}

// The interval, p-value and smallest detectable difference of `difference` with this standard
// error and degrees of freedom.
void fillInterval(DifferenceInterval& out, double confidence)
{
    const double critical = studentTQuantile(0.5 + 0.5 * confidence, out.df);
    const double half = critical * out.standardError;
    out.low = out.difference - half;
    out.high = out.difference + half;
    out.pValue = 2.0 * studentTCdf(-std::abs(out.difference / out.standardError), out.df);
    out.detectable = (critical + studentTQuantile(0.8, out.df)) * out.standardError;
    // df s^2 / sigma^2 ~ chi-square(df): sigma lies in s sqrt(df / chi2(1 -+ alpha/2)).
    const double alpha = 1.0 - confidence;
    out.detectableLow
        = out.detectable * std::sqrt(out.df / chiSquareQuantile(1.0 - alpha / 2, out.df));
    out.detectableHigh = out.detectable * std::sqrt(out.df / chiSquareQuantile(alpha / 2, out.df));
    out.defined = true;
}
} // namespace

double chiSquareQuantile(double p, double df)
{
    if (!(p > 0.0 && p < 1.0))
        throw std::invalid_argument("chi-square quantile: p must lie in (0, 1)");
    if (!(df > 0.0))
        throw std::invalid_argument("chi-square: degrees of freedom must be positive");
    double lo = 0.0, hi = std::max(1.0, df);
    while (regularisedGammaP(0.5 * df, 0.5 * hi) < p)
        hi *= 2.0;
    for (int i = 0; i < 300 && hi - lo > 1e-13 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (regularisedGammaP(0.5 * df, 0.5 * mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

DifferenceInterval welchInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence)
{
    DifferenceInterval out;
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
    fillInterval(out, confidence);
    return out;
}

DifferenceInterval pairedInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence)
{
    if (a.size() != b.size())
        throw std::invalid_argument("paired interval: the groups differ in size");
    DifferenceInterval out;
    out.kind = IntervalKind::Paired;
    out.pairs = static_cast<int>(a.size());
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); ++i)
        d[i] = a[i] - b[i];
    out.difference = mean(d);
    if (d.size() < 2 || !(sampleSd(d) > 0.0))
        return out;
    out.df = static_cast<double>(d.size() - 1);
    out.standardError = sampleSd(d) / std::sqrt(static_cast<double>(d.size()));
    fillInterval(out, confidence);
    return out;
}

std::vector<double> holmAdjusted(const std::vector<double>& pValues)
{
    std::vector<size_t> order;
    for (size_t i = 0; i < pValues.size(); ++i)
        if (!std::isnan(pValues[i]))
            order.push_back(i);
    std::stable_sort(
        order.begin(), order.end(), [&](size_t x, size_t y) { return pValues[x] < pValues[y]; });
    std::vector<double> out(pValues.size(), std::numeric_limits<double>::quiet_NaN());
    const double m = static_cast<double>(order.size());
    double running = 0.0;
    for (size_t j = 0; j < order.size(); ++j) {
        running
            = std::max(running, std::min(1.0, (m - static_cast<double>(j)) * pValues[order[j]]));
        out[order[j]] = running;
    }
    return out;
}

} // namespace ddil
