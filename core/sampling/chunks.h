#pragma once
// Network passes over a batch in row chunks: the chunk size trades cache locality on a CPU
// against occupancy on a GPU (runtime/device.h's sampleChunk picks it per device).

#include <torch/types.h>

#include <algorithm>
#include <vector>

namespace ddil {

// Calls f(rows of x, the same rows of labels) over chunks of at most `chunk` rows, images laid
// out channels-last (oneDNN's convolutions are faster on NHWC).
template <class F>
void forEachChunk(const torch::Tensor& x, const torch::Tensor& labels, int64_t chunk, F&& f)
{
    chunk = std::max<int64_t>(1, chunk);
    for (int64_t begin = 0; begin < x.size(0); begin += chunk) {
        const int64_t end = std::min(x.size(0), begin + chunk);
        auto rows = x.slice(0, begin, end);
        if (rows.dim() == 4)
            rows = rows.contiguous(torch::MemoryFormat::ChannelsLast);
        f(rows, labels.slice(0, begin, end));
    }
}

// forEachChunk with f's results concatenated.
template <class F>
torch::Tensor mapChunks(const torch::Tensor& x, const torch::Tensor& labels, int64_t chunk, F&& f)
{
    std::vector<torch::Tensor> parts;
    forEachChunk(x, labels, chunk,
        [&](const torch::Tensor& rows, const torch::Tensor& y) { parts.push_back(f(rows, y)); });
    return torch::cat(parts);
}

} // namespace ddil
