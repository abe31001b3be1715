#pragma once
// Named values still on the training device (0-dim tensors): a step's loss terms, read with the
// step's loss in one transfer (Trainer::readSteps) so that no step waits for the device.

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace ddil {

using DeviceScalars = std::vector<std::pair<std::string, torch::Tensor>>;

} // namespace ddil
