#pragma once
// The training images nearest to generated samples: the memorisation check. Distances are
// Euclidean, in pixels scaled to [-1, 1] as training sees them, over the whole image. For a
// scale, the held-out split's images are measured against the same training images: a sample
// much nearer its neighbour than held-out images are to theirs is a likely copy. Torch-free.

#include "core/api/config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ddil {

struct NearestImage {
    std::int64_t index = -1; // in the training split, in the loader's order
    std::int64_t label = -1;
    double distance = 0.0;
    std::vector<float> pixels; // (C, H, W) in [-1, 1]
};

struct NearestQuery {
    std::vector<std::int64_t> shape; // (n, C, H, W)
    std::vector<float> values; // n * C * H * W, in [-1, 1]
    std::vector<std::int64_t> labels; // each sample's class; empty, or -1: every class
    int k = 1; // neighbours per sample, nearest first
    bool sameClass = true; // search only the sample's own class (when it has one)
};

class TrainingImageIndex {
public:
    // Loads the image split `data` trains on, and up to `heldOutPerClass` images of each class
    // of the other split for the scale. IoError when the data cannot be read; ConfigError for
    // data that are not images.
    explicit TrainingImageIndex(const DataConfig& data, int heldOutPerClass = 100);
    ~TrainingImageIndex();
    TrainingImageIndex(const TrainingImageIndex&) = delete;
    TrainingImageIndex& operator=(const TrainingImageIndex&) = delete;

    std::int64_t size() const;
    std::int64_t numClasses() const;
    std::vector<std::int64_t> itemShape() const; // (C, H, W)
    std::string describe() const;

    // For each sample, its k nearest training images; ConfigError when the samples' shape is
    // not the training images'.
    std::vector<std::vector<NearestImage>> nearest(const NearestQuery& query) const;

    // The scale: for class c, the distances (ascending) from held-out images of class c to their
    // nearest training image of class c. Empty when there is no separate held-out split (an
    // image folder or IDX pair without one).
    const std::vector<double>& heldOutDistances(std::int64_t classLabel) const;
    // The fraction of class c's held-out images that lie nearer their training neighbour than
    // `distance`; -1 without held-out images of that class.
    double heldOutFractionBelow(std::int64_t classLabel, double distance) const;

    // The median of heldOutDistances(c); NaN without held-out images of that class.
    double heldOutMedian(std::int64_t classLabel) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// The median of `values` (the mean of the middle two for an even count); NaN when empty.
double median(std::vector<double> values);

} // namespace ddil
