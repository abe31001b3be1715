#include "core/data/image_dataset.h"

#include "core/api/errors.h"
#include "core/data/idx.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace ddil {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFashionMnistClasses { "T-shirt/top", "Trouser", "Pullover", "Dress",
    "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

std::vector<std::string> numberedClasses(int64_t count)
{
    std::vector<std::string> names;
    for (int64_t i = 0; i < count; ++i)
        names.push_back(std::to_string(i));
    return names;
}

// "<folder>/<stem>" or "<folder>/<stem>.gz", whichever exists.
std::string findIdxFile(const fs::path& folder, const std::string& stem)
{
    for (const auto& name : { stem + ".gz", stem }) {
        std::error_code ec;
        if (fs::is_regular_file(folder / name, ec))
            return (folder / name).string();
    }
    throw IoError((folder / stem).string() + "[.gz]: file not found");
}

bool isImageFile(const fs::path& p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    for (const char* known :
        { ".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp" })
        if (ext == known)
            return true;
    return false;
}

// The most pixels an image of an image folder may have (8192 x 8192): its decoded copy is kept
// only until it is resized, but a crafted small file may declare any size.
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;

// Width and height from a PNG, JPEG or BMP header (nullopt for other formats, or when the first
// 64 KiB do not say), so that an oversized image is refused before it is decoded.
std::optional<std::pair<int64_t, int64_t>> headerSize(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::vector<unsigned char> b(64 * 1024);
    in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
    const auto n = static_cast<size_t>(in.gcount());
    const auto be = [&](size_t i, int bytes) {
        int64_t v = 0;
        for (int k = 0; k < bytes; ++k)
            v = (v << 8) | b[i + k];
        return v;
    };
    const auto le32 = [&](size_t i) {
        return static_cast<int32_t>(uint32_t(b[i]) | uint32_t(b[i + 1]) << 8
            | uint32_t(b[i + 2]) << 16 | uint32_t(b[i + 3]) << 24);
    };
    if (n >= 24 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0)
        return std::make_pair(be(16, 4), be(20, 4));
    if (n >= 26 && b[0] == 'B' && b[1] == 'M')
        return std::make_pair(std::abs(int64_t(le32(18))), std::abs(int64_t(le32(22))));
    if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
        size_t i = 2;
        while (i + 9 < n) {
            if (b[i] != 0xFF) {
                ++i;
                continue;
            }
            const unsigned marker = b[i + 1];
            const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                && marker != 0xCC;
            if (frame)
                return std::make_pair(be(i + 7, 2), be(i + 5, 2));
            if (marker == 0xFF || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
                i += marker == 0xFF ? 1 : 2;
            else
                i += 2 + static_cast<size_t>(be(i + 2, 2));
        }
    }
    return std::nullopt;
}

[[noreturn]] void tooLarge(const fs::path& file, int64_t width, int64_t height)
{
    throw IoError(file.string() + ": " + std::to_string(width) + "x" + std::to_string(height)
        + " pixels, more than the " + std::to_string(kMaxImagePixels)
        + " (8192x8192) an image of an image folder may have");
}

// One image of an image folder, decoded and resized to size x size; IoError naming the file
// when it is oversized, corrupt or in a format this OpenCV cannot read.
cv::Mat readFolderImage(const fs::path& file, int size, int channels)
{
    if (const auto dims = headerSize(file); dims && dims->first * dims->second > kMaxImagePixels)
        tooLarge(file, dims->first, dims->second);
    cv::Mat image;
    try {
        image = cv::imread(file.string(), channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
        if (image.empty())
            throw IoError(file.string() + ": cannot be read as an image (corrupt or unsupported)");
        if (int64_t(image.rows) * image.cols > kMaxImagePixels)
            tooLarge(file, image.cols, image.rows);
        if (channels == 3)
            cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
        if (image.rows != size || image.cols != size)
            cv::resize(image, image, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    } catch (const cv::Exception& e) {
        std::string why = e.err.empty() ? e.what() : e.err;
        throw IoError(
            file.string() + ": cannot be decoded (" + why.substr(0, why.find('\n')) + ")");
    }
    return image;
}

} // namespace

ImageDataset::ImageDataset(torch::Tensor images, torch::Tensor labels,
    std::vector<std::string> classNames, std::string description)
    : m_images(std::move(images))
    , m_labels(std::move(labels))
    , m_classNames(std::move(classNames))
    , m_description(std::move(description))
{
}

std::vector<int64_t> ImageDataset::sampleShape() const
{
    return { m_images.size(1), m_images.size(2), m_images.size(3) };
}

LabeledBatch ImageDataset::sample(int64_t count, torch::Generator& generator) const
{
    // Drawn by the CPU generator wherever the images are: the same batches on every device.
    const auto index
        = torch::randint(size(), { count }, generator, torch::kInt64).to(m_images.device());
    return { m_images.index_select(0, index).to(torch::kFloat32).div_(127.5).sub_(1.0),
        m_labels.index_select(0, index) };
}

bool ImageDataset::placeOn(torch::Device device, int64_t maxBytes)
{
    const int64_t bytes
        = m_images.numel() * m_images.element_size() + m_labels.numel() * m_labels.element_size();
    if (m_images.device() == device || bytes > maxBytes)
        return false;
    m_images = m_images.to(device);
    m_labels = m_labels.to(device);
    return true;
}

LabeledBatch ImageDataset::slice(int64_t begin, int64_t end) const
{
    return { m_images.slice(0, begin, end).to(torch::kFloat32).div_(127.5).sub_(1.0),
        m_labels.slice(0, begin, end).clone() };
}

std::unique_ptr<ImageDataset> loadIdxDataset(const std::string& imagesPath,
    const std::string& labelsPath, std::vector<std::string> classNames)
{
    IdxArray images = readIdxFile(imagesPath);
    IdxArray labels = readIdxFile(labelsPath);
    if (images.dims.size() != 3)
        throw IoError(imagesPath + ": expected an IDX image file with 3 dimensions (N, H, W), got "
            + std::to_string(images.dims.size()));
    if (labels.dims.size() != 1)
        throw IoError(labelsPath + ": expected an IDX label file with 1 dimension, got "
            + std::to_string(labels.dims.size()));
    if (labels.dims[0] != images.dims[0])
        throw IoError(labelsPath + ": holds " + std::to_string(labels.dims[0]) + " labels but "
            + imagesPath + " holds " + std::to_string(images.dims[0]) + " images");
    const int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
    auto imageTensor = torch::empty({ n, 1, h, w }, torch::kUInt8);
    std::memcpy(imageTensor.data_ptr<uint8_t>(), images.data.data(), images.data.size());
    auto labelTensor = torch::from_blob(labels.data.data(), { n }, torch::kUInt8).to(torch::kInt64);
    const int64_t top = labelTensor.max().item<int64_t>();
    const auto at = [&](int64_t label) {
        return std::to_string(labelTensor.eq(label).nonzero()[0].item<int64_t>());
    };
    if (!classNames.empty() && top >= static_cast<int64_t>(classNames.size()))
        throw IoError(labelsPath + ": label " + std::to_string(top) + " at index " + at(top)
            + ", but this dataset has " + std::to_string(classNames.size()) + " classes (0 to "
            + std::to_string(classNames.size() - 1) + ")");
    if (classNames.empty()) {
        // The class count is read from the labels: K classes are 0 .. K-1, each with an example,
        // so that a stray label (200 among 0..9) cannot make a 201-class model.
        const auto counts = torch::bincount(labelTensor, {}, top + 1);
        const auto empty = counts.eq(0).nonzero();
        if (empty.size(0) > 0)
            throw IoError(labelsPath + ": label " + std::to_string(top) + " at index " + at(top)
                + ", but class " + std::to_string(empty[0].item<int64_t>())
                + " has no example (the classes of an idx dataset are 0 to K-1, each present)");
        classNames = numberedClasses(top + 1);
    }
    return std::make_unique<ImageDataset>(std::move(imageTensor), std::move(labelTensor),
        std::move(classNames), "idx:" + fs::path(imagesPath).filename().string());
}

std::unique_ptr<ImageDataset> loadIdxFolder(
    const std::string& folder, DataSplit split, std::vector<std::string> classNames)
{
    const std::string prefix = split == DataSplit::Train ? "train" : "t10k";
    const std::string images = findIdxFile(folder, prefix + "-images-idx3-ubyte");
    const std::string labels = findIdxFile(folder, prefix + "-labels-idx1-ubyte");
    return loadIdxDataset(images, labels, std::move(classNames));
}

std::unique_ptr<ImageDataset> loadImageFolder(const std::string& folder, int size, int channels)
{
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw IoError(
            folder + ": " + (fs::exists(folder, ec) ? "is not a folder" : "folder not found"));
    std::vector<fs::path> classDirs;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_directory())
            classDirs.push_back(entry.path());
    std::sort(classDirs.begin(), classDirs.end());
    if (classDirs.empty())
        throw IoError(folder + ": no class sub-folders (expected one folder of images per class)");

    std::vector<std::string> classNames;
    std::vector<cv::Mat> images;
    std::vector<int64_t> labels;
    for (const auto& dir : classDirs) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.is_regular_file() && isImageFile(entry.path()))
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (files.empty())
            continue;
        const auto label = static_cast<int64_t>(classNames.size());
        classNames.push_back(dir.filename().string());
        for (const auto& file : files) {
            images.push_back(readFolderImage(file, size, channels));
            labels.push_back(label);
        }
    }
    if (images.empty())
        throw IoError(folder + ": no images in its class sub-folders");
    const auto n = static_cast<int64_t>(images.size());
    auto tensor = torch::empty({ n, size, size, channels }, torch::kUInt8);
    for (int64_t i = 0; i < n; ++i) {
        const cv::Mat& m = images[i];
        for (int r = 0; r < size; ++r)
            std::memcpy(
                tensor[i][r].data_ptr<uint8_t>(), m.ptr<uint8_t>(r), size_t(size) * channels);
    }
    return std::make_unique<ImageDataset>(tensor.permute({ 0, 3, 1, 2 }).contiguous(),
        torch::tensor(labels, torch::kInt64), std::move(classNames),
        "folder:" + fs::path(folder).filename().string());
}

std::string fashionMnistDir()
{
    const char* dir = std::getenv("DDIL_FASHION_MNIST_DIR");
    return dir && *dir ? dir : kFashionMnistDir;
}

std::unique_ptr<ImageDataset> loadImageDataset(const DataConfig& config, DataSplit split)
{
    switch (config.kind) {
    case DataKind::FashionMnist:
        return loadIdxFolder(
            config.path.empty() ? fashionMnistDir() : config.path, split, kFashionMnistClasses);
    case DataKind::Idx: {
        std::error_code ec;
        if (fs::is_directory(config.path, ec))
            return loadIdxFolder(config.path, split);
        if (config.labels_path.empty())
            throw ConfigError("data.labels_path: needed when data.path is an images file");
        return loadIdxDataset(config.path, config.labels_path);
    }
    case DataKind::ImageFolder: {
        const int size = config.image_size > 0 ? config.image_size : 32;
        const fs::path splitDir = fs::path(config.path) / toString(split);
        std::error_code ec;
        return loadImageFolder(fs::is_directory(splitDir, ec) ? splitDir.string() : config.path,
            size, config.channels);
    }
    case DataKind::Toy2d:
        break;
    }
    throw ConfigError("data.kind: \"" + toString(config.kind) + "\" is not an image dataset");
}

} // namespace ddil
