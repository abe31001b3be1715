#include "core/data/image_dataset.h"

#include "core/api/errors.h"
#include "core/data/idx.h"
#include "core/io/atomic_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
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
        const std::string path = (folder / name).string();
        const std::string problem = regularFileProblem(path);
        if (problem.empty())
            return path;
        if (problem != "file not found") // a FIFO, a folder: named as what it is
            throw IoError(path + ": " + problem);
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

// Width and height from the image's header, wherever its format puts it, so that an oversized
// image is refused before it is decoded: PNG (IHDR), BMP, JPEG (its SOF, however many segments
// come first), PGM/PPM, WebP (VP8, VP8L, VP8X) and TIFF (the first IFD). nullopt when the file
// does not hold such a header.
std::optional<std::pair<int64_t, int64_t>> headerSize(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    // `count` bytes at `offset` (fewer at the end of the file).
    const auto bytesAt = [&in](std::uint64_t offset, size_t count) {
        std::vector<unsigned char> b(count);
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(count));
        b.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        return b;
    };
    const auto be = [](const std::vector<unsigned char>& b, size_t i, int bytes) {
        int64_t v = 0;
        for (int k = 0; k < bytes; ++k)
            v = (v << 8) | b[i + static_cast<size_t>(k)];
        return v;
    };
    const auto le = [](const std::vector<unsigned char>& b, size_t i, int bytes) {
        int64_t v = 0;
        for (int k = bytes - 1; k >= 0; --k)
            v = (v << 8) | b[i + static_cast<size_t>(k)];
        return v;
    };
    const auto b = bytesAt(0, 64);
    const size_t n = b.size();
    if (n >= 24 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0)
        return std::make_pair(be(b, 16, 4), be(b, 20, 4));
    if (n >= 26 && b[0] == 'B' && b[1] == 'M')
        return std::make_pair(std::abs(int64_t(static_cast<int32_t>(le(b, 18, 4)))),
            std::abs(int64_t(static_cast<int32_t>(le(b, 22, 4)))));
    if (n >= 30 && std::memcmp(b.data(), "RIFF", 4) == 0
        && std::memcmp(b.data() + 8, "WEBP", 4) == 0) {
        if (std::memcmp(b.data() + 12, "VP8X", 4) == 0)
            return std::make_pair(le(b, 24, 3) + 1, le(b, 27, 3) + 1);
        if (std::memcmp(b.data() + 12, "VP8L", 4) == 0) {
            const int64_t bits = le(b, 21, 4);
            return std::make_pair((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
        }
        if (std::memcmp(b.data() + 12, "VP8 ", 4) == 0)
            return std::make_pair(le(b, 26, 2) & 0x3fff, le(b, 28, 2) & 0x3fff);
        return std::nullopt;
    }
    if (n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') {
        // "P5 <width> <height> ..." with whitespace and # comments between the fields.
        const auto text = bytesAt(2, 4096);
        std::vector<int64_t> fields;
        for (size_t i = 0; i < text.size() && fields.size() < 2;) {
            if (text[i] == '#') {
                while (i < text.size() && text[i] != '\n')
                    ++i;
            } else if (std::isdigit(text[i])) {
                int64_t v = 0;
                for (; i < text.size() && std::isdigit(text[i]) && v < (int64_t(1) << 40); ++i)
                    v = v * 10 + (text[i] - '0');
                fields.push_back(v);
            } else if (std::isspace(text[i])) {
                ++i;
            } else {
                return std::nullopt;
            }
        }
        return fields.size() == 2 ? std::optional(std::make_pair(fields[0], fields[1]))
                                  : std::nullopt;
    }
    if (n >= 8
        && (std::memcmp(b.data(), "II*\0", 4) == 0 || std::memcmp(b.data(), "MM\0*", 4) == 0)) {
        const bool little = b[0] == 'I';
        const auto num = [&](const std::vector<unsigned char>& v, size_t i, int bytes) {
            return little ? le(v, i, bytes) : be(v, i, bytes);
        };
        const auto ifd = static_cast<std::uint64_t>(num(b, 4, 4));
        const auto count = bytesAt(ifd, 2);
        if (count.size() < 2)
            return std::nullopt;
        const auto entries = bytesAt(ifd + 2, static_cast<size_t>(num(count, 0, 2)) * 12);
        int64_t width = -1, height = -1;
        for (size_t e = 0; e + 12 <= entries.size(); e += 12) {
            const int64_t tag = num(entries, e, 2), type = num(entries, e + 2, 2);
            const int64_t value = type == 3 ? num(entries, e + 8, 2) : num(entries, e + 8, 4);
            if (tag == 256)
                width = value;
            else if (tag == 257)
                height = value;
        }
        return width >= 0 && height >= 0 ? std::optional(std::make_pair(width, height))
                                         : std::nullopt;
    }
    if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
        // Segment by segment through the file: FF <marker> <length> ...; the frame header (SOF)
        // comes before the scan (SOS), at any distance from the start.
        std::uint64_t at = 2;
        for (int segments = 0; segments < 100000; ++segments) {
            auto m = bytesAt(at, 9);
            if (m.size() < 2)
                return std::nullopt;
            if (m[0] != 0xFF) {
                ++at;
                continue;
            }
            const unsigned marker = m[1];
            if (marker == 0xFF || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                at += marker == 0xFF ? 1 : 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9 || m.size() < 4)
                return std::nullopt; // scan or end before any frame header
            const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                && marker != 0xCC;
            if (frame)
                return m.size() < 9 ? std::nullopt
                                    : std::optional(std::make_pair(be(m, 7, 2), be(m, 5, 2)));
            at += 2 + static_cast<std::uint64_t>(be(m, 2, 2));
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
    // The size must be known before decoding: OpenCV allocates what the file declares.
    const auto dims = headerSize(file);
    if (!dims)
        throw IoError(file.string()
            + ": cannot be read as an image (no PNG, JPEG, BMP, PGM/PPM, WebP or TIFF header "
              "giving its size)");
    const auto [width, height] = *dims;
    if (width > kMaxImagePixels || height > kMaxImagePixels || width * height > kMaxImagePixels)
        tooLarge(file, width, height);
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
