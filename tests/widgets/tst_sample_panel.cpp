// The sample panel, offscreen: grids from snapshots, one slider moving every view, the class
// filter, the step-count strip, PNG export with metadata, and the 2-D views.
#include "session/session_worker.h"
#include "widgets/sample_panel.h"
#include "widgets/sample_views.h"

#include <QImageReader>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace ddil;

namespace {
// A snapshot of 20 images (4 x 3 pixels) whose grey level encodes (sampler, step, sample).
SnapshotView imageSnapshot(qint64 step)
{
    SnapshotView s;
    s.step = step;
    s.seed = 11;
    s.trainedSteps = 4;
    s.teacherSteps = 32;
    s.configHash = "abc123";
    for (int i = 0; i < 20; ++i)
        s.labels.append(i % 10);
    int sampler = 0;
    for (int steps : { 1, 2, 4, 8, 32 }) {
        SampleSetView set;
        set.teacher = steps == 32;
        set.steps = steps;
        for (int i = 0; i < 20; ++i) {
            QImage image(4, 3, QImage::Format_Grayscale8);
            image.fill(QColor::fromRgb(sampler * 40 + step % 7, i, 0).red());
            set.images.append(image);
        }
        s.sets.append(set);
        ++sampler;
    }
    return s;
}

SnapshotView pointSnapshot(qint64 step)
{
    SnapshotView s;
    s.step = step;
    s.trainedSteps = 2;
    s.teacherSteps = 32;
    for (int i = 0; i < 50; ++i)
        s.labels.append(0);
    for (bool teacher : { false, true }) {
        SampleSetView set;
        set.teacher = teacher;
        set.steps = teacher ? 32 : 2;
        for (int i = 0; i < 50; ++i)
            set.points.append(QPointF(i * 0.04 - 1.0, teacher ? 1.0 : -1.0));
        s.sets.append(set);
    }
    for (int k : { 2, 1 })
        s.trajectory.append(
            { k, k / 2.0, { QPointF(0, 0) }, { QPointF(1, 1) }, { QPointF(-1, 2) } });
    return s;
}

// A uniform binary PGM image.
void writePgm(const std::filesystem::path& path, int size, int value)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << "P5\n"
        << size << " " << size << "\n255\n"
        << std::string(size_t(size * size), char(value));
}

int pixel(const QImage& image, int x, int y)
{
    return qGray(image.pixel(x, y));
}
} // namespace

class TestSamplePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sampleToImageMapsMinusOneToOne()
    {
        const float grey[] = { -1.0f, 0.0f, 1.0f, 2.0f };
        const QImage g = sampleToImage(grey, 1, 2, 2);
        QCOMPARE(g.format(), QImage::Format_Grayscale8);
        QCOMPARE(pixel(g, 0, 0), 0);
        QCOMPARE(pixel(g, 1, 0), 128);
        QCOMPARE(pixel(g, 0, 1), 255);
        QCOMPARE(pixel(g, 1, 1), 255); // clamped
        const float rgb[] = { 1.0f, -1.0f, -1.0f }; // one red pixel, channel planes
        QCOMPARE(sampleToImage(rgb, 3, 1, 1).pixel(0, 0), qRgb(255, 0, 0));
    }

    void gridTilesImagesWithGaps()
    {
        QVector<QImage> tiles;
        for (int i = 0; i < 5; ++i) {
            QImage t(2, 2, QImage::Format_RGB32);
            t.fill(QColor(i * 50, 0, 0));
            tiles.append(t);
        }
        const QImage grid = composeGrid(tiles, 3, 2);
        QCOMPARE(grid.size(), QSize((3 * 3 + 1) * 2, (2 * 3 + 1) * 2));
        QCOMPARE(qRed(grid.pixel(2, 2)), 0);
        QCOMPARE(qRed(grid.pixel(((1 * 3 + 1) * 2), ((1 * 3 + 1) * 2))), 200); // tile 4
    }

    void theSliderMovesEveryGridTogether()
    {
        SamplePanel panel;
        panel.resize(800, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(!panel.current());
        panel.addSnapshot(imageSnapshot(0));
        panel.addSnapshot(imageSnapshot(100));
        panel.addSnapshot(imageSnapshot(200));
        QCOMPARE(panel.snapshotCount(), 3);
        QCOMPARE(panel.currentIndex(), 2); // follows the newest
        QCOMPARE(panel.current()->step, qint64(200));
        // Teacher grid: sampler 4 -> 160 + 200 % 7; student grid (4 steps): sampler 2.
        QCOMPARE(pixel(panel.teacherView()->image(), 1, 1), 160 + 200 % 7);
        QCOMPARE(pixel(panel.studentView()->image(), 1, 1), 80 + 200 % 7);
        QVERIFY(panel.studentView()->title().contains("4 steps"));
        QVERIFY(panel.teacherView()->title().contains("32 steps"));
        panel.stepSlider()->setValue(1);
        QCOMPARE(panel.current()->step, qint64(100));
        QCOMPARE(pixel(panel.teacherView()->image(), 1, 1), 160 + 100 % 7);
        QCOMPARE(pixel(panel.studentView()->image(), 1, 1), 80 + 100 % 7);
        // The strip: rows S1, S2, S4, S8, T32 of the same 10 samples.
        const QImage strip = panel.stripView()->image();
        QCOMPARE(strip.height(), 5 * 4 + 1);
        QCOMPARE(pixel(strip, 1, 1 + 0 * 4), 0 + 100 % 7);
        QCOMPARE(pixel(strip, 1, 1 + 3 * 4), 120 + 100 % 7);
        QVERIFY(panel.stripView()->title().contains("S1, S2, S4, S8, T32"));
        // While the slider is not at the end, a new snapshot does not move it.
        panel.addSnapshot(imageSnapshot(300));
        QCOMPARE(panel.current()->step, qint64(100));
    }

    // The grids take the room their dock gives: twice the panel, about twice the drawn grid (at
    // the image's aspect ratio), the teacher's and the student's alike.
    void theGridsScaleWithTheirDock()
    {
        SamplePanel panel;
        panel.resize(640, 560);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.addSnapshot(imageSnapshot(0));
        QCoreApplication::processEvents();
        const QSize before = panel.size();
        const QRect small = panel.teacherView()->imageRect();
        const double aspect
            = double(panel.teacherView()->image().width()) / panel.teacherView()->image().height();
        panel.resize(before * 2);
        QCoreApplication::processEvents();
        QCOMPARE(panel.size(), before * 2);
        const QRect large = panel.teacherView()->imageRect();
        QVERIFY2(small.width() > 0 && large.width() >= 1.8 * small.width(),
            qPrintable(QString("%1 -> %2").arg(small.width()).arg(large.width())));
        QVERIFY(std::abs(double(large.width()) / large.height() - aspect) < 0.05);
        QVERIFY(panel.teacherView()->rect().contains(large));
        QCOMPARE(panel.studentView()->imageRect().size(), large.size());
    }

    void gridTilesAreFoundUnderAPixel()
    {
        // 4 x 3 tiles, 8 columns, a one-pixel gap before each tile: x 1-4 is column 0, 5 a gap.
        QCOMPARE(gridTileAt({ 1, 1 }, { 4, 3 }, 8, 20), 0);
        QCOMPARE(gridTileAt({ 5, 1 }, { 4, 3 }, 8, 20), -1);
        QCOMPARE(gridTileAt({ 6, 3 }, { 4, 3 }, 8, 20), 1);
        QCOMPARE(gridTileAt({ 1, 5 }, { 4, 3 }, 8, 20), 8);
        QCOMPARE(
            gridTileAt({ 21, 13 }, { 4, 3 }, 8, 20), -1); // row 3, column 4: tile 28, past the end
        QCOMPARE(gridTileAt({ 0, 1 }, { 4, 3 }, 8, 20), -1);
    }

    // One sample up close: the teacher's and the student's of the same noise, wiped into each
    // other; a click on a grid tile picks the sample.
    void oneSampleIsComparedWithAWipe()
    {
        SnapshotView s = imageSnapshot(0);
        for (int i = 0; i < 20; ++i) {
            s.sets[4].images[i].fill(100 + i); // the teacher (32 steps)
            s.sets[2].images[i].fill(20 + i); // the trained student (4 steps)
        }
        SamplePanel panel;
        panel.setClassNames({ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" });
        panel.resize(700, 900);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.addSnapshot(s);
        panel.selectSample(3);
        panel.setWipe(100);
        QCOMPARE(pixel(panel.sampleView()->image(), 3, 2), 103);
        panel.setWipe(0);
        QCOMPARE(pixel(panel.sampleView()->image(), 0, 0), 23);
        panel.setWipe(50); // columns 0-1 the teacher's, 2-3 the student's
        QCOMPARE(pixel(panel.sampleView()->image(), 1, 1), 103);
        QCOMPARE(pixel(panel.sampleView()->image(), 2, 1), 23);
        QVERIFY2(panel.sampleView()->title().startsWith("Sample 4 (d)"),
            qPrintable(panel.sampleView()->title()));
        // A click on the teacher grid's tile 9 (row 1, column 1) picks sample 9 (value 109).
        QCoreApplication::processEvents();
        const QRect drawn = panel.teacherView()->imageRect();
        const QSize grid = panel.teacherView()->image().size();
        const QPoint centre(1 + 5 + 2, 1 + 4 + 1); // tile 9's middle, in grid pixels
        const QPoint at(drawn.x() + (centre.x() * drawn.width() + drawn.width() / 2) / grid.width(),
            drawn.y() + (centre.y() * drawn.height() + drawn.height() / 2) / grid.height());
        QTest::mouseClick(panel.teacherView(), Qt::LeftButton, {}, at);
        QCOMPARE(panel.selectedSample(), 9);
        panel.setWipe(100);
        QCOMPARE(pixel(panel.sampleView()->image(), 0, 0), 109);
    }

    // Each sample beside its nearest training images, searched off the GUI thread in an image
    // folder of uniform 4 x 4 images (distance: 4 |a - b| / 127.5): an exact copy is framed red.
    void nearestTrainingImagesShowCopies()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        for (int v : { 0, 100, 200 })
            writePgm(root / "train" / "a" / (std::to_string(v) + ".pgm"), 4, v);
        for (int v : { 50, 250 })
            writePgm(root / "train" / "b" / (std::to_string(v) + ".pgm"), 4, v);
        writePgm(root / "test" / "a" / "x.pgm", 4, 110); // held out: 10 and 30 from theirs
        writePgm(root / "test" / "a" / "y.pgm", 4, 170);
        writePgm(root / "test" / "b" / "z.pgm", 4, 60); // 10
        DataConfig data;
        data.kind = DataKind::ImageFolder;
        data.path = root.string();
        data.image_size = 4;

        // Four samples of classes a, b, a, b: a copy of a training image, then 20, 50, 50 away.
        SnapshotView s;
        s.step = 5;
        s.trainedSteps = 2;
        s.teacherSteps = 8;
        s.configHash = "h";
        s.labels = { 0, 1, 0, 1 };
        for (bool teacher : { false, true }) {
            SampleSetView set;
            set.teacher = teacher;
            set.steps = teacher ? 8 : 2;
            for (int v : { 100, 230, 150, 0 }) {
                QImage image(4, 4, QImage::Format_Grayscale8);
                image.fill(teacher ? 255 - v : v);
                set.images.append(image);
            }
            s.sets.append(set);
        }
        SamplePanel panel;
        panel.setClassNames({ "a", "b" });
        panel.setTrainingData(data);
        panel.resize(700, 900);
        panel.addSnapshot(s);
        QSignalSpy shown(&panel, &SamplePanel::nearestShown);
        panel.showNearest(false);
        QCOMPARE(panel.detailTabs()->currentIndex(), 2);
        QVERIFY(shown.wait(20000));
        const auto& result = panel.nearestResult();
        QCOMPARE(result.matches.size(), 4);
        QCOMPARE(result.trainingSize, qint64(5));
        const double unit = 4.0 / 127.5;
        QVERIFY(std::abs(result.matches[0][0].distance) < 1e-6);
        QCOMPARE(qGray(result.matches[0][0].image.pixel(0, 0)), 100);
        QCOMPARE(result.matches[0][0].heldOutBelow, 0.0);
        QCOMPARE(result.matches[0].size(), 3); // class a: all three, nearest first
        QVERIFY(std::abs(result.matches[0][2].distance - 100 * unit) < 1e-6);
        QCOMPARE(result.matches[1].size(), 2); // class b has two training images
        QCOMPARE(result.matches[1][0].label, 1);
        QVERIFY(std::abs(result.matches[1][0].distance - 20 * unit) < 1e-6);
        QCOMPARE(result.matches[1][0].heldOutBelow, 1.0);
        QVERIFY(std::abs(result.heldOutMedian[0] - 20 * unit) < 1e-6); // (10 + 30) / 2

        // Two samples a row, each framed: red for the copy, the student's blue for the rest.
        const QImage sheet = panel.nearestView()->image();
        QCOMPARE(sheet.size(), QSize(8 * 5 + 1, 2 * 5 + 1));
        QCOMPARE(sheet.pixelColor(0, 2), QColor(220, 0, 0));
        QCOMPARE(sheet.pixelColor(20, 2), QColor(0, 114, 178));
        QCOMPARE(qGray(sheet.pixel(1, 1)), 100); // the sample
        QCOMPARE(qGray(sheet.pixel(6, 1)), 100); // its copy in the training data
        QVERIFY2(panel.nearestLabel()->text().contains("1 of 4 samples nearer"),
            qPrintable(panel.nearestLabel()->text()));
        const QString row = panel.describeNearest(1);
        QVERIFY2(row.startsWith("Sample 2 (b): nearest training images #")
                && row.contains(" at 0.63") && row.contains("100% of held-out images"),
            qPrintable(row));

        // The teacher's samples (255 - v) are searched when asked for.
        panel.showNearest(true);
        QVERIFY(shown.wait(20000));
        QVERIFY(std::abs(panel.nearestResult().matches[0][0].distance - 45 * unit) < 1e-6);
        // 2-D data: nothing to search.
        DataConfig toy;
        panel.setTrainingData(toy);
        QVERIFY(!panel.detailTabs()->isTabEnabled(2));
    }

    void theClassFilterKeepsOneClassInEveryView()
    {
        SamplePanel panel;
        panel.setClassNames(fashionMnistClassNames());
        panel.addSnapshot(imageSnapshot(0));
        QCOMPARE(panel.shownSamples().size(), 20);
        panel.setClassFilter(3);
        QCOMPARE(panel.shownSamples(), (QVector<int> { 3, 13 }));
        // Two samples: the grids hold two tiles (sample 3's green channel was its index).
        QCOMPARE(panel.teacherView()->image().width(), 2 * 5 + 1);
        QCOMPARE(panel.stripView()->image().width(), 2 * 5 + 1);
        panel.setClassFilter(-1);
        QCOMPARE(panel.shownSamples().size(), 20);
    }

    void exportCarriesConfigHashSeedAndStep()
    {
        QTemporaryDir dir;
        SamplePanel panel;
        QString error;
        QVERIFY(!panel.exportPng(dir.filePath("none.png"), &error));
        panel.addSnapshot(imageSnapshot(120));
        const QString path = dir.filePath("samples.png");
        QVERIFY2(panel.exportPng(path, &error), qPrintable(error));
        QImageReader reader(path);
        QCOMPARE(reader.text("ddil.config_hash"), QString("abc123"));
        QCOMPARE(reader.text("ddil.seed"), QString("11"));
        QCOMPARE(reader.text("ddil.step"), QString("120"));
        const QImage sheet = reader.read();
        QVERIFY(sheet.width() > 2 * panel.teacherView()->image().width());
        QVERIFY(!panel.exportPng("/no/such/folder/x.png", &error));
        QVERIFY(!error.isEmpty());
    }

    void pointsShowTheScatterAndTheTrajectory()
    {
        SamplePanel panel;
        panel.resize(800, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.addSnapshot(pointSnapshot(50));
        const auto& layers = panel.scatterView()->layers();
        QCOMPARE(layers.size(), 2);
        QVERIFY(layers[0].name.contains("teacher"));
        QCOMPARE(layers[0].points.size(), 50);
        QCOMPARE(layers[0].points[0], QPointF(-1.0, 1.0));
        QCOMPARE(layers[1].points[0], QPointF(-1.0, -1.0));
        // Range fitted to the points, square and centred.
        QVERIFY(panel.scatterView()->range().contains(QPointF(0.96, 1.0)));
        const QImage sheet = panel.composeSheet();
        QVERIFY(sheet.width() >= 600); // the scatter and two trajectory panels (k = 2, 1)
        QVERIFY(sheet.height() > 580);
    }
};

QTEST_MAIN(TestSamplePanel)
#include "tst_sample_panel.moc"
