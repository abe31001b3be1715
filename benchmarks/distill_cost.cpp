// The wall time of one distillation step for each method, baseline against DDIL, and where it
// goes: drawing input states (of which buffer refreshes: teacher trajectories and student
// rollouts), the method's loss (teacher targets, student forward, auxiliary updates), teacher
// evaluations overall, and the student's backward pass with the optimiser step.
//
//   ddil_bench_distill [--steps S] [--threads T] [CONFIG...]
//
// Without configs: the Fashion-MNIST presets pd, pd-ddil, lcm, lcm-ddil, dmd2, dmd2-ddil. The
// first step (which fills the DDIL buffers) is timed apart; steps 2 ... S+1 are averaged, which
// with the presets' refresh period of 50 includes one refresh.

#include "benchmarks/bench_util.h"

#include "core/api/config_io.h"
#include "core/api/run.h"
#include "core/runtime/device.h"
#include "core/train/distill_trainer.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace ddil;
using bench::seconds;

int main(int argc, char** argv)
{
    int steps = 50, threads = -1;
    std::vector<std::string> configs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--steps" && i + 1 < argc)
            steps = std::stoi(argv[++i]);
        else if (arg == "--threads" && i + 1 < argc)
            threads = std::stoi(argv[++i]);
        else if (arg.rfind("--", 0) != 0)
            configs.push_back(arg);
        else {
            std::fprintf(stderr, "usage: %s [--steps S] [--threads T] [CONFIG...]\n", argv[0]);
            return 2;
        }
    }
    if (configs.empty())
        for (const char* name : { "pd", "pd-ddil", "lcm", "lcm-ddil", "dmd2", "dmd2-ddil" })
            configs.push_back(
                std::string(DDIL_SOURCE_DIR) + "/configs/fashion-mnist/distill/" + name + ".json");

    std::printf("| config | first step (s) | s/step | draw | of which refresh | loss | "
                "teacher (all) | backward + optimiser | teacher images/step | peak RSS "
                "(MiB) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& path : configs) {
        const auto loaded = loadConfigFile(path);
        if (!loaded.ok()) {
            std::fprintf(
                stderr, "%s: %s\n", path.c_str(), loaded.errors().front().toString().c_str());
            return 3;
        }
        RunConfig config = resolveRunConfig(loaded.config);
        if (threads >= 0)
            config.runtime.threads = threads;
        const torch::Device device = resolveDevice(config.runtime.device);
        applyThreadCount(config.runtime.threads);
        DistillTrainer trainer(config, device);
        auto start = std::chrono::steady_clock::now();
        trainer.trainStep();
        const double first = seconds(start);
        const auto before = trainer.costs();
        start = std::chrono::steady_clock::now();
        for (int i = 0; i < steps; ++i)
            trainer.trainStep();
        const double total = seconds(start) / steps;
        const auto after = trainer.costs();
        const double draw = (after.sourceSeconds - before.sourceSeconds) / steps;
        const double refresh = (after.refreshSeconds - before.refreshSeconds) / steps;
        const double loss = (after.lossSeconds - before.lossSeconds) / steps;
        const double teacherAll = (after.teacherSeconds - before.teacherSeconds) / steps;
        const double images = double(after.teacherImages - before.teacherImages) / steps;
        std::printf("| %s | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f |\n",
            config.name.c_str(), first, total, draw, refresh, loss, teacherAll, total - draw - loss,
            images, bench::peakRssMiB());
        std::fflush(stdout);
    }
    return 0;
}
