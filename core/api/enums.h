#pragma once
// Every enum of the config format, each with one table mapping values to their JSON strings.
// Torch-free: the GUI fills its combo boxes from these tables.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ddil {

enum class Task { Teacher, Evaluator };
enum class DataKind { Toy2d, FashionMnist, Idx, ImageFolder };
enum class DataSplit { Train, Test };
enum class ToyDistribution { Checkerboard, EightGaussians, TwoMoons, SwissRoll };
enum class ModelKind { Mlp, Unet, Classifier };
enum class ScheduleKind { Cosine, Linear };
enum class Prediction { Eps, X0, V };
// Ho & Salimans 2022: x_w = x_u + w (x_c - x_u), w = 1 is plain conditional sampling.
// "cond_plus_w" (used by e.g. Imagen code bases): x_w = x_c + w (x_c - x_u), w = 0 is conditional.
enum class GuidanceConvention { UncondPlusW, CondPlusW };
enum class OptimizerKind { Adam, AdamW };
// The projection of x0 estimates in the reflected formulation (DDIL.md §3).
enum class ProjectionKind { None, Static, Dynamic };
enum class Device { Auto, Cpu, Cuda };

template <class E>
struct EnumTable;

#define DDIL_ENUM_TABLE(E, N, ...)                                                                 \
    template <>                                                                                    \
    struct EnumTable<E> {                                                                          \
        static constexpr std::string_view typeName = #E;                                           \
        static constexpr std::array<std::pair<E, std::string_view>, N> entries {                   \
            { __VA_ARGS__ }                                                                        \
        };                                                                                         \
    };

DDIL_ENUM_TABLE(Task, 2, { Task::Teacher, "teacher" }, { Task::Evaluator, "evaluator" })
DDIL_ENUM_TABLE(DataKind, 4, { DataKind::Toy2d, "toy2d" },
    { DataKind::FashionMnist, "fashion_mnist" }, { DataKind::Idx, "idx" },
    { DataKind::ImageFolder, "image_folder" })
DDIL_ENUM_TABLE(DataSplit, 2, { DataSplit::Train, "train" }, { DataSplit::Test, "test" })
DDIL_ENUM_TABLE(ToyDistribution, 4, { ToyDistribution::Checkerboard, "checkerboard" },
    { ToyDistribution::EightGaussians, "eight_gaussians" },
    { ToyDistribution::TwoMoons, "two_moons" }, { ToyDistribution::SwissRoll, "swiss_roll" })
DDIL_ENUM_TABLE(ModelKind, 3, { ModelKind::Mlp, "mlp" }, { ModelKind::Unet, "unet" },
    { ModelKind::Classifier, "classifier" })
DDIL_ENUM_TABLE(
    ScheduleKind, 2, { ScheduleKind::Cosine, "cosine" }, { ScheduleKind::Linear, "linear" })
DDIL_ENUM_TABLE(
    Prediction, 3, { Prediction::Eps, "eps" }, { Prediction::X0, "x0" }, { Prediction::V, "v" })
DDIL_ENUM_TABLE(GuidanceConvention, 2, { GuidanceConvention::UncondPlusW, "uncond_plus_w" },
    { GuidanceConvention::CondPlusW, "cond_plus_w" })
DDIL_ENUM_TABLE(
    OptimizerKind, 2, { OptimizerKind::Adam, "adam" }, { OptimizerKind::AdamW, "adamw" })
DDIL_ENUM_TABLE(ProjectionKind, 3, { ProjectionKind::None, "none" },
    { ProjectionKind::Static, "static" }, { ProjectionKind::Dynamic, "dynamic" })
DDIL_ENUM_TABLE(
    Device, 3, { Device::Auto, "auto" }, { Device::Cpu, "cpu" }, { Device::Cuda, "cuda" })

#undef DDIL_ENUM_TABLE

template <class E>
std::string toString(E value)
{
    for (const auto& [v, name] : EnumTable<E>::entries)
        if (v == value)
            return std::string(name);
    return "?";
}

template <class E>
std::optional<E> enumFromString(std::string_view text)
{
    for (const auto& [v, name] : EnumTable<E>::entries)
        if (name == text)
            return v;
    return std::nullopt;
}

// "a", "b" or "c": for error messages and help texts.
template <class E>
std::string enumChoices()
{
    std::string out;
    const auto& entries = EnumTable<E>::entries;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0)
            out += (i + 1 == entries.size()) ? " or " : ", ";
        out += '"';
        out += entries[i].second;
        out += '"';
    }
    return out;
}

} // namespace ddil
