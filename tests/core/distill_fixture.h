#pragma once
// A small 2-D distillation config on the shipped eight-Gaussians teacher, for the distillation
// tests.

#include "core/api/config.h"
#include "core/api/run.h"
#include "tests/test_support.h"

namespace ddil::test {

inline RunConfig toyDistillConfig(DistillMethod method, int studentSteps = 2)
{
    RunConfig c;
    c.name = "toy-distill";
    c.task = Task::Distill;
    c.seed = 3;
    c.runtime.device = Device::Cpu;
    c.runtime.threads = 2;
    c.data.kind = DataKind::Toy2d;
    c.data.distribution = ToyDistribution::Checkerboard;
    c.train.steps = 400;
    c.train.batch_size = 128;
    c.train.lr = 5e-4;
    c.train.warmup_steps = 20;
    c.train.ema_decay = 0.99;
    c.train.log_every = 50;
    c.train.checkpoint_every = 0;
    c.eval.every = 0;
    c.eval.count = 1000;
    c.eval.projections = 128;
    c.distill.method = method;
    c.distill.teacher = sourcePath("resources/weights/toy-checkerboard-teacher.safetensors");
    c.distill.student_steps = studentSteps;
    c.distill.guidance.scale = 1.0;
    c.distill.ddil.teacher_steps = 32;
    c.distill.pd.start_steps = 4 * studentSteps;
    c.distill.lcm.w_min = 1.0;
    c.distill.lcm.w_max = 2.0;
    return resolveRunConfig(c);
}

} // namespace ddil::test
