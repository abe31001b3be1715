#include "core/train/teacher_loading.h"

#include "core/api/errors.h"
#include "core/checkpoint/checkpoint.h"
#include "core/io/resource_path.h"

namespace ddil {

void checkTeacherFits(const RunConfig& teacher, const RunConfig& config, const std::string& path)
{
    if (teacher.task != Task::Teacher)
        throw ConfigError("distill.teacher: " + path + " is a \"" + toString(teacher.task)
            + "\" checkpoint, not a diffusion teacher");
    auto describe = [](const DataConfig& data) {
        return toString(data.kind)
            + (data.kind == DataKind::Toy2d ? " " + toString(data.distribution) : "");
    };
    if (teacher.data.kind != config.data.kind
        || (teacher.data.kind == DataKind::Toy2d
            && teacher.data.distribution != config.data.distribution))
        throw ConfigError("distill.teacher: " + path + " was trained on " + describe(teacher.data)
            + " but this run's data is " + describe(config.data));
}

LoadedTeacher loadTeacher(const RunConfig& config, const DataSource& data)
{
    LoadedTeacher out;
    out.path = resolveResourcePath(config.distill.teacher);
    CheckpointReader reader(out.path);
    out.fileHash = reader.contentHash();
    out.config = reader.meta().config;
    checkTeacherFits(out.config, config, out.path);
    out.net = makeDenoiserNet(out.config.model, data.sampleShape(), data.numClasses());
    reader.loadModel(*out.net, out.net->signature(), /*preferEma=*/true);
    return out;
}

} // namespace ddil
