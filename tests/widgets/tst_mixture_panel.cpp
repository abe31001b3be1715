// The mixture panel, offscreen: linked priors always sum to 1, the triangle sets all three in one
// click, and each edit is sent as one mixture change with every setting.
#include "widgets/mixture_panel.h"
#include "widgets/triangle_picker.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QtTest>

using namespace ddil;

namespace {
double sum(const std::array<double, 3>& b)
{
    return b[0] + b[1] + b[2];
}

RunConfig distillConfig()
{
    RunConfig c;
    c.task = Task::Distill;
    c.distill.ddil.beta = { 0.5, 0.25, 0.25 };
    c.distill.ddil.p_teach = 0.1;
    c.distill.ddil.refresh_every = 25;
    return c;
}
} // namespace

class TestMixturePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsTheConfigAndIsOnlyEnabledForDistillation()
    {
        MixturePanel panel;
        QVERIFY(!panel.isEnabled()); // the default config trains a teacher
        panel.showConfig(distillConfig());
        QVERIFY(panel.isEnabled());
        QCOMPARE(panel.beta()[1], 0.25);
        QCOMPARE(panel.findChild<QSlider*>("betaSlider0")->value(), 500);
        QCOMPARE(panel.findChild<QDoubleSpinBox*>("pTeach")->value(), 0.1);
        QCOMPARE(panel.findChild<QSpinBox*>("refreshEvery")->value(), 25);
    }

    void movingOnePriorRescalesTheOthersInProportion()
    {
        MixturePanel panel;
        panel.showConfig(distillConfig());
        panel.setPrior(2, 0.5); // student to 0.5: data and teacher share 0.5 as 2 : 1
        QCOMPARE(panel.beta()[2], 0.5);
        QVERIFY(std::abs(panel.beta()[0] - 1.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(panel.beta()[1] - 1.0 / 6.0) < 1e-12);
        QVERIFY(std::abs(sum(panel.beta()) - 1.0) < 1e-12);
        panel.setPrior(0, 1.0); // the others go to 0 ...
        QCOMPARE(panel.beta()[1], 0.0);
        QCOMPARE(panel.beta()[2], 0.0);
        panel.setPrior(0, 0.4); // ... and then share the rest equally
        QCOMPARE(panel.beta()[1], 0.3);
        QCOMPARE(panel.beta()[2], 0.3);
    }

    void slidersAndSpinBoxesKeepTheSumAtOne()
    {
        MixturePanel panel;
        panel.showConfig(distillConfig());
        auto* slider = panel.findChild<QSlider*>("betaSlider1");
        for (int value : { 0, 130, 999, 1000, 417, 3 }) {
            slider->setValue(value);
            QVERIFY2(std::abs(sum(panel.beta()) - 1.0) < 1e-9, qPrintable(QString::number(value)));
            QCOMPARE(panel.beta()[1], value / 1000.0);
        }
        auto* spin = panel.findChild<QDoubleSpinBox*>("betaSpin2");
        spin->setValue(0.35);
        QCOMPARE(panel.beta()[2], 0.35);
        QVERIFY(std::abs(sum(panel.beta()) - 1.0) < 1e-9);
        // Every control shows the same priors.
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(panel.findChild<QSlider*>(QStringLiteral("betaSlider%1").arg(i))->value(),
                int(std::lround(panel.beta()[i] * 1000)));
            QVERIFY(
                std::abs(
                    panel.findChild<QDoubleSpinBox*>(QStringLiteral("betaSpin%1").arg(i))->value()
                    - panel.beta()[i])
                < 1e-3);
        }
    }

    void oneClickOnTheTriangleSetsAllThree()
    {
        MixturePanel panel;
        panel.resize(360, 640);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.showConfig(distillConfig());
        TrianglePicker* picker = panel.picker();
        const auto corners = picker->corners();
        // The centroid is (1/3, 1/3, 1/3) (to hundredths); the student corner is (0, 0, 1).
        QTest::mouseClick(
            picker, Qt::LeftButton, {}, ((corners[0] + corners[1] + corners[2]) / 3.0).toPoint());
        QVERIFY(std::abs(panel.beta()[0] - 0.33) < 0.011);
        QVERIFY(std::abs(panel.beta()[1] - 0.33) < 0.011);
        QVERIFY(std::abs(sum(panel.beta()) - 1.0) < 1e-9);
        QTest::mouseClick(picker, Qt::LeftButton, {}, corners[2].toPoint());
        QVERIFY(panel.beta()[2] > 0.97);
        QVERIFY(std::abs(sum(panel.beta()) - 1.0) < 1e-9);
        // Far outside the triangle clamps onto its edge.
        const auto outside = picker->coordinatesAt(corners[1] + QPointF(500, 500));
        QCOMPARE(outside[1], 1.0);
        QCOMPARE(sum(outside), 1.0);
        // The set point is drawn where the priors say.
        const QPointF at = picker->positionOf(panel.beta());
        QVERIFY((at - corners[2]).manhattanLength() < 8);
    }

    void anEditIsSentOnceWithEverySetting()
    {
        MixturePanel panel;
        panel.showConfig(distillConfig());
        panel.setSendDelay(30);
        QSignalSpy sent(&panel, &MixturePanel::mixtureChanged);
        panel.setPrior(2, 0.6);
        panel.setPrior(2, 0.7); // a drag: only the last position is sent
        panel.findChild<QComboBox*>("projection")->setCurrentIndex(2);
        panel.findChild<QSpinBox*>("bufferCapacity")->setValue(512);
        QTRY_COMPARE(sent.count(), 1);
        const auto m = sent.first().first().value<MixtureSnapshot>();
        QCOMPARE(m.beta[2], 0.7);
        QVERIFY(std::abs(m.beta[0] + m.beta[1] + m.beta[2] - 1.0) < 1e-9);
        QVERIFY(m.projection == ProjectionKind::Dynamic);
        QCOMPARE(m.buffer_capacity, 512);
        QCOMPARE(m.p_teach, 0.1);
        QCOMPARE(m.refresh_every, 25);
        // Showing a config sends nothing.
        panel.showConfig(distillConfig());
        QTest::qWait(80);
        QCOMPARE(sent.count(), 1);
    }

    void realisedSharesAreShownBesideTheSetOnes()
    {
        MixturePanel panel;
        panel.showConfig(distillConfig());
        panel.setRealisedShares(0.52, 0.23, 0.25);
        QCOMPARE(panel.findChild<QLabel*>("realised0")->text(), QString("0.520"));
        QCOMPARE(panel.findChild<QLabel*>("realised2")->text(), QString("0.250"));
    }
};

QTEST_MAIN(TestMixturePanel)
#include "tst_mixture_panel.moc"
