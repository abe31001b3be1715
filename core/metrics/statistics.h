#pragma once
// Small-sample statistics for comparing runs over seeds: mean, sample standard deviation, the
// Student t and chi-square quantiles, Welch's and the paired confidence interval for a
// difference of means, and Holm's adjustment for many comparisons. Torch-free.

#include <vector>

namespace ddil {

double mean(const std::vector<double>& values); // NaN when empty
double sampleSd(const std::vector<double>& values); // n - 1 in the denominator; 0 below 2 values

// P(T <= t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom.
double studentTCdf(double t, double df);
// The t with P(T <= t) = p, 0 < p < 1.
double studentTQuantile(double p, double df);

// Which interval a difference of means carries: Welch's (independent groups, unequal
// variances) or the paired t interval (the groups' values pair up, here by training seed with a
// shared evaluation: the mean of the per-pair differences).
enum class IntervalKind { Welch, Paired };

struct DifferenceInterval {
    IntervalKind kind = IntervalKind::Welch;
    double difference = 0.0; // mean(a) - mean(b)
    double low = 0.0;
    double high = 0.0;
    double df = 0.0; // Welch-Satterthwaite, or pairs - 1
    double standardError = 0.0; // sqrt(sa^2/na + sb^2/nb), or sd(a - b) / sqrt(pairs)
    double pValue = 1.0; // two-sided, of "no difference"
    // The smallest true difference this design detects (interval excluding 0) with 80% power,
    // at these spreads and sizes: (t(1 - alpha/2; df) + t(0.8; df)) x standard error. The
    // standard error is itself estimated from few seeds: detectableLow/High is the `confidence`
    // interval of that smallest difference from the chi-square interval of the variance (df
    // degrees of freedom, Satterthwaite's approximation for Welch).
    double detectable = 0.0;
    double detectableLow = 0.0;
    double detectableHigh = 0.0;
    int pairs = 0; // Paired: the number of pairs
    bool defined = false; // enough values (2 per group, or 2 pairs) and some spread
    bool excludesZero() const { return defined && (low > 0.0 || high < 0.0); }
};

// The `confidence` (e.g. 0.95) interval of mean(a) - mean(b) without assuming equal variances:
// difference +- t(df) sqrt(sa^2/na + sb^2/nb), df = (sa^2/na + sb^2/nb)^2 /
// ((sa^2/na)^2/(na-1) + (sb^2/nb)^2/(nb-1)).
DifferenceInterval welchInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence = 0.95);
// The paired interval: a[i] and b[i] are one pair (same size, 2 or more): mean(d) +-
// t(n - 1) sd(d) / sqrt(n) with d = a - b. Throws std::invalid_argument on unequal sizes.
DifferenceInterval pairedInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence = 0.95);

// The x with P(X <= x) = p for a chi-square variable with `df` (> 0) degrees of freedom.
double chiSquareQuantile(double p, double df);

// Holm's step-down adjustment of m p-values (family-wise error): sorted ascending, p_(i) becomes
// max over j <= i of min(1, (m - j + 1) p_(j)); returned in the input's order. NaN (no test)
// stays NaN and does not count in m.
std::vector<double> holmAdjusted(const std::vector<double>& pValues);

} // namespace ddil
