#pragma once
// Teacher against student from the same noise seeds and classes: side-by-side grids, one
// training-step slider over the stored snapshots that moves every view, a step-count strip
// (the student at 1, 2, 4, 8 steps beside the teacher), one sample wiped teacher into student,
// each sample's nearest training images (memorisation), a class filter, a full-size view and
// PNG export carrying the config hash, seed and step. 2-D data: scatter of teacher against
// student samples, and the states S_k, T_k, F_k at each student step.

#include "core/api/config.h"
#include "session/nearest_image_finder.h"
#include "session/session_types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTabWidget;
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

    // The training data the samples imitate (images: the nearest-image view searches them).
    void setTrainingData(const DataConfig& data);
    // The nearest training images of the shown samples (up to kNearestSamples of them), of the
    // student's or the teacher's; the search runs off the GUI thread and nearestShown() follows.
    static constexpr int kNearestSamples = 16;
    static constexpr int kNearestPerSample = 3;
    void showNearest(bool teacher = false);
    const NearestSearchView& nearestResult() const { return m_nearest; }
    // The sample's row of the nearest view (its tile at the row's start, then its neighbours)
    // and the line describing it.
    QString describeNearest(int row) const;
    ImageView* nearestView() const { return m_nearestView; }
    QLabel* nearestLabel() const { return m_nearestLabel; }
    QTabWidget* detailTabs() const { return m_details; }

    ImageView* teacherView() const { return m_teacherView; }
    ImageView* studentView() const { return m_studentView; }
    ImageView* stripView() const { return m_stripView; }
    PointCloudView* scatterView() const { return m_scatter; }
    QSlider* stepSlider() const { return m_slider; }

Q_SIGNALS:
    void nearestShown();

public Q_SLOTS:
    // Stores a snapshot; the slider follows the newest one while it sits at the end.
    void addSnapshot(const ddil::SnapshotView& snapshot);
    void showFullSize();

private:
    void updateViews();
    // " (class name)" for a sample's label, empty without a name.
    QString classSuffix(int label) const;
    void requestNearest();
    void showNearestResult(const ddil::NearestSearchView& result);
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
    QTabWidget* m_details = nullptr;
    // The nearest-image view: the data, the finder, what the newest request asked and found.
    DataConfig m_data;
    NearestImageFinder* m_finder = nullptr;
    QComboBox* m_nearestOf = nullptr;
    ImageView* m_nearestView = nullptr;
    QLabel* m_nearestLabel = nullptr;
    QString m_nearestAsked; // snapshot, filter and sampler of the newest request
    int m_nearestRequest = 0;
    QVector<int> m_nearestSamples; // the snapshot samples of the newest request
    QVector<int> m_nearestLabels;
    NearestSearchView m_nearest;
    PointCloudView* m_scatter = nullptr;
    QWidget* m_trajectoryRow = nullptr;
    QHBoxLayout* m_trajectoryLayout = nullptr;
    QVector<PointCloudView*> m_trajectoryViews;
};

// Fashion-MNIST's ten class names.
QStringList fashionMnistClassNames();

} // namespace ddil
