// The C++ side of the PyTorch twin's parity test (tests/python/test_twin.py): for a checkpoint,
// the network's raw output on seeded inputs and the model's samples from seeded noise, written
// with the inputs as one safetensors file the twin then recomputes.
//
//   twin_reference CHECKPOINT OUT STEPS COUNT SEED
//
// Teachers sample as `ddil sample` does (DDIM, the config's sample.guidance); distilled
// students with their own sampler (sampling/student_sampler.h). The re-noising draws of a
// student's sampler are drawn again from a second generator of the same seed and written too.

#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/safetensors.h"
#include "core/distill/student_policy.h"
#include "core/io/atomic_file.h"
#include "core/models/denoiser_net.h"
#include "core/sampling/model_sampling.h"
#include "core/sampling/student_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace ddil;

int main(int argc, char** argv)
{
    if (argc != 6) {
        std::fprintf(stderr, "usage: twin_reference CHECKPOINT OUT STEPS COUNT SEED\n");
        return 2;
    }
    try {
        const std::string path = argv[1], out = argv[2];
        const int steps = std::stoi(argv[3]);
        const int64_t count = std::stoll(argv[4]);
        const uint64_t seed = std::stoull(argv[5]);
        torch::set_num_threads(1);
        CheckpointReader reader(path);
        const RunConfig& config = reader.meta().config;
        // The sample shape and class count as the signature names them: the net is rebuilt from
        // the checkpoint alone, as the twin does.
        std::vector<int64_t> shape;
        int64_t classes = 0;
        const std::string& sig = reader.meta().modelSignature;
        int c = 0, h = 0, w = 0;
        if (sig.rfind("mlp(in=", 0) == 0)
            shape = { std::stoll(sig.substr(7)) };
        else if (std::sscanf(sig.c_str(), "unet(shape=%dx%dx%d", &c, &h, &w) == 3)
            shape = { c, h, w };
        else
            throw std::runtime_error(path + ": not a denoiser (" + sig + ")");
        classes = std::stoll(sig.substr(sig.find("classes=") + 8));
        auto net = makeDenoiserNet(config.model, shape, classes);
        reader.loadModel(*net, net->signature(), /*preferEma=*/true);
        net->eval();
        torch::NoGradGuard noGrad;

        auto gen = at::detail::createCPUGenerator(seed);
        std::vector<int64_t> batch { count };
        batch.insert(batch.end(), shape.begin(), shape.end());
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        const auto x = torch::randn(batch, gen);
        const auto t = torch::rand({ count }, gen);
        const auto labels = torch::randint(0, classes + 1, { count }, gen, torch::kInt64);
        torch::Tensor scale;
        if (config.model.guidance_embedding)
            scale = 1.0 + 2.0 * torch::rand({ count }, gen);
        tensors.emplace_back("x", x);
        tensors.emplace_back("t", t);
        tensors.emplace_back("labels", labels);
        if (scale.defined())
            tensors.emplace_back("w", scale);
        tensors.emplace_back("output", net->forward(x, t, labels, scale));

        const auto sampleLabels = torch::arange(count, torch::kInt64) % classes;
        tensors.emplace_back("sample_labels", sampleLabels);
        auto sampling = at::detail::createCPUGenerator(seed + 1);
        auto again = at::detail::createCPUGenerator(seed + 1); // the same draws, to record them
        torch::Tensor samples;
        if (config.task == Task::Distill) {
            const StudentPolicy policy(config);
            const auto times = studentTimes(config.distill, steps);
            const auto noise = torch::randn(batch, sampling);
            tensors.emplace_back("noise", torch::randn(batch, again));
            for (size_t i = 0; i + 1 < times.size(); ++i)
                if (policy.renoises() && times[i + 1] > 0.0)
                    tensors.emplace_back(
                        "renoise." + std::to_string(i), torch::randn(batch, again));
            samples
                = sampleStudent(policy, *net, noise, sampleLabels, times, sampling, torch::kCPU).x0;
        } else {
            auto options = ModelSampleOptions::fromConfig(config.sample);
            options.steps = steps;
            tensors.emplace_back("noise", torch::randn(batch, again));
            samples = sampleModel(
                *net, config.diffusion, sampleLabels, shape, sampling, torch::kCPU, options)
                          .x;
        }
        tensors.emplace_back("samples", samples);
        writeFileAtomically(out,
            encodeSafetensors(tensors,
                { { "task", config.task == Task::Distill ? "distill" : "teacher" },
                    { "steps", std::to_string(steps) } }));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "twin_reference: %s\n", e.what());
        return 1;
    }
}
