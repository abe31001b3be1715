#include "core/api/errors.h"
#include "core/api/nearest_images.h"
#include "core/data/idx.h"
#include "core/data/image_dataset.h"

#include <QTemporaryDir>
#include <QtTest>

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/types.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <zlib.h>

using namespace ddil;

namespace {
std::string idxBytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& data)
{
    std::string out { 0, 0, 0x08, static_cast<char>(dims.size()) };
    for (uint32_t d : dims)
        for (int shift : { 24, 16, 8, 0 })
            out.push_back(static_cast<char>((d >> shift) & 0xff));
    out.append(data.begin(), data.end());
    return out;
}

void writeFile(const std::string& path, const std::string& bytes, bool gzip)
{
    if (gzip) {
        gzFile f = gzopen(path.c_str(), "wb");
        gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(path, std::ios::binary) << bytes;
    }
}

// A binary PGM (P5) image, which OpenCV reads.
void writePgm(const std::string& path, int w, int h, uint8_t value)
{
    std::ofstream out(path, std::ios::binary);
    out << "P5\n" << w << " " << h << "\n255\n" << std::string(size_t(w * h), char(value));
}

template <class F>
QString errorOf(F&& f)
{
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}
} // namespace

class TestImageData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsPlainAndGzippedIdx()
    {
        QTemporaryDir dir;
        const std::vector<uint8_t> pixels { 0, 255, 128, 64, 1, 2, 3, 4 };
        for (bool gz : { false, true }) {
            const std::string path = dir.filePath(gz ? "a.gz" : "a").toStdString();
            writeFile(path, idxBytes({ 2, 2, 2 }, pixels), gz);
            const auto array = readIdxFile(path);
            QCOMPARE(array.dims, (std::vector<int64_t> { 2, 2, 2 }));
            QCOMPARE(array.data, pixels);
        }
    }

    void corruptIdxFilesGetOneClearError()
    {
        QTemporaryDir dir;
        const std::string truncated = dir.filePath("t").toStdString();
        writeFile(truncated, idxBytes({ 10, 28, 28 }, std::vector<uint8_t>(100, 7)), true);
        QVERIFY(errorOf([&] { readIdxFile(truncated); }).contains("truncated"));
        QVERIFY(
            errorOf([&] { readIdxFile(truncated); }).startsWith(QString::fromStdString(truncated)));

        const std::string notIdx = dir.filePath("n").toStdString();
        writeFile(notIdx, "hello world, this is text", false);
        QVERIFY(errorOf([&] { readIdxFile(notIdx); }).contains("not an IDX file"));

        // A gzip stream with its middle overwritten.
        const std::string corrupt = dir.filePath("c.gz").toStdString();
        std::vector<uint8_t> noise(5000);
        for (size_t i = 0; i < noise.size(); ++i)
            noise[i] = uint8_t((i * 7919) % 251);
        writeFile(corrupt, idxBytes({ 5000 }, noise), true);
        std::fstream f(corrupt, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);
        f.write("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
        f.close();
        const QString message = errorOf([&] { readIdxFile(corrupt); });
        QVERIFY2(message.contains("corrupt") || message.contains("truncated"), qPrintable(message));

        QVERIFY(errorOf([&] {
            readIdxFile(dir.filePath("missing").toStdString());
        }).contains("file not found"));

        // One bit flipped in a stored (uncompressed) gzip block: the data still inflates, and
        // only the trailer's CRC-32 tells. Without its trailer, the file is cut.
        const std::string flipped = dir.filePath("f.gz").toStdString();
        {
            gzFile out = gzopen(flipped.c_str(), "wb0");
            const std::string bytes = idxBytes({ 5000 }, noise);
            gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
            gzclose(out);
        }
        std::string stored;
        {
            std::ifstream in(flipped, std::ios::binary);
            stored.assign(std::istreambuf_iterator<char>(in), {});
        }
        std::string bit = stored;
        bit[stored.size() / 2] = static_cast<char>(bit[stored.size() / 2] ^ 0x10);
        writeFile(flipped, bit, false);
        QVERIFY2(errorOf([&] { readIdxFile(flipped); }).contains("incorrect data check"),
            qPrintable(errorOf([&] { readIdxFile(flipped); })));
        writeFile(flipped, stored.substr(0, stored.size() - 8), false);
        QVERIFY2(errorOf([&] { readIdxFile(flipped); }).contains("truncated or damaged"),
            qPrintable(errorOf([&] { readIdxFile(flipped); })));
        writeFile(flipped, stored, false);
        QCOMPARE(readIdxFile(flipped).data, noise);
    }

    // Sizes promised by a header are checked against the file, or against the decompressed
    // stream as it arrives, before memory is taken for them.
    void idxSizesAreCheckedBeforeAllocating()
    {
        QTemporaryDir dir;
        QElapsedTimer clock;
        clock.start();
        // 2^26 x 8 x 8 = 4 GiB promised by a plain file that holds 16 bytes.
        const std::string plain = dir.filePath("plain").toStdString();
        writeFile(plain, idxBytes({ 1u << 26, 8, 8 }, std::vector<uint8_t>(16, 1)), false);
        const QString message = errorOf([&] { readIdxFile(plain); });
        QVERIFY2(message.startsWith(QString::fromStdString(plain))
                && message.contains("the data needs 4294967296 bytes, the file holds 16"),
            qPrintable(message));
        writeFile(plain, idxBytes({ 1u << 28, 8, 8 }, std::vector<uint8_t>(16, 1)), false);
        QVERIFY(errorOf([&] { readIdxFile(plain); }).contains("IDX data larger than 4 GiB"));
        // 2^20 x 64 x 64 = 4 GiB promised by a gzip stream of 16 bytes: its trailer says 32.
        const std::string gz = dir.filePath("small.gz").toStdString();
        writeFile(gz, idxBytes({ 1u << 20, 64, 64 }, std::vector<uint8_t>(16, 1)), true);
        const QString gzMessage = errorOf([&] { readIdxFile(gz); });
        QVERIFY2(gzMessage.startsWith(QString::fromStdString(gz))
                && gzMessage.contains("the gzip trailer gives 32 bytes uncompressed (modulo "
                                      "2^32), the IDX header needs 4294967312"),
            qPrintable(gzMessage));
        // A bomb: 1,000 bytes promised, 64 MiB of zeros in the stream, its trailer's length
        // made to agree: the read stops at the first byte past the promise.
        const std::string bomb = dir.filePath("bomb.gz").toStdString();
        writeFile(bomb, idxBytes({ 1000 }, std::vector<uint8_t>(1000 + (64 << 20), 0)), true);
        std::fstream patch(bomb, std::ios::in | std::ios::out | std::ios::binary);
        patch.seekp(-4, std::ios::end);
        patch.write("\xf0\x03\0\0", 4); // 1008 = 8 + 1000, little-endian
        patch.close();
        const QString bombMessage = errorOf([&] { readIdxFile(bomb); });
        QVERIFY2(bombMessage.contains(
                     "decompresses past the 1008 bytes its IDX header promises (stopped there)"),
            qPrintable(bombMessage));
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    }

    void idxLabelsMustFitTheClasses()
    {
        QTemporaryDir dir;
        const std::string images = dir.filePath("images").toStdString();
        const std::string labels = dir.filePath("labels").toStdString();
        writeFile(images, idxBytes({ 4, 2, 2 }, std::vector<uint8_t>(16, 0)), false);
        // A stray 200 among 0 and 1: refused, not a 201-class model.
        writeFile(labels, idxBytes({ 4 }, { 0, 1, 200, 1 }), false);
        QString message = errorOf([&] { loadIdxDataset(images, labels); });
        QVERIFY2(message.startsWith(QString::fromStdString(labels))
                && message.contains("label 200 at index 2, but class 2 has no example"),
            qPrintable(message));
        // Named classes (Fashion-MNIST's ten): a label past them is refused.
        writeFile(labels, idxBytes({ 4 }, { 0, 1, 10, 1 }), false);
        message
            = errorOf([&] { loadIdxDataset(images, labels, std::vector<std::string>(10, "c")); });
        QVERIFY2(message.contains("label 10 at index 2, but this dataset has 10 classes (0 to 9)"),
            qPrintable(message));
    }

    // A FIFO where the labels should be is named as what it is, never read (it would block).
    void labelsThatAreAFifoAreNamedSo()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        writeFile((root / "train-images-idx3-ubyte").string(),
            idxBytes({ 2, 2, 2 }, std::vector<uint8_t>(8, 0)), false);
        const std::string fifo = (root / "train-labels-idx1-ubyte").string();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        const QString message = errorOf([&] { loadIdxFolder(root.string(), DataSplit::Train); });
        QVERIFY2(message == QString::fromStdString(fifo + ": is not a regular file (a FIFO)"),
            qPrintable(message));
    }

    void labelCountMustMatch()
    {
        QTemporaryDir dir;
        const std::string images = dir.filePath("images").toStdString();
        const std::string labels = dir.filePath("labels").toStdString();
        writeFile(images, idxBytes({ 3, 2, 2 }, std::vector<uint8_t>(12, 0)), false);
        writeFile(labels, idxBytes({ 2 }, { 0, 1 }), false);
        const QString message = errorOf([&] { loadIdxDataset(images, labels); });
        QVERIFY2(message.contains("holds 2 labels") && message.contains("3 images"),
            qPrintable(message));
    }

    void idxDatasetServesScaledLabelledImages()
    {
        QTemporaryDir dir;
        // MNIST names in a folder: the train split is found by name.
        writeFile(dir.filePath("train-images-idx3-ubyte.gz").toStdString(),
            idxBytes({ 2, 1, 2 }, { 0, 255, 255, 0 }), true);
        writeFile(dir.filePath("train-labels-idx1-ubyte").toStdString(), idxBytes({ 2 }, { 0, 1 }),
            false);
        DataConfig config;
        config.kind = DataKind::Idx;
        config.path = dir.path().toStdString();
        const auto data = loadImageDataset(config, DataSplit::Train);
        QCOMPARE(data->size(), int64_t(2));
        QCOMPARE(data->numClasses(), int64_t(2));
        QCOMPARE(data->sampleShape(), (std::vector<int64_t> { 1, 1, 2 }));
        const auto all = data->slice(0, 2);
        QCOMPARE(all.x.flatten().min().item<float>(), -1.0f);
        QCOMPARE(all.x.flatten().max().item<float>(), 1.0f);
        QCOMPARE(all.labels[1].item<int64_t>(), int64_t(1));
        // The test split is missing: the error names the file looked for.
        const QString missing = errorOf([&] { loadImageDataset(config, DataSplit::Test); });
        QVERIFY2(missing.contains("t10k-images-idx3-ubyte"), qPrintable(missing));
    }

    // A trainer on a GPU keeps its training set there when it fits (DataSource::placeOn). The
    // meta device stands in for a GPU here (it has no index_select in LibTorch 1.13: drawing
    // batches there is checked against the CPU's by tests/gpu/tst_gpu.cpp on CUDA).
    void placingDataMovesItOnlyWhenItFits()
    {
        auto images = torch::arange(4 * 6, torch::kInt64).to(torch::kUInt8).reshape({ 4, 1, 2, 3 });
        ImageDataset data(
            images, torch::tensor({ 0, 1, 2, 1 }, torch::kInt64), { "a", "b", "c" }, "four images");
        const int64_t bytes = 4 * 6 + 4 * 8; // uint8 images, int64 labels
        QVERIFY(!data.placeOn(torch::kCPU, bytes)); // already there
        QVERIFY(!data.placeOn(torch::kMeta, bytes - 1)); // does not fit
        QCOMPARE(data.images().device(), torch::Device(torch::kCPU));
        QVERIFY(data.placeOn(torch::kMeta, bytes));
        QCOMPARE(data.images().device(), torch::Device(torch::kMeta));
        QCOMPARE(data.labels().device(), torch::Device(torch::kMeta));
        QCOMPARE(data.images().sizes(), images.sizes());
        QCOMPARE(data.size(), int64_t(4));
    }

    void fashionMnistFromTheDebianPackage()
    {
        if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
            QSKIP("dataset-fashion-mnist is not installed");
        DataConfig config;
        config.kind = DataKind::FashionMnist;
        const auto test = loadImageDataset(config, DataSplit::Test);
        QCOMPARE(test->size(), int64_t(10000));
        QCOMPARE(test->sampleShape(), (std::vector<int64_t> { 1, 28, 28 }));
        QCOMPARE(test->classNames().at(9), std::string("Ankle boot"));
        auto gen = at::detail::createCPUGenerator(0);
        const auto batch = test->sample(256, gen);
        QCOMPARE(batch.x.sizes(), (c10::IntArrayRef { 256, 1, 28, 28 }));
        QVERIFY(batch.x.min().item<float>() >= -1.0f && batch.x.max().item<float>() <= 1.0f);
        // Every class occurs, in about equal shares (the split is balanced).
        const auto counts = torch::bincount(test->slice(0, 10000).labels);
        QCOMPARE(counts.min().item<int64_t>(), int64_t(1000));
    }

    // The nearest training image by hand: uniform images, so that a distance is
    // sqrt(pixels) * |a - b| / 127.5. A held-out split gives the scale.
    void nearestTrainingImagesByHand()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const std::vector<std::pair<std::string, std::vector<int>>> train {
            { "cats", { 0, 100, 200 } }, { "dogs", { 50, 250 } }
        };
        for (const auto& [cls, values] : train) {
            std::filesystem::create_directories(root / "train" / cls);
            std::filesystem::create_directories(root / "test" / cls);
            for (int v : values)
                writePgm((root / "train" / cls / (std::to_string(v) + ".pgm")).string(), 4, 4,
                    uint8_t(v));
        }
        writePgm((root / "test" / "cats" / "a.pgm").string(), 4, 4, 110); // 10 from 100
        writePgm((root / "test" / "cats" / "b.pgm").string(), 4, 4, 170); // 30 from 200
        writePgm((root / "test" / "dogs" / "c.pgm").string(), 4, 4, 60); // 10 from 50
        DataConfig config;
        config.kind = DataKind::ImageFolder;
        config.path = root.string();
        config.image_size = 4;
        const TrainingImageIndex index(config);
        QCOMPARE(index.size(), int64_t(5));
        QCOMPARE(index.itemShape(), (std::vector<int64_t> { 1, 4, 4 }));
        const double unit = std::sqrt(16.0) / 127.5; // one grey level over 16 pixels
        QCOMPARE(index.heldOutDistances(0).size(), size_t(2));
        QVERIFY(std::abs(index.heldOutDistances(0)[0] - 10 * unit) < 1e-6);
        QVERIFY(std::abs(index.heldOutDistances(0)[1] - 30 * unit) < 1e-6);
        QCOMPARE(index.heldOutFractionBelow(0, 20 * unit), 0.5);
        QCOMPARE(index.heldOutFractionBelow(0, 5 * unit), 0.0);
        QCOMPARE(index.heldOutFractionBelow(7, 5 * unit), -1.0);
        QVERIFY(std::abs(index.heldOutMedian(0) - 20 * unit) < 1e-6); // (10 + 30) / 2
        QVERIFY(std::isnan(index.heldOutMedian(7)));
        QCOMPARE(median({ 3.0, 1.0, 2.0 }), 2.0);
        QCOMPARE(median({ 4.0, 1.0, 3.0, 2.0 }), 2.5);
        QVERIFY(std::isnan(median({})));

        // Three samples of grey 140, 240 and 240: a cat, a dog and a sample of no class.
        NearestQuery query;
        query.shape = { 3, 1, 4, 4 };
        for (int v : { 140, 240, 240 })
            for (int i = 0; i < 16; ++i)
                query.values.push_back(float(v / 127.5 - 1.0));
        query.labels = { 0, 1, -1 };
        query.k = 2;
        const auto found = index.nearest(query);
        QCOMPARE(found.size(), size_t(3));
        // The cat: 100 (40 away), then 200 (60 away); the dog 250 at 240, a cat never.
        QCOMPARE(found[0][0].label, int64_t(0));
        QVERIFY(std::abs(found[0][0].distance - 40 * unit) < 1e-6);
        QCOMPARE(found[0][0].pixels.size(), size_t(16));
        QVERIFY(std::abs(found[0][0].pixels[3] - float(100 / 127.5 - 1.0)) < 1e-6);
        QVERIFY(std::abs(found[0][1].distance - 60 * unit) < 1e-6);
        QCOMPARE(found[1][0].label, int64_t(1));
        QVERIFY(std::abs(found[1][0].distance - 10 * unit) < 1e-6);
        QCOMPARE(found[1][1].label, int64_t(1)); // 50: the other dog, 190 away
        // Without a class every image competes: 250 (a dog), then 200 (a cat).
        QCOMPARE(found[2][1].label, int64_t(0));
        QVERIFY(std::abs(found[2][1].distance - 40 * unit) < 1e-6);
        // Across classes when asked: the cat sample's nearest is still 100, a dog 50 is farther.
        query.sameClass = false;
        QCOMPARE(index.nearest(query)[0][0].distance, found[0][0].distance);

        query.shape = { 3, 1, 8, 8 };
        QVERIFY(errorOf([&] { index.nearest(query); })
                .contains("samples of shape 3x1x8x8 cannot be compared with training "
                          "images of shape 1x4x4"));
        // One split only: no scale, and the description says why.
        std::filesystem::remove_all(root / "test");
        std::filesystem::rename(root / "train", root / "all");
        config.path = (root / "all").string();
        const TrainingImageIndex single(config);
        QVERIFY(single.heldOutDistances(0).empty());
        QVERIFY(QString::fromStdString(single.describe()).contains("one split only"));
        config.kind = DataKind::Toy2d;
        QVERIFY(errorOf([&] { TrainingImageIndex toy(config); }).contains("not an image dataset"));
    }

    // A training image is its own nearest neighbour at distance 0, found among 60,000 by the
    // fast pass and measured exactly; a held-out image is not.
    void nearestTrainingImageOfFashionMnist()
    {
        if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
            QSKIP("dataset-fashion-mnist is not installed");
        DataConfig config;
        config.kind = DataKind::FashionMnist;
        QElapsedTimer built;
        built.start();
        const TrainingImageIndex index(config, 100);
        qInfo("index built: %lld ms", built.elapsed());
        QCOMPARE(index.size(), int64_t(60000));
        const auto train = loadImageDataset(config, DataSplit::Train);
        const auto test = loadImageDataset(config, DataSplit::Test);
        NearestQuery query;
        query.shape = { 2, 1, 28, 28 };
        for (const auto& item : { train->slice(31337, 31338), test->slice(5, 6) }) {
            const auto x = item.x.contiguous();
            query.values.insert(
                query.values.end(), x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
            query.labels.push_back(item.labels[0].item<int64_t>());
        }
        QElapsedTimer timer;
        timer.start();
        const auto found = index.nearest(query);
        qInfo("two queries against 60,000 images: %lld ms", timer.elapsed());
        QCOMPARE(found[0][0].index, int64_t(31337));
        QCOMPARE(found[0][0].distance, 0.0);
        QVERIFY(found[1][0].distance > 1.0);
        const auto& held = index.heldOutDistances(query.labels[1]);
        QCOMPARE(held.size(), size_t(100));
        QVERIFY(held.front() > 0.5); // no held-out image is a copy of a training image
        QCOMPARE(index.heldOutFractionBelow(query.labels[0], 0.0), 0.0);
    }

    void imageFolderWithClassSubfolders()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        std::filesystem::create_directories(root / "cats");
        std::filesystem::create_directories(root / "dogs");
        writePgm((root / "cats" / "a.pgm").string(), 8, 8, 0);
        writePgm((root / "cats" / "b.pgm").string(), 16, 16, 255);
        writePgm((root / "dogs" / "c.pgm").string(), 4, 4, 255);
        std::ofstream(root / "dogs" / "notes.txt") << "ignored";
        DataConfig config;
        config.kind = DataKind::ImageFolder;
        config.path = root.string();
        config.image_size = 8;
        for (int channels : { 1, 3 }) {
            config.channels = channels;
            const auto data = loadImageDataset(config, DataSplit::Train);
            QCOMPARE(data->size(), int64_t(3));
            QCOMPARE(data->classNames(), (std::vector<std::string> { "cats", "dogs" }));
            QCOMPARE(data->sampleShape(), (std::vector<int64_t> { channels, 8, 8 }));
            const auto all = data->slice(0, 3);
            QCOMPARE(all.labels.size(0), int64_t(3));
            QCOMPARE(all.x[0].max().item<float>(), -1.0f);
            QCOMPARE(all.x[1].min().item<float>(), 1.0f); // resized from 16 x 16
            QCOMPARE(all.labels[2].item<int64_t>(), int64_t(1));
        }
        // An unreadable image: the error names it.
        std::ofstream(root / "dogs" / "broken.png") << "not a png";
        QVERIFY(
            errorOf([&] { loadImageDataset(config, DataSplit::Train); }).contains("broken.png"));
        std::filesystem::remove(root / "dogs" / "broken.png");
        // A PNG header declaring 65535 x 65535 pixels: refused by name before decoding.
        std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\xff\xff\0\0\xff\xff\x08\0\0\0\0", 29);
        std::ofstream(root / "dogs" / "huge.png", std::ios::binary) << png << std::string(64, '\0');
        const QString huge = errorOf([&] { loadImageDataset(config, DataSplit::Train); });
        QVERIFY2(huge.contains("huge.png: 65535x65535 pixels, more than the 67108864"),
            qPrintable(huge));
    }

    // Each format's size is read where the format puts it, before any decode: a JPEG's SOF
    // behind 120 KB of APP segments, a PGM's after a comment, WebP's and TIFF's in their chunks.
    void oversizedImagesAreRefusedInEveryFormat()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        std::filesystem::create_directories(root / "c");
        DataConfig config;
        config.kind = DataKind::ImageFolder;
        config.path = root.string();
        config.image_size = 8;
        config.channels = 1;
        const auto app = [](char fill) { // an APP1 segment of 60,000 bytes
            return std::string("\xff\xe1\xea\x60", 4) + std::string(60000 - 2, fill);
        };
        // A real 8x8 JPEG with two such segments after its SOI still loads.
        std::vector<unsigned char> encoded;
        QVERIFY(cv::imencode(".jpg", cv::Mat(8, 8, CV_8UC1, cv::Scalar(200)), encoded));
        const std::string jpeg(encoded.begin(), encoded.end());
        std::ofstream(root / "c" / "far.jpg", std::ios::binary)
            << jpeg.substr(0, 2) << app('a') << app('b') << jpeg.substr(2);
        QCOMPARE(loadImageDataset(config, DataSplit::Train)->size(), int64_t(1));
        std::filesystem::remove(root / "c" / "far.jpg");

        const std::string sof("\xff\xc0\x00\x0b\x08\xff\xff\xff\xff\x01\x01\x11\x00", 13);
        const std::vector<std::pair<std::string, std::string>> files {
            { "far.jpg", std::string("\xff\xd8", 2) + app('a') + app('b') + sof + "\xff\xd9" },
            { "big.pgm", "P5\n# made by hand\n9000 9000\n255\n" + std::string(64, '\0') },
            { "big.webp",
                std::string("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\x27\x23\0\x27\x23\0", 30)
                    + std::string(64, '\0') },
            { "big.tif",
                std::string("II*\0\x08\0\0\0\x02\0"
                            "\x00\x01\x04\0\x01\0\0\0\x28\x23\0\0"
                            "\x01\x01\x04\0\x01\0\0\0\x28\x23\0\0"
                            "\0\0\0\0",
                    38) },
            { "big.bmp",
                std::string("BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x28\x23\0\0\x28\x23\0\0\x01\0"
                            "\x08\0",
                    30)
                    + std::string(64, '\0') },
        };
        for (const auto& [name, bytes] : files) {
            std::ofstream(root / "c" / name, std::ios::binary) << bytes;
            const QString error = errorOf([&] { loadImageDataset(config, DataSplit::Train); });
            QVERIFY2(error.contains(QString::fromStdString(name) + ": ")
                    && error.contains("pixels, more than the 67108864"),
                qPrintable(error));
            std::filesystem::remove(root / "c" / name);
        }
        // A file of an image extension with no header this reader knows is refused undecoded.
        std::ofstream(root / "c" / "odd.tiff", std::ios::binary) << std::string(100, 'x');
        QVERIFY(errorOf([&] {
            loadImageDataset(config, DataSplit::Train);
        }).contains("odd.tiff: cannot be read as an image"));
    }
};

QTEST_GUILESS_MAIN(TestImageData)
#include "tst_image_data.moc"
