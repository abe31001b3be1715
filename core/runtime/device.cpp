#include "core/runtime/device.h"

#include "core/api/errors.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <algorithm>
#include <dlfcn.h>
#include <malloc.h>
#include <thread>

namespace ddil {

torch::Device resolveDevice(Device requested)
{
    switch (requested) {
    case Device::Cpu:
        return torch::kCPU;
    case Device::Auto:
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0)
                                           : torch::Device(torch::kCPU);
    case Device::Cuda:
        if (!torch::cuda::is_available())
            throw DeviceError("device \"cuda\" is not available: this LibTorch build has no CUDA "
                              "support or no GPU "
                              "is visible (use \"cpu\" or \"auto\")");
        return torch::Device(torch::kCUDA, 0);
    }
    throw std::logic_error("unknown device");
}

int64_t sampleChunk(int configured, torch::Device device)
{
    if (configured > 0)
        return configured;
    return device.is_cuda() ? 256 : 16;
}

torch::Tensor toDevice(const torch::Tensor& t, torch::Device device)
{
    if (!device.is_cuda() || !t.device().is_cpu())
        return t.to(device);
    return t.pin_memory().to(device, /*non_blocking=*/true);
}

void applyThreadCount(int threads)
{
    static const bool allocatorTuned = [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20); // the largest value glibc accepts
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        return true;
    }();
    (void)allocatorTuned;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int count = threads > 0 ? threads : static_cast<int>(cores);
    torch::set_num_threads(count);
    // Debian's LibTorch multiplies matrices with OpenBLAS, whose pthread build keeps a pool of
    // its own (one thread per core) that set_num_threads does not size: with --threads 1 its
    // idle workers spun on sched_yield beside the run, and two runs side by side on 2 cores
    // trained at half speed (a toy DMD2 run: 15 s against 8 s). Looked up at run time, so a
    // LibTorch on MKL (PyTorch's own builds) is left as it is.
    using SetBlasThreads = void (*)(int);
    if (auto setBlasThreads
        = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        setBlasThreads(count);
}

} // namespace ddil
