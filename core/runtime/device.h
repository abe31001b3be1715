#pragma once
// Device and thread-count selection. Call from the thread that will do the work: LibTorch's
// thread count is process-wide, the CUDA device thread-local.

#include "core/api/enums.h"

#include <torch/types.h>

namespace ddil {

// auto: CUDA when this LibTorch has it and a device is visible, else CPU.
// cuda when unavailable: DeviceError with the reason.
torch::Device resolveDevice(Device requested);
// Sets LibTorch's intra-op threads (0: one per core), and OpenBLAS's where LibTorch multiplies
// matrices with it, and, once per process, keeps glibc from
// returning large freed blocks to the system: every conv activation of an image batch is such a
// block, and re-faulting its pages cost a third of a training step on the 2-core dev machine.
void applyThreadCount(int threads);

// Samples per network pass when sampling on `device`: `configured` (runtime.sample_chunk) when
// positive, else 16 on a CPU (small batches stay in its caches: for the Fashion-MNIST UNet on
// the 2-core dev machine 32 images per pass ran at 340-365 passes/s, 128 at 240-250;
// `ddil_bench_throughput --chunk`) and 256 on a GPU (an H200 sampled 700 images/s at 50 steps
// with 256-image passes, 62 with 16-image ones).
int64_t sampleChunk(int configured, torch::Device device);

// `t` on `device`. From the CPU to CUDA the copy goes through pinned memory (LibTorch's caching
// host allocator) and is asynchronous: the host goes on queueing work instead of waiting for
// the device, as every per-step transfer of training must. Elsewhere it is t.to(device).
torch::Tensor toDevice(const torch::Tensor& t, torch::Device device);

// The largest training set a trainer keeps on a GPU (DataSource::placeOn); larger ones stay in
// host memory and each batch is copied. Fashion-MNIST's train split is 47 MB as uint8.
inline constexpr int64_t kDeviceDataMaxBytes = int64_t(2) << 30;

} // namespace ddil
