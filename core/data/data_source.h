#pragma once
// Where training states come from: labelled samples drawn with an explicit generator.

#include "core/api/config.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ddil {

struct LabeledBatch {
    torch::Tensor x; // (B, ...) float32, on the source's device (the CPU unless placed)
    torch::Tensor labels; // (B) int64, in [0, numClasses), on the same device
};

class DataSource {
public:
    virtual ~DataSource() = default;
    virtual LabeledBatch sample(int64_t count, torch::Generator& generator) const = 0;
    virtual int64_t numClasses() const = 0;
    virtual std::vector<int64_t> sampleShape() const = 0; // one sample, without the batch dimension
    virtual std::string describe() const = 0;
    // Keeps the data on `device` when it takes at most maxBytes there, so that batches are drawn
    // on the device (no host assembly, no copy per step); the draws stay those of the CPU
    // generator. Returns whether it moved; sources that generate their samples never do.
    virtual bool placeOn(torch::Device /*device*/, int64_t /*maxBytes*/) { return false; }
};

std::unique_ptr<DataSource> makeDataSource(const DataConfig& config);

} // namespace ddil
