#pragma once
// Labelled image datasets held in memory as uint8 (N, C, H, W), served as float32 in [-1, 1]:
// Fashion-MNIST from Debian's dataset-fashion-mnist, any MNIST-format IDX pair, or a folder with
// one sub-folder per class (read with OpenCV and resized). Loaders throw IoError naming the file.

#include "core/data/data_source.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace ddil {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// Where data.kind "fashion_mnist" without a data.path reads: $DDIL_FASHION_MNIST_DIR when set
// (machines without Debian's dataset-fashion-mnist, e.g. the GPU check's), else kFashionMnistDir.
std::string fashionMnistDir();

class ImageDataset final : public DataSource {
public:
    ImageDataset(torch::Tensor images, torch::Tensor labels, std::vector<std::string> classNames,
        std::string description);

    LabeledBatch sample(int64_t count, torch::Generator& generator) const override;
    int64_t numClasses() const override { return static_cast<int64_t>(m_classNames.size()); }
    std::vector<int64_t> sampleShape() const override;
    std::string describe() const override { return m_description; }
    bool placeOn(torch::Device device, int64_t maxBytes) override;

    int64_t size() const { return m_images.size(0); }
    // Items [begin, end) in order, as float32 in [-1, 1].
    LabeledBatch slice(int64_t begin, int64_t end) const;
    const std::vector<std::string>& classNames() const { return m_classNames; }
    const torch::Tensor& images() const { return m_images; } // uint8 (N, C, H, W), where placed
    const torch::Tensor& labels() const { return m_labels; } // int64 (N), where placed

private:
    torch::Tensor m_images; // uint8 (N, C, H, W)
    torch::Tensor m_labels; // int64 (N)
    std::vector<std::string> m_classNames;
    std::string m_description;
};

// An images file (N, H, W) and a labels file (N) in IDX format, gzipped or not. Classes are
// named "0", "1", ... unless `classNames` is given.
std::unique_ptr<ImageDataset> loadIdxDataset(const std::string& imagesPath,
    const std::string& labelsPath, std::vector<std::string> classNames = {});
// The split's pair in a folder with the usual MNIST names ("train-images-idx3-ubyte[.gz]",
// "t10k-labels-idx1-ubyte[.gz]", ...).
std::unique_ptr<ImageDataset> loadIdxFolder(
    const std::string& folder, DataSplit split, std::vector<std::string> classNames = {});
// One sub-folder per class (sorted by name), every readable image in it, resized to size x size.
std::unique_ptr<ImageDataset> loadImageFolder(const std::string& folder, int size, int channels);

// The image dataset `config` names, for `split`.
std::unique_ptr<ImageDataset> loadImageDataset(const DataConfig& config, DataSplit split);

} // namespace ddil
