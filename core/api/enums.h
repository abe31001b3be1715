#pragma once
// Every enum of the config format, each with one table mapping values to their JSON strings.
// Torch-free: the GUI fills its combo boxes from these tables.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ddil {

enum class Task { Teacher, Evaluator, Distill };
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
// The precision of training's forward passes: float32, or autocast to bfloat16 (matrix products
// and convolutions in bf16; weights, optimiser, reductions and losses in float32).
enum class Precision { Fp32, Bf16 };
// The base distillation method DDIL plugs into (DDIL.md §4).
enum class DistillMethod { Progressive, Consistency, Dmd2 };
// Progressive distillation's loss weight w(lambda): max(e^lambda, 1) or e^lambda + 1.
enum class PdWeighting { TruncatedSnr, SnrPlusOne };
// Consistency distillation's distance: squared error or pseudo-Huber sqrt(d^2 + c^2) - c.
enum class ConsistencyLoss { L2, PseudoHuber };
// How the DDIL priors move over training: fixed, or beta_student ramped up from 0 (DAgger).
enum class BetaSchedule { Constant, RampStudent };
// Which x0 estimates the reflected formulation projects.
enum class ReflectTarget { Teacher, Student, Both };
// Which replay-buffer entries a refresh overwrites: the oldest first, or random ones.
enum class BufferReplacement { Oldest, Random };
// How p_teach moves over training: fixed, or DAgger's linear decay from p_teach to 0.
enum class PTeachSchedule { Constant, LinearDecay };
// The guidance scale of DDIL's rollouts: the one the method trains with (LCM: w drawn from
// [w_min, w_max] per rollout; PD, DMD2: distill.guidance.scale), or a fixed one.
enum class RolloutGuidance { Method, Fixed };
// Where the student source's states come from: a replay buffer refreshed every R steps, or a
// fresh rollout of the current student at every draw (on-policy: DMD2's backward simulation).
enum class StudentRollouts { Buffered, Fresh };
// What DMD2's fake-score critic is trained on: the generator's outputs on states drawn from the
// same DDIL mixture as the generator's, or on the student's own fresh rollouts only.
enum class CriticSources { Mixture, Student };

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

DDIL_ENUM_TABLE(Task, 3, { Task::Teacher, "teacher" }, { Task::Evaluator, "evaluator" },
    { Task::Distill, "distill" })
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
DDIL_ENUM_TABLE(Precision, 2, { Precision::Fp32, "fp32" }, { Precision::Bf16, "bf16" })

DDIL_ENUM_TABLE(DistillMethod, 3, { DistillMethod::Progressive, "pd" },
    { DistillMethod::Consistency, "lcm" }, { DistillMethod::Dmd2, "dmd2" })
DDIL_ENUM_TABLE(PdWeighting, 2, { PdWeighting::TruncatedSnr, "truncated_snr" },
    { PdWeighting::SnrPlusOne, "snr_plus_one" })
DDIL_ENUM_TABLE(ConsistencyLoss, 2, { ConsistencyLoss::L2, "l2" },
    { ConsistencyLoss::PseudoHuber, "pseudo_huber" })
DDIL_ENUM_TABLE(BetaSchedule, 2, { BetaSchedule::Constant, "constant" },
    { BetaSchedule::RampStudent, "ramp_student" })
DDIL_ENUM_TABLE(ReflectTarget, 3, { ReflectTarget::Teacher, "teacher" },
    { ReflectTarget::Student, "student" }, { ReflectTarget::Both, "both" })
DDIL_ENUM_TABLE(BufferReplacement, 2, { BufferReplacement::Oldest, "oldest" },
    { BufferReplacement::Random, "random" })
DDIL_ENUM_TABLE(PTeachSchedule, 2, { PTeachSchedule::Constant, "constant" },
    { PTeachSchedule::LinearDecay, "linear_decay" })
DDIL_ENUM_TABLE(
    RolloutGuidance, 2, { RolloutGuidance::Method, "method" }, { RolloutGuidance::Fixed, "fixed" })
DDIL_ENUM_TABLE(StudentRollouts, 2, { StudentRollouts::Buffered, "buffered" },
    { StudentRollouts::Fresh, "fresh" })
DDIL_ENUM_TABLE(
    CriticSources, 2, { CriticSources::Mixture, "mixture" }, { CriticSources::Student, "student" })

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
