#pragma once
// Small-sample statistics for comparing runs over seeds: mean, sample standard deviation, the
// Student t quantile and Welch's confidence interval for a difference of means. Torch-free.

#include <vector>

namespace ddil {

double mean(const std::vector<double>& values); // NaN when empty
double sampleSd(const std::vector<double>& values); // n - 1 in the denominator; 0 below 2 values

// P(T <= t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom.
double studentTCdf(double t, double df);
// The t with P(T <= t) = p, 0 < p < 1.
double studentTQuantile(double p, double df);

struct WelchInterval {
    double difference = 0.0; // mean(a) - mean(b)
    double low = 0.0;
    double high = 0.0;
    double df = 0.0; // Welch-Satterthwaite degrees of freedom
    double standardError = 0.0; // sqrt(sa^2/na + sb^2/nb)
    // The smallest true difference this design detects (interval excluding 0) with 80% power,
    // at these spreads and sizes: (t(1 - alpha/2; df) + t(0.8; df)) x standard error.
    double detectable = 0.0;
    bool defined = false; // both groups have 2 or more values and some spread
    bool excludesZero() const { return defined && (low > 0.0 || high < 0.0); }
};

// The `confidence` (e.g. 0.95) interval of mean(a) - mean(b) without assuming equal variances:
// difference +- t(df) sqrt(sa^2/na + sb^2/nb), df = (sa^2/na + sb^2/nb)^2 /
// ((sa^2/na)^2/(na-1) + (sb^2/nb)^2/(nb-1)).
WelchInterval welchInterval(
    const std::vector<double>& a, const std::vector<double>& b, double confidence = 0.95);

} // namespace ddil
