#pragma once
// A fixed-capacity store of input states (state, time, label) with the step each was made at,
// so the DDIL sources that need costly rollouts are amortised over many training steps
// (DDIL.md §2: capacity C, refresh every R steps, fraction rho replaced, staleness tracked).

#include "core/api/enums.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <string>

namespace ddil {

struct BufferedStates {
    torch::Tensor x; // (n, ...)
    torch::Tensor t; // (n) float32
    torch::Tensor labels; // (n) int64
    torch::Tensor born; // (n) int64: training step the state was made at
    // (n) float32: the guidance scale the state was rolled out with (LCM's w, which its loss
    // then trains with); NaN, or undefined on insert, where the rollout had no per-sample scale.
    torch::Tensor w;
};

class ReplayBuffer {
public:
    explicit ReplayBuffer(
        int64_t capacity, BufferReplacement replacement = BufferReplacement::Oldest);

    int64_t capacity() const { return m_capacity; }
    int64_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    // Appends states while there is room, then overwrites entries: the oldest (smallest birth
    // step; among equals the lowest slot) or, with Random, ones chosen at random without
    // repetition from `generator` (Oldest draws nothing). Returns how many were written.
    int64_t insert(const BufferedStates& states, torch::Generator& generator);
    // `count` entries drawn uniformly with replacement.
    BufferedStates sample(int64_t count, torch::Generator& generator) const;
    // Mean age in steps (now - born) over the whole buffer; 0 when empty.
    double meanAge(int64_t now) const;
    void clear() { m_size = 0; }
    // The birth step of every entry, in slot order (CPU int64, size()).
    torch::Tensor born() const;

    void save(torch::serialize::OutputArchive& archive, const std::string& prefix) const;
    void load(torch::serialize::InputArchive& archive, const std::string& prefix);

private:
    int64_t m_capacity;
    BufferReplacement m_replacement;
    int64_t m_size = 0;
    BufferedStates m_data; // allocated on the first insert, capacity rows
};

} // namespace ddil
