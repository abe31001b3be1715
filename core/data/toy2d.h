#pragma once
// Built-in 2-D toy distributions, scaled to lie within about [-1, 1]^2, each with class labels
// (checkerboard: which of the 8 squares; eight Gaussians: which mode; two moons: which moon;
// swiss roll: which quarter of the roll).

#include "core/data/data_source.h"

namespace ddil {

class Toy2dSource final : public DataSource {
public:
    explicit Toy2dSource(ToyDistribution distribution);

    LabeledBatch sample(int64_t count, torch::Generator& generator) const override;
    int64_t numClasses() const override;
    std::vector<int64_t> sampleShape() const override { return { 2 }; }
    std::string describe() const override;

    // Checkerboard geometry, for tests: 4 x 4 cells of side 0.5 on [-1, 1]^2, squares where
    // (column + row) is even.
    static constexpr double kCheckerCell = 0.5;
    static constexpr double kGaussianRadius = 0.8;
    static constexpr double kGaussianStd = 0.07;

private:
    ToyDistribution m_distribution;
};

} // namespace ddil
