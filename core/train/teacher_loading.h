#pragma once
// The teacher of a distillation config: its checkpoint's metadata (enough to resolve the config)
// and, once per run on the thread that trains, its weights.

#include "core/api/config.h"
#include "core/data/data_source.h"
#include "core/models/denoiser_net.h"

#include <cstdint>
#include <memory>
#include <string>

namespace ddil {

// Throws ConfigError naming distill.teacher when `teacher` (the config a teacher checkpoint at
// `path` was trained with) is not a diffusion teacher of `config`'s data.
void checkTeacherFits(const RunConfig& teacher, const RunConfig& config, const std::string& path);

// The teacher checkpoint of a distillation config, loaded (EMA weights) and checked against the
// data: throws ConfigError naming distill.teacher when it does not fit.
struct LoadedTeacher {
    RunConfig config; // the config the teacher was trained with
    std::shared_ptr<DenoiserNet> net;
    std::string path; // resolved
    std::uint64_t fileHash = 0; // FNV-1a of the file's bytes, from its one full read
};
LoadedTeacher loadTeacher(const RunConfig& config, const DataSource& data);

} // namespace ddil
