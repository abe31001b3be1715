#include "core/checkpoint/strict_load.h"

#include "core/api/errors.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

#include <sstream>
#include <type_traits>

namespace ddil {

namespace {
bool finite(const torch::Tensor& t)
{
    return !t.is_floating_point() || torch::isfinite(t).all().item<bool>();
}

std::string typeAndSizes(const torch::Tensor& t)
{
    return std::string(c10::toString(t.scalar_type())) + " " + sizesText(t);
}

// The optimiser's state key of a parameter: its TensorImpl's address, written as text by LibTorch
// 1.x (the way c10::guts::to_string prints a pointer) and kept as the pointer by 2.x.
template <class Key>
Key stateKey(const torch::Tensor& p)
{
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream text;
        text << static_cast<const void*>(p.unsafeGetTensorImpl());
        return text.str();
    } else {
        return p.unsafeGetTensorImpl();
    }
}

// The moments of one parameter's Adam or AdamW state, by name, and its step count.
template <class State>
bool momentsOf(torch::optim::OptimizerParamState& state,
    std::vector<std::pair<const char*, torch::Tensor>>& moments, int64_t& step)
{
    auto* s = dynamic_cast<State*>(&state);
    if (!s)
        return false;
    moments = { { "exp_avg", s->exp_avg() }, { "exp_avg_sq", s->exp_avg_sq() },
        { "max_exp_avg_sq", s->max_exp_avg_sq() } };
    step = s->step();
    return true;
}
} // namespace

std::string sizesText(const torch::Tensor& t)
{
    std::string text = "[";
    for (const auto d : t.sizes())
        text += (text.size() > 1 ? ", " : "") + std::to_string(d);
    return text + "]";
}

std::string firstLine(const std::string& text)
{
    const auto pos = text.find('\n');
    return pos == std::string::npos ? text : text.substr(0, pos);
}

void loadModuleStrictly(
    torch::serialize::InputArchive& sub, torch::nn::Module& net, const std::string& what)
{
    const auto check = [&](const std::string& name, const torch::Tensor& expected, bool buffer) {
        torch::serialize::InputArchive* archive = &sub;
        std::vector<torch::serialize::InputArchive> path; // the nested archives down to the leaf
        path.reserve(name.size());
        std::size_t begin = 0;
        for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', begin)) {
            path.emplace_back();
            if (!archive->try_read(name.substr(begin, dot - begin), path.back()))
                throw CheckpointError(what + " have no " + name);
            archive = &path.back();
            begin = dot + 1;
        }
        torch::Tensor stored;
        if (!archive->try_read(name.substr(begin), stored, buffer))
            throw CheckpointError(what + " have no " + name);
        if (stored.sizes() != expected.sizes() || stored.scalar_type() != expected.scalar_type())
            throw CheckpointError(what + " do not fit the model: " + name + " is "
                + typeAndSizes(stored) + " in the file, the model needs " + typeAndSizes(expected));
        if (!finite(stored))
            throw CheckpointError(what + " are not finite: " + name + " holds NaN or Inf");
    };
    for (const auto& p : net.named_parameters())
        check(p.key(), p.value(), false);
    for (const auto& b : net.named_buffers())
        check(b.key(), b.value(), true);
    try {
        net.load(sub);
    } catch (const c10::Error& e) {
        throw CheckpointError(
            what + " do not fit the model: " + firstLine(e.what_without_backtrace()));
    }
}

void loadOptimizerStrictly(torch::serialize::InputArchive& sub, torch::optim::Optimizer& optimizer,
    const std::string& what, bool complete)
{
    try {
        optimizer.load(sub);
    } catch (const c10::Error&) { // LibTorch's assertion text would name its own sources
        throw CheckpointError(what
            + " is not an optimiser state this build can load (its structure, version or "
              "parameter groups do not match)");
    }
    using Key = typename std::decay_t<decltype(optimizer.state())>::key_type;
    int64_t index = 0;
    for (const auto& group : optimizer.param_groups()) {
        for (const auto& p : group.params()) {
            const std::string param = "parameter #" + std::to_string(index++);
            const auto found = optimizer.state().find(stateKey<Key>(p));
            if (found == optimizer.state().end()) {
                if (complete)
                    throw CheckpointError(
                        what + " is incomplete: " + param + " " + sizesText(p) + " has no moments");
                continue;
            }
            std::vector<std::pair<const char*, torch::Tensor>> moments;
            int64_t step = 0;
            if (!momentsOf<torch::optim::AdamParamState>(*found->second, moments, step)
                && !momentsOf<torch::optim::AdamWParamState>(*found->second, moments, step))
                throw CheckpointError(what + " is not Adam's or AdamW's");
            if (step < 0)
                throw CheckpointError(
                    what + ": " + param + " has a negative step count " + std::to_string(step));
            for (const auto& [name, m] : moments) {
                if (!m.defined())
                    continue; // max_exp_avg_sq without amsgrad
                if (m.sizes() != p.sizes() || m.scalar_type() != p.scalar_type())
                    throw CheckpointError(what + " does not fit the model: " + name + " of " + param
                        + " is " + typeAndSizes(m) + " in the file, the parameter is "
                        + typeAndSizes(p));
                if (!finite(m))
                    throw CheckpointError(
                        what + " is not finite: " + name + " of " + param + " holds NaN or Inf");
            }
        }
    }
}

void restoreGeneratorState(
    const torch::Tensor& state, at::Generator& generator, const std::string& what)
{
    const auto expected = generator.get_state();
    if (!state.defined() || state.scalar_type() != torch::kByte
        || state.sizes() != expected.sizes())
        throw CheckpointError(what + " is " + (state.defined() ? typeAndSizes(state) : "missing")
            + ", the generator's is " + typeAndSizes(expected));
    try {
        generator.set_state(state);
    } catch (const c10::Error&) {
        throw CheckpointError(what + " is not a valid generator state");
    }
}

void checkStoredTensor(const torch::Tensor& t, c10::ScalarType type,
    const std::vector<int64_t>& sizes, const std::string& what, const std::string& name)
{
    if (!t.defined())
        throw CheckpointError(what + " has no " + name);
    bool fits = t.scalar_type() == type && t.dim() == static_cast<int64_t>(sizes.size());
    for (size_t i = 0; fits && i < sizes.size(); ++i)
        fits = sizes[i] < 0 || t.size(static_cast<int64_t>(i)) == sizes[i];
    if (!fits) {
        std::string want = std::string(c10::toString(type)) + " [";
        for (size_t i = 0; i < sizes.size(); ++i)
            want += (i ? ", " : "") + (sizes[i] < 0 ? std::string("*") : std::to_string(sizes[i]));
        throw CheckpointError(
            what + ": " + name + " is " + typeAndSizes(t) + ", expected " + want + "]");
    }
    if (!finite(t))
        throw CheckpointError(what + ": " + name + " holds NaN or Inf");
}

} // namespace ddil
