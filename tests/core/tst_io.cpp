#include "core/api/errors.h"
#include "core/api/notices.h"
#include "core/io/atomic_file.h"
#include "core/io/image_grid.h"
#include "core/io/line_plot.h"
#include "core/io/npy.h"
#include "core/io/resource_path.h"
#include "core/io/scatter_plot.h"
#include "core/io/strict_json.h"
#include "core/io/tensorboard.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace ddil;

class TestIo : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string path(const char* name) { return m_dir.filePath(name).toStdString(); }

private Q_SLOTS:
    void resourcePathsAreFoundInTheDataDirAndTheSourceTree()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("resources/weights"));
        QFile f(dir.filePath("resources/weights/only-here.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        qputenv("DDIL_DATA_DIR", dir.path().toLocal8Bit());
        QCOMPARE(QString::fromStdString(resolveResourcePath("resources/weights/only-here.pt")),
            dir.filePath("resources/weights/only-here.pt"));
        qunsetenv("DDIL_DATA_DIR");
        // Shipped files resolve from any working folder through the source tree of this build.
        QVERIFY(QFile::exists(
            QString::fromStdString(resolveResourcePath("configs/fashion-mnist/teacher.json"))));
        // Absolute and unknown paths come back unchanged, for the caller's "not found".
        QCOMPARE(resolveResourcePath("/abs/x.pt"), std::string("/abs/x.pt"));
        QCOMPARE(resolveResourcePath("no/such/file.pt"), std::string("no/such/file.pt"));
    }

    void checkpointByItsEarlierNameResolvesWithANotice()
    {
        QStringList notices;
        const auto previous = setNoticeHandler(
            [&](const std::string& line) { notices << QString::fromStdString(line); });
        // A shipped checkpoint named as it was before checkpoints were safetensors files.
        const std::string resolved
            = resolveResourcePath("resources/weights/toy-checkerboard-teacher.pt");
        QCOMPARE(QFileInfo(QString::fromStdString(resolved)).fileName(),
            QString("toy-checkerboard-teacher.safetensors"));
        QVERIFY(QFile::exists(QString::fromStdString(resolved)));
        // An absolute one too; a .pt file that exists is itself, silently.
        QTemporaryDir dir;
        writeFileAtomically(dir.filePath("a.safetensors").toStdString(), "x");
        QCOMPARE(resolveResourcePath(dir.filePath("a.pt").toStdString()),
            dir.filePath("a.safetensors").toStdString());
        writeFileAtomically(dir.filePath("b.pt").toStdString(), "x");
        writeFileAtomically(dir.filePath("b.safetensors").toStdString(), "x");
        QCOMPARE(resolveResourcePath(dir.filePath("b.pt").toStdString()),
            dir.filePath("b.pt").toStdString());
        setNoticeHandler(previous);
        QCOMPARE(notices.size(), 2);
        QVERIFY2(notices[0].contains("toy-checkerboard-teacher.pt is now")
                && notices[0].contains("deprecated"),
            qPrintable(notices[0]));
    }

    void imageGridHasOneCellPerImage()
    {
        QTemporaryDir dir;
        // 3 grayscale 2 x 2 images: black, white, and a gradient; 2 columns, scale 1, padding 1.
        const std::vector<float> data { -1, -1, -1, -1, 1, 1, 1, 1, -1, 0, 0.5, 1 };
        ImageGridOptions options;
        options.columns = 2;
        options.scale = 1;
        options.padding = 1;
        const std::string path = dir.filePath("grid.png").toStdString();
        writeImageGridPng(path, data.data(), 3, 1, 2, 2, options);
        const QImage image(QString::fromStdString(path));
        QCOMPARE(image.width(), 2 * (2 + 1) + 1);
        QCOMPARE(image.height(), 2 * (2 + 1) + 1);
        QCOMPARE(qGray(image.pixel(1, 1)), 0); // first cell: black
        QCOMPARE(qGray(image.pixel(4, 1)), 255); // second cell: white
        QCOMPARE(qGray(image.pixel(0, 0)), 255); // padding: white
        QCOMPARE(qGray(image.pixel(2, 5)), 255); // third cell, last pixel: 1 -> 255
        QCOMPARE(qGray(image.pixel(1, 4)), 0); // third cell, first pixel: -1 -> 0
        QCOMPARE(qGray(image.pixel(4, 4)), 255); // empty fourth cell: background
    }

    void npyRoundTripAndLayout()
    {
        NpyArray a;
        a.shape = { 3, 2 };
        a.data = { 1.f, 2.f, 3.f, -4.f, 5.5f, 6.f };
        writeNpy(path("a.npy"), a);
        QFile f(QString::fromStdString(path("a.npy")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.startsWith("\x93NUMPY\x01\x00"));
        const int headerLen
            = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        QCOMPARE((10 + headerLen) % 64, 0); // numpy aligns the data to 64 bytes
        QVERIFY(bytes.contains("'shape': (3,2)"));
        QCOMPARE(bytes.size(), 10 + headerLen + 6 * 4);
        const auto b = readNpy(path("a.npy"));
        QCOMPARE(b.shape, a.shape);
        QCOMPARE(b.data, a.data);
    }

    void npyOneDimensionalShapeHasTrailingComma()
    {
        writeNpy(path("v.npy"), { { 4 }, { 1, 2, 3, 4 } });
        QFile f(QString::fromStdString(path("v.npy")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("'shape': (4,)"));
    }

    void npyRejectsTruncatedAndForeignFiles()
    {
        writeNpy(path("t.npy"), { { 10, 2 }, std::vector<float>(20, 1.f) });
        QFile f(QString::fromStdString(path("t.npy")));
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() - 8);
        f.close();
        try {
            readNpy(path("t.npy"));
            QFAIL("truncated file accepted");
        } catch (const IoError& e) {
            QVERIFY2(QString(e.what()).contains("truncated"), e.what());
        }
        writeFileAtomically(path("x.npy"), "hello");
        QVERIFY_THROWS_EXCEPTION(IoError, readNpy(path("x.npy")));
        QVERIFY_THROWS_EXCEPTION(IoError, readNpy(path("none.npy")));
    }

    void npyDamagedShapeIsOneIoError()
    {
        // A damaged cache header: a 1 MB shape, a dimension past 2^40, a product that overflows,
        // no shape at all. Each is an IoError naming the file (never std::regex or std::stoll).
        const auto npyWithHeader = [](const std::string& header) {
            std::string bytes = "\x93NUMPY";
            bytes += '\x02';
            bytes += '\x00';
            const uint32_t len = static_cast<uint32_t>(header.size());
            for (int i = 0; i < 4; ++i)
                bytes += static_cast<char>((len >> (8 * i)) & 0xff);
            return bytes + header + std::string(64, '\0');
        };
        const std::string base = "{'descr': '<f4', 'fortran_order': False, 'shape': ";
        const std::vector<std::pair<std::string, std::string>> cases {
            { base + "(" + std::string(1 << 20, '9') + ",), }", "64 KiB" },
            { base + "(" + std::string(30000, '(') + "), }", "not a tuple of whole numbers" },
            { base + "(99999999999999999999,), }", "2^40" },
            { base + "(1099511627776, 1099511627776), }", "more values than a file can" },
            { base + "(4, 5), }", "does not match" },
            { "{'descr': '<f4', 'fortran_order': False, }", "no shape" },
        };
        for (const auto& [header, expected] : cases) {
            writeFileAtomically(path("d.npy"), npyWithHeader(header));
            try {
                readNpy(path("d.npy"));
                QFAIL(qPrintable("accepted: " + QString::fromStdString(expected)));
            } catch (const IoError& e) {
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(expected)), e.what());
                QVERIFY2(
                    QString(e.what()).startsWith(QString::fromStdString(path("d.npy"))), e.what());
            }
        }
    }

    void jsonReadBackIsBoundedAndStrict()
    {
        // 100,000 levels deep (a crash before): discarded, as are duplicate keys.
        const std::string deep = std::string(100000, '[') + std::string(100000, ']');
        QVERIFY(parseStrictJsonOrDiscarded(deep).is_discarded());
        QVERIFY(parseStrictJsonOrDiscarded(R"({"step":1,"step":2})").is_discarded());
        const std::string ok = std::string(63, '[') + std::string(63, ']');
        QVERIFY(!parseStrictJsonOrDiscarded(ok).is_discarded());
        QVERIFY(
            parseStrictJsonOrDiscarded(std::string(65, '[') + std::string(65, ']')).is_discarded());
        QCOMPARE(parseStrictJsonOrDiscarded(R"({"step":3})")["step"].get<int>(), 3);
    }

    void atomicWriteLeavesNoTemporaries()
    {
        writeFileAtomically(path("f.txt"), "one");
        writeFileAtomically(path("f.txt"), "two");
        QCOMPARE(QString::fromStdString(readWholeFile(path("f.txt"))), QString("two"));
        QCOMPARE(
            QDir(m_dir.path()).entryList({ ".f.txt.tmp*" }, QDir::Hidden | QDir::Files).size(), 0);
    }

    // A stop that ends the process in the middle of a write (a signal handler calling
    // removeInterruptedTempFile, as `ddil`'s does) leaves no temporary file, and says so.
    void signalMidWriteRemovesTheTemporaryFile()
    {
        QTemporaryDir dir;
        const std::string target = dir.filePath("big.bin").toStdString();
        int err[2];
        QCOMPARE(::pipe(err), 0);
        const pid_t child = ::fork();
        if (child == 0) {
            ::dup2(err[1], STDERR_FILENO);
            std::signal(SIGTERM, [](int) {
                removeInterruptedTempFile();
                ::_exit(130);
            });
            const std::string bytes(std::size_t(64) << 20, 'x');
            for (;;)
                writeFileAtomically(target, bytes); // almost all of its time is in a write
        }
        ::close(err[1]);
        QThread::msleep(700);
        QCOMPARE(::kill(child, SIGTERM), 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 130);
        char buffer[4096];
        const auto n = ::read(err[0], buffer, sizeof buffer - 1);
        ::close(err[0]);
        const QString said = QString::fromUtf8(buffer, n > 0 ? int(n) : 0);
        const auto left = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
        QVERIFY2(left.filter(".tmp-").isEmpty(), qPrintable(left.join(", ")));
        // Stopped between two writes, there was nothing to remove and nothing is said.
        QVERIFY2(said.isEmpty()
                || said.startsWith("ddil: note: removed " + dir.filePath(".big.bin.tmp-")),
            qPrintable(said));
    }

    void atomicWriteFailureKeepsTarget()
    {
        // A non-empty directory cannot be replaced by rename: the write fails and nothing changes.
        QDir(m_dir.path()).mkpath("busy/inner");
        try {
            writeFileAtomically(path("busy"), "data");
            QFAIL("rename over a directory must fail");
        } catch (const IoError& e) {
            QVERIFY2(QString(e.what()).contains("busy"), e.what());
        }
        QVERIFY(QDir(m_dir.filePath("busy/inner")).exists());
        QCOMPARE(
            QDir(m_dir.path()).entryList({ ".busy.tmp*" }, QDir::Hidden | QDir::Files).size(), 0);
        QVERIFY_THROWS_EXCEPTION(IoError, writeFileAtomically(path("no/such/dir/file"), "x"));
    }

    void scatterPlotDrawsPointsWhereTheyAre()
    {
        // One point at (0.5, 0.5) of class 1, one at (-1, -1) of class 0.
        ScatterOptions options;
        options.numClasses = 2;
        options.title = "test";
        writeScatterPng(path("s.png"), { 0.5f, 0.5f, -1.f, -1.f }, { 1, 0 }, options);
        QImage image(QString::fromStdString(path("s.png")));
        QCOMPARE(image.size(), QSize(512, 512));
        const double scale = (512 - 48) / 2.5;
        auto pixel = [&](double x, double y) {
            return image.pixelColor(
                qRound(24 + (x + 1.25) * scale), qRound(24 + (1.25 - y) * scale));
        };
        QCOMPARE(pixel(0.5, 0.5), QColor(255, 127, 14)); // Tableau orange: class 1
        QCOMPARE(pixel(-1, -1), QColor(31, 119, 180)); // Tableau blue: class 0
        QCOMPARE(pixel(0.8, -0.8), QColor(255, 255, 255));
    }

    // CRC-32C's check value (RFC 3720) and TFRecord's mask, as python3-crc32c and TensorFlow's
    // crc32c::Mask compute them.
    void intervalChartDrawsEachIntervalWhereItIs()
    {
        // Rows: a marked interval [1, 3] around 2, an unmarked one [-1, 1] around 0 and a point
        // without an interval at -2. The axis spans [-2, 3] padded by 6% on each side.
        const auto file = path("intervals.png");
        writeIntervalPanelsPng(file, { "marked", "unmarked", "one seed" },
            { { "d",
                { { 2, 1, 3, true, true }, { 0, -1, 1, true, false },
                    { -2, 0, 0, false, false } } } },
            "caption", 300);
        const QImage image(QString::fromStdString(file));
        QCOMPARE(image.height(), kIntervalHeader + 3 * kIntervalRowHeight + kIntervalFooter);
        const int labelWidth = image.width() - 300;
        const int plotX = labelWidth + 10, plotWidth = 300 - 24;
        auto px = [&](double x) { return plotX + std::lround((x + 2.3) / 5.6 * plotWidth); };
        // The extent of the pixels of a row's centre line in the chart's colour, or in grey.
        auto extent = [&](int row, bool coloured) {
            const int y = kIntervalHeader + row * kIntervalRowHeight + kIntervalRowHeight / 2;
            int first = -1, last = -1;
            for (int x = plotX + 2; x < plotX + plotWidth - 1; ++x) {
                const QColor c = image.pixelColor(x, y);
                const bool blue = c.blue() > 140 && c.red() < 100;
                const bool grey = c.red() == c.green() && c.green() == c.blue() && c.red() < 200
                    && c.red() > 100;
                if (coloured ? blue : grey) {
                    first = first < 0 ? x : first;
                    last = x;
                }
            }
            return std::make_pair(first, last);
        };
        const auto marked = extent(0, true);
        QVERIFY2(std::abs(marked.first - px(1)) <= 2 && std::abs(marked.second - px(3)) <= 2,
            qPrintable(QString("%1..%2 for %3..%4")
                    .arg(marked.first)
                    .arg(marked.second)
                    .arg(px(1))
                    .arg(px(3))));
        QCOMPARE(extent(1, true).first, -1); // not marked: no colour
        const auto unmarked = extent(1, false);
        QVERIFY(std::abs(unmarked.first - px(-1)) <= 2 && std::abs(unmarked.second - px(1)) <= 2);
        // No interval: only the hollow point, 4 pixels around -2.
        const auto point = extent(2, false);
        QVERIFY(std::abs(point.first - px(-2)) <= 5 && std::abs(point.second - px(-2)) <= 5);
        // A panel whose rows do not match the labels is a programming error, named.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
            writeIntervalPanelsPng(
                file, { "a", "b" }, { { "d", { { 1, 0, 2, true, true } } } }, "caption"));
    }

    void crc32cMatchesTheStandard()
    {
        QCOMPARE(ddil::crc32c("123456789", 9), 0xE3069283u);
        QCOMPARE(ddil::crc32c("", 0), 0u);
        const std::uint32_t crc = ddil::crc32c("123456789", 9);
        QCOMPARE(ddil::maskedCrc32c("123456789", 9), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    void tensorBoardEventsRoundTrip()
    {
        QTemporaryDir dir;
        ddil::EventFileWriter writer(dir.path().toStdString(), 1700000000.5);
        QVERIFY(QString::fromStdString(writer.path()).contains("/events.out.tfevents.1700000000."));
        writer.addScalars(7, 1700000001.0, { { "train/loss", 0.25 }, { "eval/fid", 12.5 } });
        QImage image(5, 3, QImage::Format_RGB32);
        image.fill(Qt::red);
        QByteArray png;
        QBuffer buffer(&png);
        QVERIFY(image.save(&buffer, "PNG"));
        QVERIFY(writer.addPng(7, 1700000002.0, "samples", png.toStdString()));
        QVERIFY(!writer.addPng(8, 1700000002.0, "samples", "not a png"));

        const auto events = ddil::readEventFile(writer.path());
        QCOMPARE(events.size(), size_t(3));
        QCOMPARE(events[0].fileVersion, std::string("brain.Event:2"));
        QCOMPARE(events[0].wallTime, 1700000000.5);
        QCOMPARE(events[1].step, int64_t(7));
        QCOMPARE(events[1].scalars.size(), size_t(2));
        QCOMPARE(events[1].scalars[1].first, std::string("eval/fid"));
        QCOMPARE(events[1].scalars[1].second, 12.5f);
        QCOMPARE(events[2].images.size(), size_t(1));
        const auto& shown = events[2].images[0];
        QCOMPARE(shown.tag, std::string("samples"));
        QCOMPARE(shown.width, 5);
        QCOMPARE(shown.height, 3);
        QCOMPARE(shown.colorspace, image.hasAlphaChannel() ? 4 : 3);
        QCOMPARE(QImage::fromData(QByteArray::fromStdString(shown.png)).pixelColor(4, 2),
            QColor(Qt::red));
        QCOMPARE(ddil::eventFilesIn(dir.path().toStdString()),
            std::vector<std::string> { writer.path() });

        // A flipped byte or a cut record is named, not read as data.
        QFile file(QString::fromStdString(writer.path()));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QByteArray bytes = file.readAll();
        const QByteArray original = bytes;
        bytes[bytes.size() - 10] = char(bytes[bytes.size() - 10] ^ 0x01);
        file.seek(0);
        file.write(bytes);
        file.close();
        auto errorOf = [&] {
            try {
                ddil::readEventFile(writer.path());
            } catch (const ddil::IoError& e) {
                return QString(e.what());
            }
            return QString();
        };
        QVERIFY2(
            errorOf().endsWith("record 2: the data's CRC does not match"), qPrintable(errorOf()));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(original.left(original.size() - 3));
        file.close();
        QVERIFY2(errorOf().endsWith("record 2 is truncated"), qPrintable(errorOf()));
    }
};

QTEST_GUILESS_MAIN(TestIo)
#include "tst_io.moc"
