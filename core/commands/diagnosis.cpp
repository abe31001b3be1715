#include "core/api/diagnosis.h"

#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/runtime/device.h"
#include "core/train/distill_trainer.h"

#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <chrono>

namespace ddil {

std::string diagnoseCheckpointJson(const DiagnoseRequest& request)
{
    const auto started = std::chrono::steady_clock::now();
    const torch::Device device = resolveDevice(request.device);
    applyThreadCount(request.threads);
    RunConfig config = readCheckpointMeta(request.checkpoint).config;
    if (request.sampleChunk > 0)
        config.runtime.sample_chunk = request.sampleChunk;
    if (config.task != Task::Distill)
        throw ConfigError(request.checkpoint + ": holds a \"" + toString(config.task)
            + "\" model; `ddil diagnose` measures distilled students (task \"distill\")");
    if (request.samples < 16)
        throw ConfigError("--samples must be at least 16");
    DistillTrainer trainer(config, device);
    const bool trainingState = trainer.loadForInspection(request.checkpoint);

    DiagnoseOptions options;
    options.samples = request.samples;
    options.seed = request.seed;
    options.shift = request.shift;
    options.lossGap = request.lossGap && trainingState;
    options.intervention = request.intervention;
    const auto diagnosis = trainer.diagnose(options);

    nlohmann::ordered_json out;
    out["checkpoint"] = request.checkpoint;
    out["checkpoint_step"] = trainer.step();
    out["method"] = toString(config.distill.method);
    out["student_steps"] = diagnosis.studentSteps;
    out["teacher_steps"] = config.distill.ddil.teacher_steps;
    out["ddil_beta"] = config.distill.ddil.beta;
    out["reflection"] = { { "projection", toString(config.distill.reflection.projection) },
        { "apply_to", toString(config.distill.reflection.apply_to) } };
    out["samples"] = request.samples;
    out["seed"] = request.seed;
    out["device"] = device.str();
    out["threads"] = torch::get_num_threads();
    if (request.lossGap && !trainingState)
        out["loss_gap"] = "unavailable: exported weights carry no method state (the EMA target, "
                          "fake score or round teacher); pass the run's checkpoint.safetensors";
    auto shift = nlohmann::ordered_json::array();
    for (const auto& step : diagnosis.steps) {
        nlohmann::ordered_json entry { { "k", step.k }, { "tau", step.tau } };
        for (const auto& [name, value] : step.values) {
            const auto cut = name.rfind('_');
            entry[name.substr(0, cut)][name.substr(cut + 1)] = value;
        }
        shift.push_back(entry);
    }
    if (request.shift || options.lossGap)
        out["shift"] = shift;
    auto intervention = nlohmann::ordered_json::array();
    for (const auto& result : diagnosis.interventions) {
        nlohmann::ordered_json entry { { "setting", result.setting.key() } };
        if (result.setting.byProbability)
            entry["p_teach"] = result.setting.pTeach;
        else
            entry["first_steps"] = result.setting.firstSteps;
        entry["teacher_share"] = result.teacherShare;
        for (const auto& [name, value] : result.metrics)
            entry[name] = value;
        intervention.push_back(entry);
    }
    if (request.intervention)
        out["intervention"] = intervention;
    out["wall_seconds"]
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out.dump(2);
}

} // namespace ddil
