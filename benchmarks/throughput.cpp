// Teacher throughput on this machine: training images/s, DDIM sampling images/s at 4 and 50
// steps (guided as the config's sample section says), and the process's peak memory after
// each phase. A benchmark, not a test: run it with `make bench` and put its numbers in the
// README with the machine they came from.
//
//   ddil_bench_throughput [CONFIG] [--train-steps N] [--batch B] [--samples M] [--threads T]
//       [--chunk C] [--train-only] [--precision fp32|bf16]
//
// --batch overrides the config's training batch size; --chunk sets the samples per sampler pass
// (ModelSampleOptions::chunk; guidance doubles it; default: sampleChunk's choice for the
// device); --train-only skips the sampling phases (benchmarks/reference/compare.sh); --precision
// sets runtime.precision. Training reads its losses from the device as `ddil run` does
// (runtime.read_every: every step on a CPU, every 20 on a GPU).

#include "benchmarks/bench_util.h"

#include "core/api/config_io.h"
#include "core/runtime/device.h"
#include "core/sampling/model_sampling.h"
#include "core/train/teacher_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace ddil;

using bench::peakRssMiB;
using bench::seconds;

int main(int argc, char** argv)
{
    std::string configPath = std::string(DDIL_SOURCE_DIR) + "/configs/fashion-mnist/teacher.json";
    int trainSteps = 30, samples = 200, threads = -1, batch = 0;
    bool trainOnly = false;
    std::string precision;
    int64_t chunk = 0; // 0: runtime/device.h's sampleChunk for the device
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--train-steps" && i + 1 < argc)
            trainSteps = std::stoi(argv[++i]);
        else if (arg == "--samples" && i + 1 < argc)
            samples = std::stoi(argv[++i]);
        else if (arg == "--chunk" && i + 1 < argc)
            chunk = std::stoll(argv[++i]);
        else if (arg == "--threads" && i + 1 < argc)
            threads = std::stoi(argv[++i]);
        else if (arg == "--batch" && i + 1 < argc)
            batch = std::stoi(argv[++i]);
        else if (arg == "--train-only")
            trainOnly = true;
        else if (arg == "--precision" && i + 1 < argc)
            precision = argv[++i];
        else if (arg.rfind("--", 0) != 0)
            configPath = arg;
        else {
            std::fprintf(stderr,
                "usage: %s [CONFIG] [--train-steps N] [--batch B] [--samples M] [--threads T] "
                "[--chunk C] [--train-only] [--precision fp32|bf16]\n",
                argv[0]);
            return 2;
        }
    }
    const auto loaded = loadConfigFile(configPath);
    if (!loaded.ok()) {
        std::fprintf(
            stderr, "%s: %s\n", configPath.c_str(), loaded.errors().front().toString().c_str());
        return 3;
    }
    RunConfig config = loaded.config;
    if (threads >= 0)
        config.runtime.threads = threads;
    if (batch > 0)
        config.train.batch_size = batch;
    if (!precision.empty()) {
        const auto parsed = enumFromString<Precision>(precision);
        if (!parsed) {
            std::fprintf(stderr, "--precision: %s is not %s\n", precision.c_str(),
                enumChoices<Precision>().c_str());
            return 2;
        }
        config.runtime.precision = *parsed;
    }
    const torch::Device device = resolveDevice(config.runtime.device);
    applyThreadCount(config.runtime.threads);
    std::printf("config %s on %s, %d threads, %s\n", configPath.c_str(), device.str().c_str(),
        torch::get_num_threads(), toString(config.runtime.precision).c_str());

    TeacherTrainer trainer(config, device);
    trainer.trainSteps(3); // warm-up: allocator, oneDNN kernels
    auto start = std::chrono::steady_clock::now();
    trainer.trainSteps(trainSteps); // its last read waits for the device
    const double trainRate = double(trainSteps) * config.train.batch_size / seconds(start);
    const double trainPeak = peakRssMiB();
    std::printf("| phase | images/s | peak RSS (MiB) |\n|---|---|---|\n");
    std::printf(
        "| training, batch %d | %.1f | %.0f |\n", config.train.batch_size, trainRate, trainPeak);
    std::fflush(stdout);
    if (trainOnly)
        return 0;

    const auto& shape = trainer.data().sampleShape();
    const auto labels
        = torch::arange(samples, torch::kInt64).remainder(trainer.data().numClasses());
    for (int steps : { 4, 50 }) {
        auto options = ModelSampleOptions::fromConfig(config.sample);
        options.steps = steps;
        options.chunk = chunk;
        auto gen = at::detail::createCPUGenerator(0);
        start = std::chrono::steady_clock::now();
        sampleModel(trainer.ema(), config.diffusion, labels, shape, gen, device, options);
        const double rate = samples / seconds(start);
        std::printf("| sampling, %d DDIM steps, guidance %g, %lld per pass | %.1f | %.0f |\n",
            steps, options.guidance.scale,
            static_cast<long long>(sampleChunk(static_cast<int>(chunk), device)), rate,
            peakRssMiB());
        std::fflush(stdout);
    }
    return 0;
}
