#pragma once
// Device and thread-count selection. Call from the thread that will do the work: LibTorch's
// thread count is process-wide, the CUDA device thread-local.

#include "core/api/enums.h"

#include <torch/types.h>

namespace ddil {

// auto: CUDA when this LibTorch has it and a device is visible, else CPU.
// cuda when unavailable: DeviceError with the reason.
torch::Device resolveDevice(Device requested);
void applyThreadCount(int threads); // 0 keeps LibTorch's default

} // namespace ddil
