#pragma once
// Precompiled header of the core and of the tests that use torch: LibTorch's tensor API only.
// Measured on the 2-core dev machine: a PCH of all of <torch/torch.h> (570 MB) makes even a
// small file take 14 s to compile, this one (350 MB) 4 s; files that also need nn modules,
// optimisers or archives include those headers themselves (about 10 s each).
#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>
