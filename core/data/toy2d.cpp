#include "core/data/toy2d.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace ddil {

namespace {
const auto kF32 = torch::TensorOptions().dtype(torch::kFloat32);
const auto kI64 = torch::TensorOptions().dtype(torch::kInt64);
} // namespace

Toy2dSource::Toy2dSource(ToyDistribution distribution)
    : m_distribution(distribution)
{
}

int64_t Toy2dSource::numClasses() const
{
    switch (m_distribution) {
    case ToyDistribution::Checkerboard:
    case ToyDistribution::EightGaussians:
        return 8;
    case ToyDistribution::TwoMoons:
        return 2;
    case ToyDistribution::SwissRoll:
        return 4;
    }
    return 1;
}

std::string Toy2dSource::describe() const
{
    return "toy2d/" + toString(m_distribution);
}

LabeledBatch Toy2dSource::sample(int64_t n, torch::Generator& gen) const
{
    torch::NoGradGuard noGrad;
    switch (m_distribution) {
    case ToyDistribution::Checkerboard: {
        // The 8 dark squares of a 4 x 4 board: (col + row) even.
        const auto square = torch::randint(8, { n }, gen, kI64);
        const auto row = torch::div(square, 2, "floor");
        const auto col = 2 * torch::remainder(square, 2) + torch::remainder(row, 2);
        const auto u = torch::rand({ n, 2 }, gen, kF32);
        const auto x = -1.0 + kCheckerCell * (col.to(torch::kFloat32) + u.select(1, 0));
        const auto y = -1.0 + kCheckerCell * (row.to(torch::kFloat32) + u.select(1, 1));
        return { torch::stack({ x, y }, 1), square };
    }
    case ToyDistribution::EightGaussians: {
        const auto mode = torch::randint(8, { n }, gen, kI64);
        const auto angle = mode.to(torch::kFloat32) * (2.0 * M_PI / 8.0);
        const auto centers
            = kGaussianRadius * torch::stack({ torch::cos(angle), torch::sin(angle) }, 1);
        return { centers + kGaussianStd * torch::randn({ n, 2 }, gen, kF32), mode };
    }
    case ToyDistribution::TwoMoons: {
        const auto moon = torch::randint(2, { n }, gen, kI64);
        const auto theta = M_PI * torch::rand({ n }, gen, kF32);
        const auto isLower = moon.to(torch::kFloat32);
        // Upper moon (cos, sin); lower moon (1 - cos, 0.5 - sin); centred and scaled by 0.6.
        const auto px = torch::cos(theta) * (1 - 2 * isLower) + isLower;
        const auto py = torch::sin(theta) * (1 - 2 * isLower) + 0.5 * isLower;
        auto pts = 0.6 * torch::stack({ px - 0.5, py - 0.25 }, 1);
        return { pts + 0.03 * torch::randn({ n, 2 }, gen, kF32), moon };
    }
    case ToyDistribution::SwissRoll: {
        const auto u = torch::rand({ n }, gen, kF32);
        const auto theta = 1.5 * M_PI * (1 + 2 * u);
        const auto pts = torch::stack({ theta * torch::cos(theta), theta * torch::sin(theta) }, 1)
            / (4.5 * M_PI);
        const auto quarter = torch::clamp(torch::floor(4 * u), 0, 3).to(torch::kInt64);
        return { pts + 0.02 * torch::randn({ n, 2 }, gen, kF32), quarter };
    }
    }
    throw std::logic_error("unknown toy distribution");
}

} // namespace ddil
