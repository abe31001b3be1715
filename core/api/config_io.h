#pragma once
// JSON codec of RunConfig. Loading never throws: every problem comes back as an issue with its
// JSON path. Unknown keys are warnings; wrong types, out-of-range values and unknown enum
// strings are errors, and a config with errors must never start a run.

#include "core/api/config.h"

#include <optional>
#include <string>
#include <vector>

namespace ddil {

struct ConfigIssue {
    enum class Severity { Warning, Error };
    Severity severity = Severity::Error;
    std::string path; // e.g. "train.lr" or "sample.guidance.convention"; "" for the whole file
    std::string message;
    // A rule about how the config trains (e.g. the LCM solver grid), not about what its model
    // is: a checkpoint whose embedded config breaks only such rules can still be sampled.
    bool trainingOnly = false;

    std::string toString() const; // "error: train.lr: must be in [0, 10]"
};

struct ConfigLoadResult {
    RunConfig config;
    std::vector<ConfigIssue> issues;
    std::string source; // file path or a description of the text
    bool unreadable = false; // the file itself is missing or cannot be read

    bool ok() const; // no errors (warnings allowed)
    // No errors but training-only ones: the config describes a model that can be read and
    // sampled (a finished run's config.json, a checkpoint's), though it would not train now.
    bool readable() const;
    std::vector<ConfigIssue> errors() const;
    std::vector<ConfigIssue> warnings() const;
};

// Parses JSON text laid over the built-in defaults. `baseDir` is the folder of the file the
// text came from: an "extends" path and the relative input paths (data.path, data.labels_path,
// eval.feature_extractor, distill.teacher) are relative to the file that names them: each is
// made absolute there unless only a shipped resource of that name exists (then it stays
// relative, for resolveResourcePath). The working folder is never consulted. With no `baseDir`
// (text from no file), relative input paths name shipped resources and "extends" must be
// absolute.
ConfigLoadResult parseConfig(const std::string& jsonText, const std::string& sourceName = "<text>",
    const std::string& baseDir = "");
// Reads a config file (a regular file of at most kMaxConfigBytes) and parses it.
ConfigLoadResult loadConfigFile(const std::string& path);
inline constexpr std::size_t kMaxConfigBytes = 16u << 20;

// Canonical JSON of a config: every field, stable key order, 2-space indent.
std::string configToJson(const RunConfig& config);

// Every field as (dotted JSON path, value as text), in the canonical order: for display.
struct ConfigField {
    std::string path; // "sample.guidance.scale"
    std::string value; // "1.5", "cosine", "true"
};
std::vector<ConfigField> configFields(const RunConfig& config);

// The fields whose values differ, as "train.steps: 40 -> 50", in canonical order.
std::vector<std::string> configDifferences(const RunConfig& from, const RunConfig& to);

// The range the schema allows a numeric field, by its dotted path ("distill.ddil.p_teach"; list
// elements as "distill.ddil.changes[].p_teach"); nullopt for fields without one. Editors take
// their ranges from here, so the GUI and the loader never disagree.
struct SchemaRange {
    double lo = 0.0;
    double hi = 0.0;
    bool integer = false;
};
std::optional<SchemaRange> schemaRange(const std::string& path);

// Every field of the format, as the loader reads and validates it: for editors generated from
// the schema (the workbench's Advanced form), so a new key shows up there without a widget
// written by hand. Leaves only (objects are walked); a list of objects (distill.ddil.changes) is
// one field of kind Objects, followed by its element's fields as "distill.ddil.changes[].step".
struct SchemaField {
    enum class Kind { Integer, Number, Boolean, Text, Choice, Numbers, Integers, Objects };
    std::string path; // "distill.ddil.p_teach"
    Kind kind = Kind::Text;
    std::optional<SchemaRange> range; // numbers, and each element of a list of numbers
    std::vector<std::string> choices; // Choice: the enum's strings
    bool live = false; // changeable while training (the Mixture panel's settings)
    std::string help; // one or two sentences on what it does ("" only if undocumented)
};
std::vector<SchemaField> configSchema();

// The student times of distill (tau_N ... tau_1) that the LCM solver grid j / solverSteps
// misses (within 1e-9), in order; empty when the grid passes through all of them.
std::vector<double> timesOffSolverGrid(const DistillConfig& distill, int solverSteps);
// The solver step counts nearest to distill.lcm.solver_steps (one below, one above, when they
// exist in [2, 100000]) whose grids pass through every student time.
std::vector<int> nearestValidSolverSteps(const DistillConfig& distill);

// Checks the values of an in-memory config (as the GUI edits it) with the same rules as loading.
std::vector<ConfigIssue> validateConfig(const RunConfig& config);

// Lays `overlayJson` over `baseJson`: objects merge key by key, anything else is replaced.
// Both are JSON texts; returns the merged text. Throws std::invalid_argument on invalid JSON.
std::string mergeConfigJson(const std::string& baseJson, const std::string& overlayJson);

// The live-changeable mixture of a distillation config (as of step 0): distill.ddil's priors,
// p_teach and buffer settings, and distill.reflection's projection and percentile; and back.
MixtureSnapshot mixtureOf(const DistillConfig& distill);
void setMixture(DistillConfig& distill, const MixtureSnapshot& mixture);

// Short hash of the canonical JSON (for file metadata and run identity).
std::string configHash(const RunConfig& config);

} // namespace ddil
