#pragma once
// Loading a checkpoint's tensors into live objects with nothing taken on trust: LibTorch's own
// loads accept a [1, 32] tensor for a [32] bias, int32 bytes for float32 ones, Adam moments of any
// shape, and an RNG state it then asserts on. Each function here checks every tensor against what
// it fills first (same shape and dtype, no broadcasting, finite) and throws CheckpointError whose
// message starts with `what` ("<file>: \"ema\" weights") and names the tensor; it never lets a
// LibTorch error through.

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>

#include <string>

namespace ddil {

// "[1, 32]"
std::string sizesText(const torch::Tensor& t);

// The first line of a library's message.
std::string firstLine(const std::string& text);

// Every parameter and buffer of `net` from `sub`, checked, then loaded.
void loadModuleStrictly(
    torch::serialize::InputArchive& sub, torch::nn::Module& net, const std::string& what);

// LibTorch's load, then every moment checked against its parameter (shape, dtype, finite) and the
// step counts against being negative. With `complete`, every parameter must have its state (a run
// past its first step has stepped them all).
void loadOptimizerStrictly(torch::serialize::InputArchive& sub, torch::optim::Optimizer& optimizer,
    const std::string& what, bool complete);

// `state` into `generator`, after checking it is a byte tensor of the generator's own state size;
// a state the generator refuses (mt19937's own check) is named as such.
void restoreGeneratorState(
    const torch::Tensor& state, at::Generator& generator, const std::string& what);

// `t` is defined, of dtype `type` and the given sizes (-1: any), and finite; else CheckpointError
// naming `what` and `name`.
void checkStoredTensor(const torch::Tensor& t, c10::ScalarType type,
    const std::vector<int64_t>& sizes, const std::string& what, const std::string& name);

} // namespace ddil
