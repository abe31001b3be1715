#include "core/api/config_io.h"

#include "core/config/config_help.h"
#include "core/io/atomic_file.h"
#include "core/io/fnv_hash.h"
#include "core/io/resource_path.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace ddil {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace detail {

// The list of fields of each config struct, walked by the reader, the writer and the
// validator below: one place names every key, its range and its nesting.
template <class V>
void visitFields(V& v, RuntimeConfig& c)
{
    v.field("device", c.device);
    v.field("threads", c.threads, 0, 1024);
    v.field("sample_chunk", c.sample_chunk, 0, 1'000'000);
    v.field("read_every", c.read_every, 0, 1'000'000);
    v.field("precision", c.precision);
}

template <class V>
void visitFields(V& v, DataConfig& c)
{
    v.field("kind", c.kind);
    v.field("distribution", c.distribution);
    v.field("path", c.path);
    v.field("labels_path", c.labels_path);
    v.field("split", c.split);
    v.field("image_size", c.image_size, 0, 4096);
    v.field("channels", c.channels, 1, 3);
}

template <class V>
void visitFields(V& v, ModelConfig& c)
{
    v.field("kind", c.kind);
    v.field("hidden", c.hidden, 4, 8192);
    v.field("depth", c.depth, 1, 64);
    v.field("time_embedding", c.time_embedding, 2, 4096);
    v.field("channels", c.channels, 1, 4096);
    v.field("channel_mult", c.channel_mult, 1, 64);
    v.field("attention", c.attention);
    v.field("groups", c.groups, 1, 1024);
    v.field("dropout", c.dropout, 0.0, 0.99);
    v.field("guidance_embedding", c.guidance_embedding);
}

template <class V>
void visitFields(V& v, DiffusionConfig& c)
{
    v.field("schedule", c.schedule);
    v.field("prediction", c.prediction);
    v.field("logsnr_min", c.logsnr_min, -40.0, 40.0);
    v.field("logsnr_max", c.logsnr_max, -40.0, 40.0);
    v.field("beta_min", c.beta_min, 1e-6, 1000.0);
    v.field("beta_max", c.beta_max, 1e-6, 1000.0);
}

template <class V>
void visitFields(V& v, GuidanceConfig& c)
{
    v.field("scale", c.scale, -100.0, 100.0);
    v.field("convention", c.convention);
}

template <class V>
void visitFields(V& v, TrainConfig& c)
{
    v.field("steps", c.steps, 0, 100'000'000);
    v.field("batch_size", c.batch_size, 1, 1'000'000);
    v.field("lr", c.lr, 0.0, 10.0);
    v.field("optimizer", c.optimizer);
    v.field("weight_decay", c.weight_decay, 0.0, 10.0);
    v.field("warmup_steps", c.warmup_steps, 0, 100'000'000);
    v.field("grad_clip", c.grad_clip, 0.0, 1e6);
    v.field("ema_decay", c.ema_decay, 0.0, 1.0);
    v.field("label_dropout", c.label_dropout, 0.0, 1.0);
    v.field("log_every", c.log_every, 1, 100'000'000);
    v.field("checkpoint_every", c.checkpoint_every, 0, 100'000'000);
}

template <class V>
void visitFields(V& v, SampleConfig& c)
{
    v.field("steps", c.steps, 1, 100'000);
    v.field("eta", c.eta, 0.0, 1.0);
    v.object("guidance", c.guidance);
}

template <class V>
void visitFields(V& v, EvalConfig& c)
{
    v.field("every", c.every, 0, 100'000'000);
    v.field("count", c.count, 2, 10'000'000);
    v.field("projections", c.projections, 1, 100'000);
    v.field("feature_extractor", c.feature_extractor);
    v.field("shift_diagnostics", c.shift_diagnostics);
    v.field("teacher_intervention", c.teacher_intervention);
    v.field("diagnose_samples", c.diagnose_samples, 16, 1'000'000);
    v.field("imitation_samples", c.imitation_samples, 0, 10'000'000);
}

template <class V>
void visitFields(V& v, DdilConfig& c)
{
    v.field("beta", c.beta, 0.0, 1.0);
    v.field("beta_schedule", c.beta_schedule);
    v.field("ramp_steps", c.ramp_steps, 0, 100'000'000);
    v.field("p_teach", c.p_teach, 0.0, 1.0);
    v.field("p_teach_schedule", c.p_teach_schedule);
    v.field("p_teach_decay_steps", c.p_teach_decay_steps, 0, 100'000'000);
    v.field("teacher_steps", c.teacher_steps, 1, 10'000);
    v.field("shared_noise", c.shared_noise);
    v.field("buffer_capacity", c.buffer_capacity, 0, 10'000'000);
    v.field("refresh_every", c.refresh_every, 1, 100'000'000);
    v.field("refresh_fraction", c.refresh_fraction, 0.0, 1.0);
    v.field("student_rollouts", c.student_rollouts);
    v.field("buffer_replacement", c.buffer_replacement);
    v.field("store_first_state", c.store_first_state);
    v.field("rollout_guidance", c.rollout_guidance);
    v.field("rollout_guidance_scale", c.rollout_guidance_scale, -100.0, 100.0);
    v.list("changes", c.changes);
}

template <class V>
void visitFields(V& v, MixtureSnapshot& c)
{
    v.field("step", c.step, 0, 100'000'000);
    v.field("beta", c.beta, 0.0, 1.0);
    v.field("p_teach", c.p_teach, 0.0, 1.0);
    v.field("buffer_capacity", c.buffer_capacity, 0, 10'000'000);
    v.field("refresh_every", c.refresh_every, 1, 100'000'000);
    v.field("refresh_fraction", c.refresh_fraction, 0.0, 1.0);
    v.field("projection", c.projection);
    v.field("percentile", c.percentile, 0.5, 1.0);
}

template <class V>
void visitFields(V& v, ReflectionConfig& c)
{
    v.field("projection", c.projection);
    v.field("percentile", c.percentile, 0.5, 1.0);
    v.field("apply_to", c.apply_to);
}

template <class V>
void visitFields(V& v, ProgressiveConfig& c)
{
    v.field("start_steps", c.start_steps, 2, 100'000);
    v.field("weighting", c.weighting);
}

template <class V>
void visitFields(V& v, ConsistencyConfig& c)
{
    v.field("solver_steps", c.solver_steps, 2, 100'000);
    v.field("target_ema", c.target_ema, 0.0, 1.0);
    v.field("loss", c.loss);
    v.field("huber_c", c.huber_c, 0.0, 100.0);
    v.field("w_min", c.w_min, -100.0, 100.0);
    v.field("w_max", c.w_max, -100.0, 100.0);
    v.field("sigma_data", c.sigma_data, 1e-6, 100.0);
    v.field("time_scale", c.time_scale, 1e-6, 1e6);
}

template <class V>
void visitFields(V& v, Dmd2Config& c)
{
    v.field("fake_updates", c.fake_updates, 1, 1000);
    v.field("critic_sources", c.critic_sources);
    v.field("fake_lr", c.fake_lr, 0.0, 10.0);
    v.field("t_min", c.t_min, 0.0, 1.0);
    v.field("t_max", c.t_max, 0.0, 1.0);
    v.field("gan", c.gan);
    v.field("gan_generator_weight", c.gan_generator_weight, 0.0, 1e6);
    v.field("gan_discriminator_weight", c.gan_discriminator_weight, 0.0, 1e6);
}

template <class V>
void visitFields(V& v, DistillConfig& c)
{
    v.field("method", c.method);
    v.field("teacher", c.teacher);
    v.field("student_steps", c.student_steps, 1, 10'000);
    v.field("timesteps", c.timesteps, 0.0, 1.0);
    v.object("guidance", c.guidance);
    v.object("ddil", c.ddil);
    v.object("reflection", c.reflection);
    v.object("pd", c.pd);
    v.object("lcm", c.lcm);
    v.object("dmd2", c.dmd2);
}

template <class V>
void visitFields(V& v, RunConfig& c)
{
    v.field("schema_version", c.schema_version, 1, kSchemaVersion);
    v.field("name", c.name);
    v.field("task", c.task);
    v.field("seed", c.seed);
    v.object("runtime", c.runtime);
    v.object("data", c.data);
    v.object("model", c.model);
    v.object("diffusion", c.diffusion);
    v.object("train", c.train);
    v.object("sample", c.sample);
    v.object("eval", c.eval);
    v.object("distill", c.distill);
}

std::string formatNumber(double x)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", x);
    return buf;
}

void addIssue(std::vector<ConfigIssue>& issues, ConfigIssue::Severity severity, std::string path,
    std::string message)
{
    issues.push_back({ severity, std::move(path), std::move(message) });
}

// Reads fields from a JSON object into a struct that already holds its defaults.
class Reader {
public:
    Reader(const ordered_json& object, std::string path, std::vector<ConfigIssue>& issues)
        : m_object(object)
        , m_path(std::move(path))
        , m_issues(issues)
    {
    }

    void field(const char* key, int& out, int lo, int hi)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_number_integer()) {
            if (j->is_number_float() && std::floor(j->get<double>()) == j->get<double>()
                && std::abs(j->get<double>()) < 1e15) {
                // 1e3 written for 1000: accept whole numbers.
            } else {
                error(key, "must be an integer, got " + describe(*j));
                return;
            }
        }
        const double value = j->get<double>();
        if (value < lo || value > hi) {
            error(key,
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got "
                    + j->dump());
            return;
        }
        out = static_cast<int>(value);
    }

    void field(const char* key, double& out, double lo, double hi)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_number()) {
            error(key, "must be a number, got " + describe(*j));
            return;
        }
        const double value = j->get<double>();
        if (!std::isfinite(value) || value < lo || value > hi) {
            error(key,
                "must be in [" + formatNumber(lo) + ", " + formatNumber(hi) + "], got "
                    + j->dump());
            return;
        }
        out = value;
    }

    void field(const char* key, std::uint64_t& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_number_unsigned()) {
            error(key, "must be a non-negative integer, got " + describe(*j));
            return;
        }
        out = j->get<std::uint64_t>();
    }

    void field(const char* key, std::string& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_string()) {
            error(key, "must be a string, got " + describe(*j));
            return;
        }
        out = j->get<std::string>();
    }

    void field(const char* key, bool& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_boolean()) {
            error(key, "must be true or false, got " + describe(*j));
            return;
        }
        out = j->get<bool>();
    }

    void field(const char* key, std::vector<int>& out, int lo, int hi)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_array() || j->empty()) {
            error(key, "must be a non-empty list of integers, got " + describe(*j));
            return;
        }
        std::vector<int> values;
        for (const auto& item : *j) {
            if (!item.is_number_integer() || item.get<double>() < lo || item.get<double>() > hi) {
                error(key,
                    "must hold integers in [" + std::to_string(lo) + ", " + std::to_string(hi)
                        + "], got " + describe(*j));
                return;
            }
            values.push_back(item.get<int>());
        }
        out = std::move(values);
    }

    // A list of numbers; may be empty (length rules are cross-checks).
    void field(const char* key, std::vector<double>& out, double lo, double hi)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_array()) {
            error(key, "must be a list of numbers, got " + describe(*j));
            return;
        }
        std::vector<double> values;
        for (std::size_t i = 0; i < j->size(); ++i) {
            const auto& item = (*j)[i];
            const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
            if (!item.is_number()) {
                addIssue(m_issues, ConfigIssue::Severity::Error, joinJsonPath(m_path, at),
                    "must be a number, got " + describe(item));
                return;
            }
            const double x = item.get<double>();
            if (!std::isfinite(x) || x < lo || x > hi) {
                addIssue(m_issues, ConfigIssue::Severity::Error, joinJsonPath(m_path, at),
                    "must be in [" + formatNumber(lo) + ", " + formatNumber(hi) + "], got "
                        + item.dump());
                return;
            }
            values.push_back(x);
        }
        out = std::move(values);
    }

    template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
    void field(const char* key, E& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_string()) {
            error(key, "must be one of " + enumChoices<E>() + ", got " + describe(*j));
            return;
        }
        const auto value = enumFromString<E>(j->get<std::string>());
        if (!value) {
            error(key, "unknown value " + j->dump() + ": expected " + enumChoices<E>());
            return;
        }
        out = *value;
    }

    template <class S>
    void object(const char* key, S& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_object()) {
            error(key, "must be an object, got " + describe(*j));
            return;
        }
        Reader nested(*j, joinJsonPath(m_path, key), m_issues);
        visitFields(nested, out);
        nested.warnUnknownKeys();
    }

    // A list of objects, each laid over a default-constructed S.
    template <class S>
    void list(const char* key, std::vector<S>& out)
    {
        const ordered_json* j = find(key);
        if (!j)
            return;
        if (!j->is_array()) {
            error(key, "must be a list of objects, got " + describe(*j));
            return;
        }
        std::vector<S> values;
        for (std::size_t i = 0; i < j->size(); ++i) {
            const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
            if (!(*j)[i].is_object()) {
                addIssue(m_issues, ConfigIssue::Severity::Error, joinJsonPath(m_path, at),
                    "must be an object, got " + describe((*j)[i]));
                return;
            }
            S item;
            Reader nested((*j)[i], joinJsonPath(m_path, at), m_issues);
            visitFields(nested, item);
            nested.warnUnknownKeys();
            values.push_back(std::move(item));
        }
        out = std::move(values);
    }

    void markKnown(const std::string& key) { m_seen.insert(key); }

    void warnUnknownKeys()
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it)
            if (!m_seen.count(it.key()))
                addIssue(m_issues, ConfigIssue::Severity::Warning, joinJsonPath(m_path, it.key()),
                    "unknown key (ignored)");
    }

private:
    const ordered_json* find(const char* key)
    {
        m_seen.insert(key);
        auto it = m_object.find(key);
        return it == m_object.end() ? nullptr : &*it;
    }

    void error(const char* key, std::string message)
    {
        addIssue(
            m_issues, ConfigIssue::Severity::Error, joinJsonPath(m_path, key), std::move(message));
    }

    static std::string describe(const ordered_json& j)
    {
        std::string text = j.dump();
        if (text.size() > 40)
            text = text.substr(0, 37) + "...";
        return std::string(j.type_name()) + " " + text;
    }

    const ordered_json& m_object;
    std::string m_path;
    std::vector<ConfigIssue>& m_issues;
    std::set<std::string> m_seen;
};

class Writer {
public:
    explicit Writer(ordered_json& out)
        : m_out(out)
    {
    }
    template <class T, class... Range>
    void field(const char* key, T& value, Range...)
    {
        if constexpr (std::is_enum_v<T>)
            m_out[key] = toString(value);
        else
            m_out[key] = value;
    }
    template <class S>
    void object(const char* key, S& value)
    {
        ordered_json nested = ordered_json::object();
        Writer w(nested);
        visitFields(w, value);
        m_out[key] = std::move(nested);
    }
    template <class S>
    void list(const char* key, std::vector<S>& values)
    {
        ordered_json array = ordered_json::array();
        for (auto& value : values) {
            ordered_json nested = ordered_json::object();
            Writer w(nested);
            visitFields(w, value);
            array.push_back(std::move(nested));
        }
        m_out[key] = std::move(array);
    }

private:
    ordered_json& m_out;
};

// Lists every field with its path, in declaration order.
class Flattener {
public:
    Flattener(std::string path, std::vector<ConfigField>& out)
        : m_path(std::move(path))
        , m_out(out)
    {
    }
    template <class T, class... Range>
    void field(const char* key, T& value, Range...)
    {
        std::string text;
        if constexpr (std::is_enum_v<T>)
            text = toString(value);
        else if constexpr (std::is_same_v<T, std::string>)
            text = value;
        else if constexpr (std::is_same_v<T, bool>)
            text = value ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::vector<int>>
            || std::is_same_v<T, std::vector<double>>)
            text = ordered_json(value).dump();
        else if constexpr (std::is_floating_point_v<T>)
            text = formatNumber(value);
        else
            text = std::to_string(value);
        m_out.push_back({ joinJsonPath(m_path, key), std::move(text) });
    }
    template <class S>
    void object(const char* key, S& value)
    {
        Flattener nested(joinJsonPath(m_path, key), m_out);
        visitFields(nested, value);
    }
    template <class S>
    void list(const char* key, std::vector<S>& values)
    {
        if (values.empty())
            m_out.push_back({ joinJsonPath(m_path, key), "[]" });
        for (std::size_t i = 0; i < values.size(); ++i) {
            Flattener nested(joinJsonPath(m_path, key) + "[" + std::to_string(i) + "]", m_out);
            visitFields(nested, values[i]);
        }
    }

private:
    std::string m_path;
    std::vector<ConfigField>& m_out;
};

// Range checks on an in-memory struct (values edited in the GUI).
class Validator {
public:
    Validator(std::string path, std::vector<ConfigIssue>& issues)
        : m_path(std::move(path))
        , m_issues(issues)
    {
    }
    void field(const char* key, int& v, int lo, int hi)
    {
        if (v < lo || v > hi)
            error(key,
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got "
                    + std::to_string(v));
    }
    void field(const char* key, double& v, double lo, double hi)
    {
        if (!std::isfinite(v) || v < lo || v > hi)
            error(key,
                "must be in [" + formatNumber(lo) + ", " + formatNumber(hi) + "], got "
                    + formatNumber(v));
    }
    void field(const char* key, std::vector<int>& v, int lo, int hi)
    {
        if (v.empty())
            error(key, "must not be empty");
        for (int x : v)
            if (x < lo || x > hi)
                error(key,
                    "must hold integers in [" + std::to_string(lo) + ", " + std::to_string(hi)
                        + "], got " + std::to_string(x));
    }
    void field(const char* key, std::vector<double>& v, double lo, double hi)
    {
        for (std::size_t i = 0; i < v.size(); ++i)
            if (!std::isfinite(v[i]) || v[i] < lo || v[i] > hi)
                error((std::string(key) + "[" + std::to_string(i) + "]").c_str(),
                    "must be in [" + formatNumber(lo) + ", " + formatNumber(hi) + "], got "
                        + formatNumber(v[i]));
    }
    template <class T>
    void field(const char*, T&)
    {
    }
    template <class S>
    void object(const char* key, S& value)
    {
        Validator nested(joinJsonPath(m_path, key), m_issues);
        visitFields(nested, value);
    }
    template <class S>
    void list(const char* key, std::vector<S>& values)
    {
        for (std::size_t i = 0; i < values.size(); ++i) {
            Validator nested(joinJsonPath(m_path, key) + "[" + std::to_string(i) + "]", m_issues);
            visitFields(nested, values[i]);
        }
    }

private:
    void error(const char* key, std::string message)
    {
        addIssue(
            m_issues, ConfigIssue::Severity::Error, joinJsonPath(m_path, key), std::move(message));
    }
    std::string m_path;
    std::vector<ConfigIssue>& m_issues;
};

// Consistency distillation trains f only at the points of its solver grid: a student time off
// the grid is a time where the student samples and nothing trains it.
void solverGridCheck(const DistillConfig& d, std::vector<ConfigIssue>& issues)
{
    if (!d.timesteps.empty() && static_cast<int>(d.timesteps.size()) != d.student_steps)
        return; // reported as a timesteps problem
    const auto missed = timesOffSolverGrid(d, d.lcm.solver_steps);
    if (missed.empty())
        return;
    const int n = d.lcm.solver_steps;
    std::string times, moved;
    for (double t : missed) {
        times += (times.empty() ? "" : ", ") + formatNumber(t);
        const long j = std::lround(t * n);
        moved += (moved.empty() ? "" : ", ") + formatNumber(static_cast<double>(j) / n) + " ("
            + std::to_string(j) + "/" + std::to_string(n) + ")";
    }
    std::string valid;
    const auto choices = nearestValidSolverSteps(d);
    for (size_t i = 0; i < choices.size(); ++i)
        valid += (i ? " or " : "") + std::to_string(choices[i]);
    std::string message = "the solver grid j/" + std::to_string(n) + " misses the student time"
        + (missed.size() > 1 ? "s " : " ") + times
        + ", where the student samples and consistency distillation would never train it; ";
    message += valid.empty() ? std::string("no solver_steps up to 100000 fits these times")
                             : "nearest valid solver_steps: " + valid;
    message += d.timesteps.empty() ? std::string()
                                   : "; or move distill.timesteps onto the grid: " + moved;
    issues.push_back({ ConfigIssue::Severity::Error, "distill.lcm.solver_steps", message, true });
}

void distillChecks(const RunConfig& c, std::vector<ConfigIssue>& issues)
{
    const auto& d = c.distill;
    auto error = [&](std::string path, std::string message) {
        addIssue(issues, ConfigIssue::Severity::Error, "distill." + path, std::move(message));
    };
    if (d.teacher.empty())
        error("teacher", "must name the teacher checkpoint");
    if (!d.timesteps.empty()) {
        if (static_cast<int>(d.timesteps.size()) != d.student_steps)
            error("timesteps",
                "must list distill.student_steps (" + std::to_string(d.student_steps)
                    + ") times, got " + std::to_string(d.timesteps.size()));
        for (std::size_t i = 0; i < d.timesteps.size(); ++i) {
            if (d.timesteps[i] <= 0.0)
                error("timesteps[" + std::to_string(i) + "]", "must be above 0");
            if (i > 0 && d.timesteps[i] >= d.timesteps[i - 1])
                error("timesteps[" + std::to_string(i) + "]",
                    "must be below the one before it (times run from tau_N down to tau_1)");
        }
    }
    if (d.ddil.beta.size() != 3) {
        error("ddil.beta",
            "must hold 3 priors (data, teacher, student), got "
                + std::to_string(d.ddil.beta.size()));
    } else {
        const double sum = d.ddil.beta[0] + d.ddil.beta[1] + d.ddil.beta[2];
        if (std::abs(sum - 1.0) > 1e-6)
            error("ddil.beta", "must sum to 1, got " + formatNumber(sum));
    }
    for (std::size_t i = 0; i < d.ddil.changes.size(); ++i) {
        const auto& change = d.ddil.changes[i];
        const std::string at = "ddil.changes[" + std::to_string(i) + "]";
        if (change.beta.size() != 3)
            error(at + ".beta",
                "must hold 3 priors (data, teacher, student), got "
                    + std::to_string(change.beta.size()));
        else if (std::abs(change.beta[0] + change.beta[1] + change.beta[2] - 1.0) > 1e-6)
            error(at + ".beta",
                "must sum to 1, got "
                    + formatNumber(change.beta[0] + change.beta[1] + change.beta[2]));
        if (i > 0 && change.step < d.ddil.changes[i - 1].step)
            error(at + ".step", "changes must be listed in step order");
    }
    if (d.ddil.beta_schedule == BetaSchedule::RampStudent && d.ddil.ramp_steps <= 0)
        error("ddil.ramp_steps", "must be positive with beta_schedule \"ramp_student\"");
    if (d.ddil.teacher_steps % d.student_steps != 0 && d.timesteps.empty())
        error("ddil.teacher_steps",
            "must be a multiple of distill.student_steps (" + std::to_string(d.student_steps)
                + ") so the teacher's grid passes through every student time");
    if (d.method == DistillMethod::Progressive) {
        int ratio = d.pd.start_steps / d.student_steps;
        const bool power
            = d.pd.start_steps % d.student_steps == 0 && ratio >= 2 && (ratio & (ratio - 1)) == 0;
        if (!power)
            error("pd.start_steps",
                "must be distill.student_steps (" + std::to_string(d.student_steps)
                    + ") times a power of 2 (at least 2): each round halves the steps");
        if (!d.timesteps.empty())
            error("timesteps", "progressive distillation uses the uniform grid; leave it empty");
    }
    if (d.ddil.p_teach_schedule == PTeachSchedule::LinearDecay && d.ddil.p_teach_decay_steps <= 0)
        error(
            "ddil.p_teach_decay_steps", "must be positive with p_teach_schedule \"linear_decay\"");
    if (d.method == DistillMethod::Consistency)
        solverGridCheck(d, issues);
    if (d.method == DistillMethod::Consistency && d.lcm.w_min > d.lcm.w_max)
        error("lcm.w_min", "must not exceed distill.lcm.w_max (" + formatNumber(d.lcm.w_max) + ")");
    if (d.method == DistillMethod::Dmd2 && d.dmd2.t_min >= d.dmd2.t_max)
        error(
            "dmd2.t_min", "must be below distill.dmd2.t_max (" + formatNumber(d.dmd2.t_max) + ")");
}

void modelChecks(const RunConfig& c, bool images, std::vector<ConfigIssue>& issues)
{
    if (c.model.kind == ModelKind::Mlp && images)
        addIssue(issues, ConfigIssue::Severity::Error, "model.kind",
            "\"mlp\" takes 2-D toy data; use \"unet\" for images");
    if (c.model.kind == ModelKind::Unet && !images)
        addIssue(issues, ConfigIssue::Severity::Error, "model.kind",
            "\"unet\" takes images; use \"mlp\" for 2-D toy data");
    if ((c.task == Task::Evaluator) != (c.model.kind == ModelKind::Classifier))
        addIssue(issues, ConfigIssue::Severity::Error, "model.kind",
            c.task == Task::Evaluator ? "task \"evaluator\" trains a \"classifier\""
                                      : "a \"classifier\" is trained by task \"evaluator\"");
    if (c.task == Task::Evaluator && !images)
        addIssue(issues, ConfigIssue::Severity::Error, "data.kind",
            "task \"evaluator\" needs image data");
    if ((c.model.kind == ModelKind::Unet || c.model.kind == ModelKind::Classifier)
        && c.model.channels % c.model.groups != 0)
        addIssue(issues, ConfigIssue::Severity::Error, "model.groups",
            "must divide model.channels (" + std::to_string(c.model.channels) + ")");
}

// Why `name` cannot name a run folder inside the runs folder ("" when it can): a plain file name
// without C0 or C1 control characters, short enough that `ddil run`'s default folder,
// "<name>-YYYYmmdd-HHMMSS", is at most 255 bytes.
std::string fileNameProblem(const std::string& name)
{
    constexpr size_t kMaxName = 255 - std::char_traits<char>::length("-20261204-141127");
    if (name.size() > kMaxName)
        return "is " + std::to_string(name.size()) + " bytes; at most " + std::to_string(kMaxName)
            + " leave room for the run folder's \"-<date>-<time>\" (255 bytes in all)";
    if (name == "." || name == "..")
        return "must be a plain file name, not \"" + name + "\"";
    for (size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c == '/')
            return "must be a plain file name (it names the run folder), without '/'";
        if (c < 0x20 || c == 0x7f)
            return "must be a plain file name, without control characters (character "
                + std::to_string(int(c)) + ")";
        // U+0080..U+009F (C1: NEL, CSI, ...) are 0xC2 0x80..0x9F in UTF-8.
        if (c == 0xc2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) < 0xa0) {
            char code[8];
            std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>(name[i + 1]));
            return "must be a plain file name, without control characters (character "
                + std::string(code) + ")";
        }
    }
    return "";
}

// Rules that tie several fields together.
void crossChecks(const RunConfig& c, std::vector<ConfigIssue>& issues)
{
    if (c.diffusion.logsnr_min >= c.diffusion.logsnr_max)
        addIssue(issues, ConfigIssue::Severity::Error, "diffusion.logsnr_min",
            "must be below diffusion.logsnr_max (" + formatNumber(c.diffusion.logsnr_max) + ")");
    if (c.diffusion.beta_min >= c.diffusion.beta_max)
        addIssue(issues, ConfigIssue::Severity::Error, "diffusion.beta_min",
            "must be below diffusion.beta_max (" + formatNumber(c.diffusion.beta_max) + ")");
    if (c.name.empty())
        addIssue(issues, ConfigIssue::Severity::Error, "name", "must not be empty");
    else if (const auto problem = fileNameProblem(c.name); !problem.empty())
        addIssue(issues, ConfigIssue::Severity::Error, "name", problem);
    const bool images = c.data.kind != DataKind::Toy2d;
    if (c.task != Task::Distill && (c.eval.shift_diagnostics || c.eval.teacher_intervention))
        addIssue(issues, ConfigIssue::Severity::Error,
            c.eval.shift_diagnostics ? "eval.shift_diagnostics" : "eval.teacher_intervention",
            "only distillation runs have a student to diagnose");
    if (c.task == Task::Distill)
        distillChecks(c, issues);
    else
        modelChecks(c, images, issues); // a distillation run's model is its teacher's
    if ((c.data.kind == DataKind::Idx || c.data.kind == DataKind::ImageFolder)
        && c.data.path.empty())
        addIssue(issues, ConfigIssue::Severity::Error, "data.path",
            "must name the "
                + std::string(c.data.kind == DataKind::Idx ? "IDX files" : "image folder"));
    if (c.data.channels != 1 && c.data.channels != 3)
        addIssue(issues, ConfigIssue::Severity::Error, "data.channels", "must be 1 or 3");
}

constexpr int kMaxExtendsDepth = 8;

// Resolves "extends" chains: the parent's JSON with this file's keys laid over it.
bool resolveExtends(
    ordered_json& root, const fs::path& baseDir, int depth, std::vector<ConfigIssue>& issues);

ordered_json mergeJson(const ordered_json& base, const ordered_json& overlay)
{
    if (!base.is_object() || !overlay.is_object())
        return overlay;
    ordered_json merged = base;
    for (auto it = overlay.begin(); it != overlay.end(); ++it) {
        auto found = merged.find(it.key());
        merged[it.key()] = (found != merged.end()) ? mergeJson(*found, it.value()) : it.value();
    }
    return merged;
}

bool readTextFile(const fs::path& path, std::string& text, std::string& problem)
{
    return readRegularFile(path.string(), kMaxConfigBytes, text, problem);
}

bool parseJsonText(const std::string& text, ordered_json& out, std::string& problem)
{
    return parseStrictJson(text, out, problem);
}

// The keys that name input files, as (section, key).
constexpr std::pair<const char*, const char*> kPathKeys[] { { "data", "path" },
    { "data", "labels_path" }, { "eval", "feature_extractor" }, { "distill", "teacher" } };

// A config file's relative input path, made independent of the working folder: the file in the
// config's own folder when it is there; else unchanged when it names a shipped resource (found
// by resolveResourcePath when used); else anchored to the config's folder all the same, so that
// a missing file is reported where it was looked for.
std::string anchoredPath(const std::string& path, const fs::path& baseDir)
{
    std::error_code ec;
    const fs::path local = (fs::absolute(baseDir, ec) / path).lexically_normal();
    if (fs::exists(local, ec))
        return local.string();
    // A shipped resource, also by a checkpoint's earlier ".pt" name.
    const bool shipped = findResource(path) || resolveResourcePath(path) != path;
    return shipped ? path : local.string();
}

// Anchors the relative input paths of one config file's JSON to its folder (nothing when the
// text comes from no file: its relative paths then name shipped resources).
void anchorPaths(ordered_json& root, const fs::path& baseDir)
{
    if (baseDir.empty())
        return;
    for (const auto& [section, key] : kPathKeys) {
        const auto s = root.find(section);
        if (s == root.end() || !s->is_object())
            continue;
        const auto value = s->find(key);
        if (value == s->end() || !value->is_string())
            continue;
        const auto path = value->get<std::string>();
        if (!path.empty() && fs::path(path).is_relative())
            *value = anchoredPath(path, baseDir);
    }
}

bool resolveExtends(
    ordered_json& root, const fs::path& baseDir, int depth, std::vector<ConfigIssue>& issues)
{
    anchorPaths(root, baseDir);
    auto it = root.find("extends");
    if (it == root.end())
        return true;
    if (!it->is_string()) {
        addIssue(issues, ConfigIssue::Severity::Error, "extends", "must be a path (string)");
        return false;
    }
    if (depth >= kMaxExtendsDepth) {
        addIssue(issues, ConfigIssue::Severity::Error, "extends",
            "chain deeper than " + std::to_string(kMaxExtendsDepth) + " files (a cycle?)");
        return false;
    }
    const fs::path named = it->get<std::string>();
    if (named.is_relative() && baseDir.empty()) {
        addIssue(issues, ConfigIssue::Severity::Error, "extends",
            "a relative path needs the config's file (this text comes from none)");
        return false;
    }
    const fs::path parentPath = baseDir / named;
    std::string text, problem;
    ordered_json parent;
    if (!readTextFile(parentPath, text, problem) || !parseJsonText(text, parent, problem)) {
        addIssue(
            issues, ConfigIssue::Severity::Error, "extends", parentPath.string() + ": " + problem);
        return false;
    }
    if (!parent.is_object()) {
        addIssue(issues, ConfigIssue::Severity::Error, "extends",
            parentPath.string() + ": must hold a JSON object");
        return false;
    }
    if (!resolveExtends(parent, parentPath.parent_path(), depth + 1, issues))
        return false;
    root.erase("extends");
    root = mergeJson(parent, root);
    return true;
}

} // namespace detail

std::string ConfigIssue::toString() const
{
    std::string out = severity == Severity::Error ? "error: " : "warning: ";
    if (!path.empty())
        out += path + ": ";
    return out + message;
}

bool ConfigLoadResult::readable() const
{
    for (const auto& i : issues)
        if (i.severity == ConfigIssue::Severity::Error && !i.trainingOnly)
            return false;
    return true;
}

bool ConfigLoadResult::ok() const
{
    for (const auto& i : issues)
        if (i.severity == ConfigIssue::Severity::Error)
            return false;
    return true;
}

std::vector<ConfigIssue> ConfigLoadResult::errors() const
{
    std::vector<ConfigIssue> out;
    for (const auto& i : issues)
        if (i.severity == ConfigIssue::Severity::Error)
            out.push_back(i);
    return out;
}

std::vector<ConfigIssue> ConfigLoadResult::warnings() const
{
    std::vector<ConfigIssue> out;
    for (const auto& i : issues)
        if (i.severity == ConfigIssue::Severity::Warning)
            out.push_back(i);
    return out;
}

ConfigLoadResult parseConfig(
    const std::string& jsonText, const std::string& sourceName, const std::string& baseDir)
{
    ConfigLoadResult result;
    result.source = sourceName;
    ordered_json root;
    std::string problem;
    if (!detail::parseJsonText(jsonText, root, problem)) {
        detail::addIssue(result.issues, ConfigIssue::Severity::Error, "", problem);
        return result;
    }
    if (!root.is_object()) {
        detail::addIssue(result.issues, ConfigIssue::Severity::Error, "",
            std::string("the top level must be a JSON object, got ") + root.type_name());
        return result;
    }
    if (!detail::resolveExtends(root, baseDir, 0, result.issues))
        return result;
    if (!root.contains("schema_version"))
        detail::addIssue(result.issues, ConfigIssue::Severity::Error, "schema_version",
            "missing (this build reads version " + std::to_string(kSchemaVersion) + ")");
    detail::Reader reader(root, "", result.issues);
    detail::visitFields(reader, result.config);
    reader.warnUnknownKeys();
    detail::crossChecks(result.config, result.issues);
    return result;
}

ConfigLoadResult loadConfigFile(const std::string& path)
{
    std::string text, problem;
    if (!detail::readTextFile(path, text, problem)) {
        ConfigLoadResult result;
        result.source = path;
        result.unreadable = true;
        detail::addIssue(result.issues, ConfigIssue::Severity::Error, "", path + ": " + problem);
        return result;
    }
    std::error_code ec;
    return parseConfig(text, path, fs::absolute(path, ec).parent_path().string());
}

std::string configToJson(const RunConfig& config)
{
    ordered_json out = ordered_json::object();
    detail::Writer writer(out);
    detail::visitFields(writer, const_cast<RunConfig&>(config)); // the writer only reads
    return out.dump(2) + "\n";
}

std::vector<ConfigField> configFields(const RunConfig& config)
{
    std::vector<ConfigField> out;
    RunConfig copy = config;
    detail::Flattener flattener("", out);
    detail::visitFields(flattener, copy);
    return out;
}

std::vector<std::string> configDifferences(const RunConfig& from, const RunConfig& to)
{
    const auto a = configFields(from);
    const auto b = configFields(to);
    std::vector<std::string> out;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        if (a[i].value != b[i].value)
            out.push_back(a[i].path + ": " + a[i].value + " -> " + b[i].value);
    return out;
}

std::vector<double> timesOffSolverGrid(const DistillConfig& distill, int solverSteps)
{
    std::vector<double> times = distill.timesteps;
    if (times.empty())
        for (int k = distill.student_steps; k >= 1; --k)
            times.push_back(static_cast<double>(k) / distill.student_steps);
    std::vector<double> missed;
    for (double t : times) {
        const double scaled = t * solverSteps;
        if (std::abs(scaled - std::round(scaled)) > 1e-9 * std::max(1.0, scaled))
            missed.push_back(t);
    }
    return missed;
}

std::vector<int> nearestValidSolverSteps(const DistillConfig& distill)
{
    constexpr int kLowest = 2, kHighest = 100'000;
    const int n = distill.lcm.solver_steps;
    std::vector<int> out;
    for (int m = std::min(n - 1, kHighest); m >= kLowest; --m)
        if (timesOffSolverGrid(distill, m).empty()) {
            out.push_back(m);
            break;
        }
    for (int m = std::max(n + 1, kLowest); m <= kHighest; ++m)
        if (timesOffSolverGrid(distill, m).empty()) {
            out.push_back(m);
            break;
        }
    return out;
}

namespace detail {
// Lists every leaf of the schema with its kind, range and choices (configSchema).
class SchemaCollector {
public:
    SchemaCollector(std::string path, std::vector<SchemaField>& out)
        : m_path(std::move(path))
        , m_out(out)
    {
    }
    void field(const char* key, int&, int lo, int hi)
    {
        add(key, SchemaField::Kind::Integer, SchemaRange { double(lo), double(hi), true });
    }
    void field(const char* key, double&, double lo, double hi)
    {
        add(key, SchemaField::Kind::Number, SchemaRange { lo, hi, false });
    }
    void field(const char* key, std::vector<int>&, int lo, int hi)
    {
        add(key, SchemaField::Kind::Integers, SchemaRange { double(lo), double(hi), true });
    }
    void field(const char* key, std::vector<double>&, double lo, double hi)
    {
        add(key, SchemaField::Kind::Numbers, SchemaRange { lo, hi, false });
    }
    void field(const char* key, bool&) { add(key, SchemaField::Kind::Boolean, std::nullopt); }
    void field(const char* key, std::string&) { add(key, SchemaField::Kind::Text, std::nullopt); }
    // A 64-bit value (the seed): any, no range a spin box could hold.
    void field(const char* key, std::uint64_t&)
    {
        add(key, SchemaField::Kind::Integer, std::nullopt);
    }
    template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
    void field(const char* key, E&)
    {
        add(key, SchemaField::Kind::Choice, std::nullopt);
        for (const auto& [value, name] : EnumTable<E>::entries)
            m_out.back().choices.emplace_back(name);
    }
    template <class S>
    void object(const char* key, S& value)
    {
        SchemaCollector nested(joinJsonPath(m_path, key), m_out);
        visitFields(nested, value);
    }
    // A list of objects: one Objects leaf, then its element's fields as "key[].field".
    template <class S>
    void list(const char* key, std::vector<S>&)
    {
        add(key, SchemaField::Kind::Objects, std::nullopt);
        S element;
        SchemaCollector nested(joinJsonPath(m_path, key) + "[]", m_out);
        visitFields(nested, element);
    }

private:
    void add(const char* key, SchemaField::Kind kind, std::optional<SchemaRange> range)
    {
        SchemaField f;
        f.path = joinJsonPath(m_path, key);
        f.kind = kind;
        f.range = range;
        m_out.push_back(std::move(f));
    }
    std::string m_path;
    std::vector<SchemaField>& m_out;
};
} // namespace detail

std::vector<SchemaField> configSchema()
{
    static const std::vector<SchemaField> schema = [] {
        std::vector<SchemaField> out;
        RunConfig defaults;
        detail::SchemaCollector collector("", out);
        detail::visitFields(collector, defaults);
        // What the Mixture panel changes while a session trains (mixtureOf / setMixture).
        static const std::set<std::string> live { "distill.ddil.beta", "distill.ddil.p_teach",
            "distill.ddil.buffer_capacity", "distill.ddil.refresh_every",
            "distill.ddil.refresh_fraction", "distill.reflection.projection",
            "distill.reflection.percentile" };
        for (auto& f : out) {
            f.live = live.count(f.path) > 0;
            f.help = fieldHelp(f.path);
        }
        return out;
    }();
    return schema;
}

std::optional<SchemaRange> schemaRange(const std::string& path)
{
    for (const auto& f : configSchema())
        if (f.path == path)
            return f.range;
    return std::nullopt;
}

std::vector<ConfigIssue> validateConfig(const RunConfig& config)
{
    std::vector<ConfigIssue> issues;
    RunConfig copy = config;
    detail::Validator validator("", issues);
    detail::visitFields(validator, copy);
    detail::crossChecks(copy, issues);
    return issues;
}

std::string mergeConfigJson(const std::string& baseJson, const std::string& overlayJson)
{
    ordered_json base, overlay;
    std::string problem;
    if (!detail::parseJsonText(baseJson, base, problem))
        throw std::invalid_argument("base: " + problem);
    if (!detail::parseJsonText(overlayJson, overlay, problem))
        throw std::invalid_argument("overlay: " + problem);
    return detail::mergeJson(base, overlay).dump(2);
}

std::string configHash(const RunConfig& config)
{
    const std::string json = configToJson(config);
    return toHex(fnv1a64(json.data(), json.size())).substr(0, 12);
}

MixtureSnapshot mixtureOf(const DistillConfig& distill)
{
    const auto& d = distill.ddil;
    return { 0, d.beta, d.p_teach, d.buffer_capacity, d.refresh_every, d.refresh_fraction,
        distill.reflection.projection, distill.reflection.percentile };
}

void setMixture(DistillConfig& distill, const MixtureSnapshot& m)
{
    auto& d = distill.ddil;
    d.beta = m.beta;
    d.p_teach = m.p_teach;
    d.buffer_capacity = m.buffer_capacity;
    d.refresh_every = m.refresh_every;
    d.refresh_fraction = m.refresh_fraction;
    distill.reflection.projection = m.projection;
    distill.reflection.percentile = m.percentile;
}

bool RunConfig::operator==(const RunConfig& other) const
{
    return configToJson(*this) == configToJson(other);
}

} // namespace ddil
