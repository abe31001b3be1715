// What has to hold on a CUDA device, checked against the CPU: the UNet's forward pass, the
// teacher's 4-step samples from the same noise, a teacher training step that learns (in float32
// and in bf16), image batches drawn from a training set kept on the device, losses read in batches
// equal to losses read every step, and DDIL distillation steps of each method with their terms. One
// Qt-free executable (the GPU machine has no Qt) printing one line per check; exit 77 (CTest:
// skipped) when this LibTorch or this machine has no CUDA, 1 when a check fails.
// DDIL_GPU_TESTS_ON_CPU=1 runs the same checks with the CPU in the device's place (a dry run of
// the test's own code on a machine without CUDA).
#include "core/api/config_io.h"
#include "core/api/run.h"
#include "core/checkpoint/checkpoint.h"
#include "core/data/image_dataset.h"
#include "core/io/resource_path.h"
#include "core/models/denoiser_net.h"
#include "core/runtime/device.h"
#include "core/sampling/model_sampling.h"
#include "core/train/distill_trainer.h"
#include "core/train/teacher_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

using namespace ddil;

namespace {
int failures = 0;
torch::Device device = torch::kCUDA; // the device under test

// `where` is the device under test: "cuda" names the current GPU, which tensors report as
// "cuda:0" (Device's == compares the index too).
bool onDeviceUnderTest(const torch::Device& where)
{
    return where.type() == device.type()
        && (!device.has_index() || where.index() == device.index());
}

void check(bool ok, const std::string& what, const std::string& detail)
{
    std::printf("%s: %s (%s)\n", ok ? "PASS" : "FAIL", what.c_str(), detail.c_str());
    failures += ok ? 0 : 1;
}

// The largest difference relative to the reference's largest magnitude.
double relativeMaxDifference(const torch::Tensor& reference, const torch::Tensor& other)
{
    const auto r = reference.to(torch::kCPU, torch::kFloat64);
    const auto o = other.to(torch::kCPU, torch::kFloat64);
    return ((r - o).abs().max() / r.abs().max().clamp_min(1e-12)).item<double>();
}

struct Teacher {
    RunConfig config;
    std::shared_ptr<DenoiserNet> net;
};

Teacher shippedTeacher(torch::Device device)
{
    CheckpointReader reader(
        resolveResourcePath("resources/weights/fashion-mnist-teacher.safetensors"));
    Teacher t { reader.meta().config, nullptr };
    t.net = makeDenoiserNet(t.config.model, { 1, 28, 28 }, 10);
    reader.loadModel(*t.net, t.net->signature(), true);
    t.net->to(device);
    t.net->eval();
    return t;
}

// cuDNN convolutions run in TF32 by default on Ampere and later (PyTorch's default too), about
// 3 decimal digits per product: outputs agree to a few parts in a thousand, not bit for bit.
void unetForwardMatchesTheCpu()
{
    torch::NoGradGuard noGrad;
    auto cpu = shippedTeacher(torch::kCPU), cuda = shippedTeacher(device);
    auto gen = at::detail::createCPUGenerator(1);
    const auto x = torch::randn({ 64, 1, 28, 28 }, gen, torch::kFloat32);
    const auto t = torch::rand({ 64 }, gen, torch::kFloat32);
    const auto labels = torch::arange(64, torch::kInt64).remainder(11); // 10: the null class
    const auto onCpu = cpu.net->forward(x, t, labels);
    const auto onCuda = cuda.net->forward(x.to(device), t.to(device), labels.to(device));
    const double d = relativeMaxDifference(onCpu, onCuda);
    check(d < 1e-2, "UNet forward on CUDA matches the CPU", "max difference " + std::to_string(d));
}

// The start noise is drawn on the CPU from the same generator, so both devices integrate the same
// trajectories; 4 DDIM steps with guidance 2 amplify the forward's rounding a little.
void fourStepSamplesMatchTheCpu()
{
    torch::NoGradGuard noGrad;
    auto cpu = shippedTeacher(torch::kCPU), cuda = shippedTeacher(device);
    const auto labels = torch::arange(32, torch::kInt64).remainder(10);
    auto options = ModelSampleOptions::fromConfig(cpu.config.sample);
    options.steps = 4;
    auto genCpu = at::detail::createCPUGenerator(7), genCuda = at::detail::createCPUGenerator(7);
    const auto a = sampleModel(
        *cpu.net, cpu.config.diffusion, labels, { 1, 28, 28 }, genCpu, torch::kCPU, options);
    const auto b = sampleModel(
        *cuda.net, cuda.config.diffusion, labels, { 1, 28, 28 }, genCuda, device, options);
    const double d = (a.x - b.x).abs().max().item<double>();
    check(d < 0.05, "4-step samples on CUDA match the CPU's from the same noise",
        "max pixel difference " + std::to_string(d) + " in [-1, 1]");
}

RunConfig configOnDevice(const std::string& path)
{
    const auto loaded = loadConfigFile(resolveResourcePath(path));
    if (!loaded.ok())
        throw std::runtime_error(path + ": " + loaded.errors().front().toString());
    auto config = loaded.config;
    config.runtime.device = device.is_cuda() ? Device::Cuda : Device::Cpu;
    return config;
}

void teacherTrainingLearnsOnCuda(Precision precision)
{
    auto config = configOnDevice("configs/toy/checkerboard-teacher.json");
    config.runtime.precision = precision;
    TeacherTrainer trainer(config, device);
    double first = 0.0, last = 0.0;
    bool finite = true;
    for (int i = 0; i < 200; ++i) {
        const double loss = trainer.trainStep().front().second;
        finite = finite && std::isfinite(loss);
        if (i < 20)
            first += loss / 20;
        if (i >= 180)
            last += loss / 20;
    }
    check(finite && last < 0.9 * first,
        "200 toy teacher steps on CUDA lower the loss (" + toString(precision) + ")",
        "mean loss " + std::to_string(first) + " over steps 1-20, " + std::to_string(last)
            + " over 181-200");
    const auto where = trainer.model().parameters().front().device();
    check(onDeviceUnderTest(where), "the model trains on the device", where.str());
}

// An image teacher's training set is kept on the device (DataSource::placeOn): its batches are
// the CPU's batches, and a training step draws and learns from them there.
void imageDataOnTheDevice()
{
    auto gen = at::detail::createCPUGenerator(5);
    const auto images
        = torch::randint(256, { 256, 1, 28, 28 }, gen, torch::kInt64).to(torch::kUInt8);
    const auto labels = torch::arange(256, torch::kInt64).remainder(10);
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i)
        names.push_back(std::to_string(i));
    auto placed = std::make_unique<ImageDataset>(images, labels, names, "random images");
    ImageDataset onCpu(images, labels, names, "random images");
    const bool moved = placed->placeOn(device, kDeviceDataMaxBytes);
    auto a = at::detail::createCPUGenerator(9), b = at::detail::createCPUGenerator(9);
    const auto fromDevice = placed->sample(64, a), fromCpu = onCpu.sample(64, b);
    // The same images and labels; the scaling to [-1, 1] may round differently on the GPU (it
    // divides by 127.5 as a multiplication by its reciprocal): within one float32 ulp of 1.
    const double apart = (fromDevice.x.cpu() - fromCpu.x).abs().max().item<double>();
    const bool same = onDeviceUnderTest(fromDevice.x.device()) && apart <= 2.4e-7
        && fromDevice.labels.cpu().equal(fromCpu.labels);
    check((moved || !device.is_cuda()) && same,
        "a placed image set draws the CPU's batches on the device",
        std::string(moved ? "moved" : "not moved") + ", batch on " + fromDevice.x.device().str()
            + ", max difference " + std::to_string(apart));

    auto config = configOnDevice("configs/fashion-mnist/teacher.json");
    config.train.batch_size = 32;
    TeacherTrainer trainer(config, device, std::move(placed));
    const double loss = trainer.trainSteps(3).front().second;
    check(std::isfinite(loss), "3 UNet teacher steps on data kept on the device",
        "last loss " + std::to_string(loss));
}

// runtime.read_every only changes when the losses are read: 60 steps read every step and read
// 20 at a time end at the same weights (to the device's run-to-run rounding) and last loss.
void batchedReadsChangeNothing()
{
    auto config = configOnDevice("configs/toy/checkerboard-teacher.json");
    auto train = [&](int readEvery) {
        config.runtime.read_every = readEvery;
        TeacherTrainer trainer(config, device);
        const double loss = trainer.trainSteps(60).front().second;
        return std::make_pair(loss, trainer.model().parameters().front().detach().clone());
    };
    const auto [everyLoss, everyWeights] = train(1);
    const auto [batchedLoss, batchedWeights] = train(20);
    const double d = relativeMaxDifference(everyWeights, batchedWeights);
    check(d < 1e-5 && std::abs(everyLoss - batchedLoss) <= 1e-5 * std::abs(everyLoss),
        "losses read 20 at a time leave training as it is",
        "weights differ by " + std::to_string(d) + ", last loss " + std::to_string(everyLoss)
            + " vs " + std::to_string(batchedLoss));
}

// A few DDIL distillation steps of each method on the device: finite losses, the method's terms
// (read from the device with the loss), the state sources' shares.
void distillationStepsRunOnCuda()
{
    for (const char* preset : { "pd-ddil", "lcm-ddil", "dmd2-ddil" }) {
        // Resolved from the teacher (model, diffusion), as `ddil run` does.
        const auto config = resolveRunConfig(
            configOnDevice(std::string("configs/toy/distill/checkerboard-") + preset + ".json"));
        DistillTrainer trainer(config, device);
        const auto terms = trainer.trainSteps(5);
        bool finite = !terms.empty();
        std::string names;
        for (const auto& [name, value] : terms) {
            finite = finite && std::isfinite(value);
            names += (names.empty() ? "" : " ") + name;
        }
        check(finite && names.find("ddil/share_student") != std::string::npos,
            std::string("5 ") + preset + " steps on CUDA give finite terms", names);
    }
}
} // namespace

int main()
{
    if (const char* cpu = std::getenv("DDIL_GPU_TESTS_ON_CPU"); cpu && std::string(cpu) == "1")
        device = torch::kCPU;
    else if (!torch::cuda::is_available()) {
        std::printf("SKIP: no CUDA device (or a LibTorch without CUDA)\n");
        return 77;
    }
    for (const auto& test : std::vector<std::function<void()>> { unetForwardMatchesTheCpu,
             fourStepSamplesMatchTheCpu, [] { teacherTrainingLearnsOnCuda(Precision::Fp32); },
             [] { teacherTrainingLearnsOnCuda(Precision::Bf16); }, imageDataOnTheDevice,
             batchedReadsChangeNothing, distillationStepsRunOnCuda }) {
        try {
            test();
        } catch (const std::exception& e) {
            check(false, "no exception", e.what());
        }
    }
    std::printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
