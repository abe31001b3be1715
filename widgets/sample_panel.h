#pragma once
// Teacher against student from the same noise seeds and classes: side-by-side grids, one
// training-step slider over the stored snapshots that moves every view, a step-count strip
// (the student at 1, 2, 4, 8 steps beside the teacher), a class filter, a full-size view and
// PNG export carrying the config hash, seed and step. 2-D data: scatter of teacher against
// student samples, and the states S_k, T_k, F_k at each student step.

#include "session/session_types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QStackedWidget;
class QHBoxLayout;

namespace ddil {

class ImageView;
class PointCloudView;

class SamplePanel : public QWidget {
    Q_OBJECT
public:
    explicit SamplePanel(QWidget* parent = nullptr);

    void clear();
    // Class names for the filter (Fashion-MNIST's, or "class k").
    void setClassNames(const QStringList& names);
    int snapshotCount() const { return static_cast<int>(m_snapshots.size()); }
    // The snapshot the views show (the slider's), or null.
    const SnapshotView* current() const;
    int currentIndex() const;
    void setCurrentIndex(int index);
    // -1: every class.
    void setClassFilter(int classLabel);
    // Indices of the samples shown under the class filter.
    QVector<int> shownSamples() const;

    // The current view as one image: the teacher and student grids side by side and the
    // step-count strip (images), or the scatter and trajectory views (2-D).
    QImage composeSheet() const;
    // Writes composeSheet() as PNG with text chunks ddil.config_hash, ddil.seed, ddil.step and
    // ddil.view; false with `error` set on failure.
    bool exportPng(const QString& path, QString* error) const;

    // One sample, teacher against student from the same noise, wiped into each other by a
    // slider (0: the student, 100: the teacher); a click on a tile of either grid picks it.
    // `shown` indexes the samples the grids show (shownSamples()).
    void selectSample(int shown);
    int selectedSample() const { return m_selected; }
    void setWipe(int percent);
    ImageView* sampleView() const { return m_sampleView; }

    ImageView* teacherView() const { return m_teacherView; }
    ImageView* studentView() const { return m_studentView; }
    ImageView* stripView() const { return m_stripView; }
    PointCloudView* scatterView() const { return m_scatter; }
    QSlider* stepSlider() const { return m_slider; }

public Q_SLOTS:
    // Stores a snapshot; the slider follows the newest one while it sits at the end.
    void addSnapshot(const ddil::SnapshotView& snapshot);
    void showFullSize();

private:
    void updateViews();
    QVector<QImage> pick(const SampleSetView& set, int limit) const;

    QVector<SnapshotView> m_snapshots;
    QStringList m_classNames;
    int m_classFilter = -1;
    QSlider* m_slider = nullptr;
    QLabel* m_stepLabel = nullptr;
    QComboBox* m_classBox = nullptr;
    QPushButton* m_exportButton = nullptr;
    QStackedWidget* m_stack = nullptr;
    ImageView* m_teacherView = nullptr;
    ImageView* m_studentView = nullptr;
    ImageView* m_stripView = nullptr;
    ImageView* m_sampleView = nullptr;
    QSlider* m_wipe = nullptr;
    int m_selected = 0;
    PointCloudView* m_scatter = nullptr;
    QWidget* m_trajectoryRow = nullptr;
    QHBoxLayout* m_trajectoryLayout = nullptr;
    QVector<PointCloudView*> m_trajectoryViews;
};

// Fashion-MNIST's ten class names.
QStringList fashionMnistClassNames();

} // namespace ddil
