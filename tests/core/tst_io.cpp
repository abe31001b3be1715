#include "core/api/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/npy.h"
#include "core/io/scatter_plot.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;

class TestIo : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string path(const char* name) { return m_dir.filePath(name).toStdString(); }

private Q_SLOTS:
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

    void atomicWriteLeavesNoTemporaries()
    {
        writeFileAtomically(path("f.txt"), "one");
        writeFileAtomically(path("f.txt"), "two");
        QCOMPARE(QString::fromStdString(readWholeFile(path("f.txt"))), QString("two"));
        QCOMPARE(
            QDir(m_dir.path()).entryList({ ".f.txt.tmp*" }, QDir::Hidden | QDir::Files).size(), 0);
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
};

QTEST_GUILESS_MAIN(TestIo)
#include "tst_io.moc"
