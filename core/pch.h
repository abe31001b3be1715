#pragma once
// Precompiled header of the core (and of tests that use torch): LibTorch's C++ frontend is
// the bulk of every translation unit's parse time.
#include <torch/torch.h>
