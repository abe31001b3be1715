#include "widgets/sample_panel.h"

#include "core/api/nearest_images.h"
#include "widgets/sample_views.h"

#include <QComboBox>
#include <QDialog>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageWriter>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>

namespace ddil {

namespace {
constexpr int kGridColumns = 8;
constexpr int kGridSamples = 64;
constexpr int kStripColumns = 10;
const QColor kStudentColour(0, 114, 178), kTeacherColour(230, 159, 0), kDataColour(0, 158, 115);
} // namespace

QStringList fashionMnistClassNames()
{
    return { QObject::tr("T-shirt/top"), QObject::tr("Trouser"), QObject::tr("Pullover"),
        QObject::tr("Dress"), QObject::tr("Coat"), QObject::tr("Sandal"), QObject::tr("Shirt"),
        QObject::tr("Sneaker"), QObject::tr("Bag"), QObject::tr("Ankle boot") };
}

SamplePanel::SamplePanel(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("samplePanel"));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("snapshotSlider"));
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    m_slider->setMinimumWidth(120);
    m_slider->setToolTip(tr("Training step of the snapshot shown; moves every view together"));
    m_stepLabel = new QLabel(tr("no snapshots yet"), this);
    m_classBox = new QComboBox(this);
    m_classBox->setObjectName(QStringLiteral("classFilter"));
    m_classBox->setToolTip(tr("Show the samples of one class only (the same classes in every "
                              "view)"));
    auto* full = new QPushButton(tr("Full size"), this);
    full->setToolTip(tr("Open the current view at full size"));
    m_exportButton = new QPushButton(tr("Export PNG…"), this);
    m_exportButton->setToolTip(tr("Save the current view as PNG, with the config hash, seed and "
                                  "step in its metadata"));
    connect(m_slider, &QSlider::valueChanged, this, &SamplePanel::updateViews);
    connect(m_classBox, &QComboBox::currentIndexChanged, this, [this] {
        m_classFilter = m_classBox->currentData().toInt();
        updateViews();
    });
    connect(full, &QPushButton::clicked, this, &SamplePanel::showFullSize);
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export Samples"), QStringLiteral("samples.png"), tr("PNG images (*.png)"));
        QString error;
        if (!path.isEmpty() && !exportPng(path, &error))
            QMessageBox::warning(this, tr("Export Samples"), error);
    });
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Step"), this));
    bar->addWidget(m_slider, 1);
    bar->addWidget(m_stepLabel);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Class"), this));
    bar->addWidget(m_classBox);
    bar->addWidget(full);
    bar->addWidget(m_exportButton);

    m_stack = new QStackedWidget(this);
    auto* placeholder
        = new QLabel(tr("Samples of the teacher and the student appear here while a "
                        "distillation session runs (from the same noise and classes)."),
            this);
    placeholder->setWordWrap(true);
    placeholder->setAlignment(Qt::AlignCenter);
    m_stack->addWidget(placeholder);

    auto* imagesPage = new QSplitter(Qt::Vertical);
    auto* pair = new QSplitter(Qt::Horizontal);
    m_teacherView = new ImageView;
    m_teacherView->setObjectName(QStringLiteral("teacherGrid"));
    m_studentView = new ImageView;
    m_studentView->setObjectName(QStringLiteral("studentGrid"));
    pair->addWidget(m_teacherView);
    pair->addWidget(m_studentView);
    m_stripView = new ImageView;
    m_stripView->setObjectName(QStringLiteral("stepStrip"));
    m_stripView->setToolTip(tr("Rows: the student at 1, 2, 4 and 8 steps and the teacher, from "
                               "the same noise and classes (columns)"));
    // One sample up close: teacher against student from the same noise, a wipe between them.
    auto* one = new QWidget;
    auto* oneLayout = new QVBoxLayout(one);
    oneLayout->setContentsMargins(0, 0, 0, 0);
    m_sampleView = new ImageView;
    m_sampleView->setObjectName(QStringLiteral("sampleCompare"));
    m_sampleView->setToolTip(tr("One sample, the teacher's left of the line and the student's "
                                "right of it, from the same noise and class; click a tile of "
                                "either grid to pick another"));
    m_wipe = new QSlider(Qt::Horizontal);
    m_wipe->setObjectName(QStringLiteral("sampleWipe"));
    m_wipe->setRange(0, 100);
    m_wipe->setValue(50);
    m_wipe->setToolTip(tr("Left: the student only; right: the teacher only"));
    connect(m_wipe, &QSlider::valueChanged, this, [this] { updateViews(); });
    oneLayout->addWidget(m_sampleView, 1);
    oneLayout->addWidget(m_wipe);
    for (ImageView* grid : { m_teacherView, m_studentView })
        connect(grid, &ImageView::clickedAt, this, [this](const QPoint& pixel) {
            const SnapshotView* s = current();
            const SampleSetView* set = s ? s->teacher() : nullptr;
            if (!set || set->images.isEmpty())
                return;
            const int tile = gridTileAt(pixel, set->images.front().size(), kGridColumns,
                int(std::min<qsizetype>(kGridSamples, shownSamples().size())));
            if (tile >= 0) {
                selectSample(tile);
                m_details->setCurrentIndex(1);
            }
        });

    // Each sample beside its nearest training images: copies of the data show here.
    auto* nearest = new QWidget;
    auto* nearestLayout = new QVBoxLayout(nearest);
    nearestLayout->setContentsMargins(0, 0, 0, 0);
    m_nearestOf = new QComboBox;
    m_nearestOf->setObjectName(QStringLiteral("nearestOf"));
    m_nearestOf->addItem(tr("Student's samples"), false);
    m_nearestOf->addItem(tr("Teacher's samples"), true);
    m_nearestOf->setToolTip(tr("Whose samples are searched for in the training data"));
    m_nearestLabel = new QLabel;
    m_nearestLabel->setObjectName(QStringLiteral("nearestLabel"));
    m_nearestLabel->setWordWrap(true);
    m_nearestLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_nearestView = new ImageView;
    m_nearestView->setObjectName(QStringLiteral("nearestGrid"));
    m_nearestView->setToolTip(
        tr("Each sample (framed) and, right of it, its %1 nearest training images of its class, "
           "nearest first; a red frame: nearer its neighbour than 95% of held-out images are to "
           "theirs. Click a row for its distances.")
            .arg(kNearestPerSample));
    auto* nearestBar = new QHBoxLayout;
    nearestBar->addWidget(m_nearestOf);
    nearestBar->addWidget(m_nearestLabel, 1);
    nearestLayout->addLayout(nearestBar);
    nearestLayout->addWidget(m_nearestView, 1);
    connect(m_nearestOf, &QComboBox::currentIndexChanged, this, [this] { requestNearest(); });
    connect(m_nearestView, &ImageView::clickedAt, this, [this](const QPoint& pixel) {
        if (m_nearest.matches.isEmpty() || m_nearest.matches.front().isEmpty())
            return;
        const int columns = 2 * (kNearestPerSample + 1);
        const int tile = gridTileAt(pixel, m_nearest.matches.front().front().image.size(), columns,
            int(m_nearest.matches.size()) * (kNearestPerSample + 1));
        if (tile >= 0)
            m_nearestLabel->setText(
                describeNearest((tile / columns) * 2 + (tile % columns) / (kNearestPerSample + 1)));
    });
    m_finder = new NearestImageFinder(this);
    connect(m_finder, &NearestImageFinder::found, this, &SamplePanel::showNearestResult);
    connect(m_finder, &NearestImageFinder::failed, this, [this](int request, const QString& why) {
        if (request != m_nearestRequest)
            return;
        m_nearestLabel->setText(tr("No nearest images: %1").arg(why));
        Q_EMIT nearestShown();
    });

    m_details = new QTabWidget;
    m_details->setObjectName(QStringLiteral("sampleDetails"));
    m_details->addTab(m_stripView, tr("Step counts"));
    m_details->addTab(one, tr("One sample"));
    m_details->addTab(nearest, tr("Nearest training images"));
    connect(m_details, &QTabWidget::currentChanged, this, [this] { requestNearest(); });
    imagesPage->addWidget(pair);
    imagesPage->addWidget(m_details);
    imagesPage->setStretchFactor(0, 3);
    imagesPage->setStretchFactor(1, 2);
    for (ImageView* view : { m_teacherView, m_studentView, m_stripView })
        connect(view, &ImageView::activated, this, &SamplePanel::showFullSize);
    m_stack->addWidget(imagesPage);

    auto* pointsPage = new QSplitter(Qt::Vertical);
    m_scatter = new PointCloudView;
    m_scatter->setObjectName(QStringLiteral("scatterView"));
    m_trajectoryRow = new QWidget;
    m_trajectoryLayout = new QHBoxLayout(m_trajectoryRow);
    m_trajectoryLayout->setContentsMargins(0, 0, 0, 0);
    m_trajectoryRow->setToolTip(tr("The states entering each student step k: the student's own "
                                   "rollout S_k, the teacher's trajectory T_k and forward-diffused "
                                   "data F_k"));
    pointsPage->addWidget(m_scatter);
    pointsPage->addWidget(m_trajectoryRow);
    pointsPage->setStretchFactor(0, 3);
    pointsPage->setStretchFactor(1, 2);
    m_stack->addWidget(pointsPage);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);
    setClassNames({});
}

void SamplePanel::setTrainingData(const DataConfig& data)
{
    m_data = data;
    m_finder->forget();
    m_nearestAsked.clear();
    m_nearest = {};
    m_nearestView->setImage({}, {});
    const bool images = data.kind != DataKind::Toy2d;
    m_details->setTabEnabled(2, images);
    m_nearestLabel->setText(images ? QString() : tr("2-D data have no images to search"));
    requestNearest();
}

void SamplePanel::showNearest(bool teacher)
{
    const QSignalBlocker block(m_nearestOf);
    m_nearestOf->setCurrentIndex(teacher ? 1 : 0);
    if (m_details->currentIndex() == 2)
        requestNearest();
    else
        m_details->setCurrentIndex(2);
}

void SamplePanel::requestNearest()
{
    const SnapshotView* s = current();
    if (m_details->currentIndex() != 2 || !s || !s->isImages() || m_data.kind == DataKind::Toy2d)
        return;
    const bool teacher = m_nearestOf->currentData().toBool();
    const QString asked = QStringLiteral("%1|%2|%3|%4")
                              .arg(s->configHash)
                              .arg(s->step)
                              .arg(m_classFilter)
                              .arg(teacher ? 1 : 0);
    if (asked == m_nearestAsked)
        return;
    const SampleSetView* set = teacher ? s->teacher() : s->student(s->trainedSteps);
    if (!set)
        return;
    m_nearestAsked = asked;
    m_nearestSamples.clear();
    m_nearestLabels.clear();
    QVector<QImage> samples;
    for (int i : shownSamples()) {
        if (samples.size() >= kNearestSamples || i >= set->images.size())
            break;
        m_nearestSamples.append(i);
        m_nearestLabels.append(i < s->labels.size() ? s->labels[i] : -1);
        samples.append(set->images[i]);
    }
    m_nearestLabel->setText(tr("Searching the training images…"));
    m_nearestRequest = m_finder->request(m_data, samples, m_nearestLabels, kNearestPerSample);
}

void SamplePanel::showNearestResult(const NearestSearchView& result)
{
    if (result.request != m_nearestRequest)
        return;
    m_nearest = result;
    const SnapshotView* s = current();
    const bool teacher = m_nearestOf->currentData().toBool();
    const SampleSetView* set = s ? (teacher ? s->teacher() : s->student(s->trainedSteps)) : nullptr;
    QVector<QImage> tiles;
    for (int row = 0; row < result.matches.size() && set; ++row) {
        const int i = m_nearestSamples.value(row, -1);
        if (i < 0 || i >= set->images.size() || result.matches[row].isEmpty())
            continue;
        tiles.append(set->images[i]);
        for (const auto& match : result.matches[row])
            tiles.append(match.image);
        while (tiles.size() % (kNearestPerSample + 1) != 0) // fewer images than k in a class
            tiles.append(QImage());
    }
    const int columns = 2 * (kNearestPerSample + 1);
    QImage sheet = composeGrid(tiles, columns);
    if (!sheet.isNull()) {
        // Every sample framed in the one-pixel gaps: red when it is a likely copy.
        const QSize tile = tiles.front().size();
        QPainter p(&sheet);
        for (int row = 0; row < result.matches.size(); ++row) {
            const int t = row * (kNearestPerSample + 1);
            const QRect frame((t % columns) * (tile.width() + 1),
                (t / columns) * (tile.height() + 1), tile.width() + 1, tile.height() + 1);
            const double below
                = result.matches[row].isEmpty() ? -1.0 : result.matches[row].front().heldOutBelow;
            p.setPen(below >= 0 && below < 0.05 ? QColor(220, 0, 0)
                    : teacher                   ? kTeacherColour
                                                : kStudentColour);
            p.drawRect(frame);
        }
    }
    int copies = 0;
    std::vector<double> nearestDistances;
    for (const auto& row : result.matches)
        if (!row.isEmpty()) {
            nearestDistances.push_back(row.front().distance);
            copies += row.front().heldOutBelow >= 0 && row.front().heldOutBelow < 0.05;
        }
    std::vector<double> held;
    for (int label : m_nearestLabels)
        if (label >= 0 && label < result.heldOutMedian.size()
            && !std::isnan(result.heldOutMedian[label]))
            held.push_back(result.heldOutMedian[label]);
    m_nearestView->setImage(sheet,
        tr("%1 samples, each with its %2 nearest of %3 training images")
            .arg(result.matches.size())
            .arg(kNearestPerSample)
            .arg(result.trainingSize));
    m_nearestLabel->setText(held.empty()
            ? tr("Median distance to the nearest training image %1; no held-out images to "
                 "compare with (%2).")
                  .arg(median(nearestDistances), 0, 'f', 2)
                  .arg(result.description)
            : tr("Median distance to the nearest training image %1; held-out images of the same "
                 "classes: %2. %3 of %4 samples nearer than 95% of held-out images (red).")
                  .arg(median(nearestDistances), 0, 'f', 2)
                  .arg(median(held), 0, 'f', 2)
                  .arg(copies)
                  .arg(nearestDistances.size()));
    Q_EMIT nearestShown();
}

QString SamplePanel::describeNearest(int row) const
{
    if (row < 0 || row >= m_nearest.matches.size() || m_nearest.matches[row].isEmpty())
        return {};
    const int label = m_nearestLabels.value(row, -1);
    QStringList parts;
    for (const auto& match : m_nearest.matches[row])
        parts << tr("#%1 at %2").arg(match.index).arg(match.distance, 0, 'f', 2);
    const auto& first = m_nearest.matches[row].front();
    QString line = tr("Sample %1%2: nearest training images %3.")
                       .arg(row + 1)
                       .arg(classSuffix(label))
                       .arg(parts.join(QStringLiteral(", ")));
    if (first.heldOutBelow >= 0)
        line += QLatin1Char(' ')
            + tr("%1% of held-out images of its class lie nearer their own.")
                  .arg(100.0 * first.heldOutBelow, 0, 'f', 0);
    return line;
}

QString SamplePanel::classSuffix(int label) const
{
    return label >= 0 && label < m_classNames.size()
        ? QStringLiteral(" (%1)").arg(m_classNames[label])
        : QString();
}

void SamplePanel::selectSample(int shown)
{
    m_selected = shown;
    updateViews();
}

void SamplePanel::setWipe(int percent)
{
    m_wipe->setValue(percent);
}

void SamplePanel::clear()
{
    m_snapshots.clear();
    m_nearestAsked.clear();
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    m_scatter->setRange({});
    updateViews();
}

void SamplePanel::setClassNames(const QStringList& names)
{
    m_classNames = names;
    const QSignalBlocker block(m_classBox);
    m_classBox->clear();
    m_classBox->addItem(tr("All classes"), -1);
    for (int i = 0; i < names.size(); ++i)
        m_classBox->addItem(QStringLiteral("%1 · %2").arg(i).arg(names[i]), i);
    m_classFilter = -1;
    updateViews();
}

const SnapshotView* SamplePanel::current() const
{
    const int index = currentIndex();
    return index >= 0 && index < m_snapshots.size() ? &m_snapshots[index] : nullptr;
}

int SamplePanel::currentIndex() const
{
    return m_snapshots.isEmpty() ? -1 : m_slider->value();
}

void SamplePanel::setCurrentIndex(int index)
{
    m_slider->setValue(index);
}

void SamplePanel::setClassFilter(int classLabel)
{
    const int index = m_classBox->findData(classLabel);
    if (index >= 0)
        m_classBox->setCurrentIndex(index);
}

void SamplePanel::addSnapshot(const SnapshotView& snapshot)
{
    const bool following = m_snapshots.isEmpty() || m_slider->value() == m_slider->maximum();
    m_snapshots.append(snapshot);
    const QSignalBlocker block(m_slider);
    m_slider->setRange(0, static_cast<int>(m_snapshots.size()) - 1);
    m_slider->setEnabled(m_snapshots.size() > 1);
    if (following)
        m_slider->setValue(m_slider->maximum());
    updateViews();
}

QVector<int> SamplePanel::shownSamples() const
{
    QVector<int> shown;
    const SnapshotView* s = current();
    if (!s)
        return shown;
    for (int i = 0; i < s->labels.size(); ++i)
        if (m_classFilter < 0 || s->labels[i] == m_classFilter)
            shown.append(i);
    return shown;
}

QVector<QImage> SamplePanel::pick(const SampleSetView& set, int limit) const
{
    QVector<QImage> out;
    for (int i : shownSamples()) {
        if (out.size() >= limit)
            break;
        if (i < set.images.size())
            out.append(set.images[i]);
    }
    return out;
}

void SamplePanel::updateViews()
{
    const SnapshotView* s = current();
    m_exportButton->setEnabled(s != nullptr);
    if (!s) {
        m_stepLabel->setText(tr("no snapshots yet"));
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stepLabel->setText(
        tr("step %1 (%2 of %3)").arg(s->step).arg(currentIndex() + 1).arg(m_snapshots.size()));
    const SampleSetView* teacher = s->teacher();
    const SampleSetView* student = s->student(s->trainedSteps);
    if (s->isImages()) {
        m_stack->setCurrentIndex(1);
        if (teacher)
            m_teacherView->setImage(composeGrid(pick(*teacher, kGridSamples), kGridColumns),
                tr("Teacher, %1 steps").arg(teacher->steps));
        if (student)
            m_studentView->setImage(composeGrid(pick(*student, kGridSamples), kGridColumns),
                tr("Student, %1 steps (training step %2)").arg(student->steps).arg(s->step));
        // The strip: one row per sampler, the same samples in every row.
        QVector<QImage> rows;
        QStringList names;
        for (const auto& set : s->sets) {
            rows += pick(set, kStripColumns);
            names << (set.teacher ? tr("T%1").arg(set.steps) : tr("S%1").arg(set.steps));
        }
        const int columns = std::min(kStripColumns, static_cast<int>(shownSamples().size()));
        m_stripView->setImage(composeGrid(rows, std::max(1, columns)),
            tr("Step counts, top to bottom: %1").arg(names.join(QStringLiteral(", "))));
        const auto shown = shownSamples();
        if (teacher && student && m_selected >= 0 && m_selected < shown.size()
            && shown[m_selected] < teacher->images.size()
            && shown[m_selected] < student->images.size()) {
            const int i = shown[m_selected];
            const int label = i < s->labels.size() ? s->labels[i] : -1;
            m_sampleView->setImage(wipe(teacher->images[i], student->images[i], m_wipe->value()),
                tr("Sample %1%2: teacher | student, same noise")
                    .arg(m_selected + 1)
                    .arg(classSuffix(label)));
        }
        requestNearest();
        return;
    }
    m_stack->setCurrentIndex(2);
    QVector<PointLayer> layers;
    auto filtered = [&](const QVector<QPointF>& points) {
        QVector<QPointF> out;
        for (int i : shownSamples())
            if (i < points.size())
                out.append(points[i]);
        return out;
    };
    if (teacher)
        layers.append({ tr("teacher, %1 steps").arg(teacher->steps), kTeacherColour,
            filtered(teacher->points) });
    if (student)
        layers.append({ tr("student, %1 steps").arg(student->steps), kStudentColour,
            filtered(student->points) });
    m_scatter->setLayers(layers, tr("Teacher against student, step %1").arg(s->step));
    while (m_trajectoryViews.size() < s->trajectory.size()) {
        auto* view = new PointCloudView(m_trajectoryRow);
        view->setLegendVisible(m_trajectoryViews.isEmpty()); // one legend for the row
        m_trajectoryLayout->addWidget(view);
        m_trajectoryViews.append(view);
    }
    for (int i = 0; i < m_trajectoryViews.size(); ++i) {
        PointCloudView* view = m_trajectoryViews[i];
        view->setVisible(i < s->trajectory.size());
        if (i >= s->trajectory.size())
            continue;
        const auto& slice = s->trajectory[i];
        view->setRange(m_scatter->range().isNull()
                ? QRectF()
                : QRectF(m_scatter->range().x() * 1.6, m_scatter->range().y() * 1.6,
                      m_scatter->range().width() * 1.6, m_scatter->range().height() * 1.6));
        view->setLayers({ { tr("F_k data"), kDataColour, slice.data },
                            { tr("T_k teacher"), kTeacherColour, slice.teacher },
                            { tr("S_k student"), kStudentColour, slice.student } },
            tr("k = %1 (τ = %2)").arg(slice.k).arg(slice.tau, 0, 'f', 2));
    }
}

QImage SamplePanel::composeSheet() const
{
    const SnapshotView* s = current();
    if (!s)
        return {};
    if (s->isImages()) {
        const QImage t = m_teacherView->image().scaled(m_teacherView->image().size() * 3);
        const QImage st = m_studentView->image().scaled(m_studentView->image().size() * 3);
        const QImage strip = m_stripView->image().scaled(m_stripView->image().size() * 3);
        const int title = 28;
        const int width = std::max(t.width() + st.width() + 12, strip.width());
        QImage sheet(width, title + std::max(t.height(), st.height()) + title + strip.height(),
            QImage::Format_RGB32);
        sheet.fill(Qt::white);
        QPainter p(&sheet);
        p.setPen(Qt::black);
        p.drawText(QRect(0, 0, t.width(), title), Qt::AlignCenter, m_teacherView->title());
        p.drawText(
            QRect(t.width() + 12, 0, st.width(), title), Qt::AlignCenter, m_studentView->title());
        p.drawImage(0, title, t);
        p.drawImage(t.width() + 12, title, st);
        const int y = title + std::max(t.height(), st.height());
        p.drawText(QRect(0, y, width, title), Qt::AlignCenter, m_stripView->title());
        p.drawImage(0, y + title, strip);
        return sheet;
    }
    const QImage scatter = m_scatter->render(QSize(560, 580));
    const int n = static_cast<int>(s->trajectory.size());
    QImage sheet(std::max(560, n * 300), 580 + (n > 0 ? 320 : 0), QImage::Format_RGB32);
    sheet.fill(Qt::white);
    QPainter p(&sheet);
    p.drawImage((sheet.width() - 560) / 2, 0, scatter);
    for (int i = 0; i < n && i < m_trajectoryViews.size(); ++i)
        p.drawImage(i * 300, 580, m_trajectoryViews[i]->render(QSize(300, 320)));
    return sheet;
}

bool SamplePanel::exportPng(const QString& path, QString* error) const
{
    const SnapshotView* s = current();
    QImage sheet = composeSheet();
    if (!s || sheet.isNull()) {
        if (error)
            *error = tr("no samples to export yet");
        return false;
    }
    sheet.setText(QStringLiteral("ddil.config_hash"), s->configHash);
    sheet.setText(QStringLiteral("ddil.seed"), QString::number(s->seed));
    sheet.setText(QStringLiteral("ddil.step"), QString::number(s->step));
    sheet.setText(QStringLiteral("ddil.view"),
        m_classFilter < 0 ? QStringLiteral("all classes")
                          : QStringLiteral("class %1").arg(m_classFilter));
    QImageWriter writer(path, "png");
    if (!writer.write(sheet)) {
        if (error)
            *error = tr("cannot write %1: %2").arg(path, writer.errorString());
        return false;
    }
    return true;
}

void SamplePanel::showFullSize()
{
    const QImage sheet = composeSheet();
    if (sheet.isNull())
        return;
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Samples at step %1").arg(current()->step));
    auto* label = new QLabel;
    label->setPixmap(QPixmap::fromImage(sheet));
    auto* scroll = new QScrollArea(dialog);
    scroll->setWidget(label);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(scroll);
    dialog->resize(std::min(sheet.width() + 40, 1400), std::min(sheet.height() + 40, 1000));
    dialog->show();
}

} // namespace ddil
