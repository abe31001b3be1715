#include "widgets/compare_view.h"

#include "core/api/errors.h"
#include "widgets/metric_chart.h"
#include "widgets/qcustomplot_include.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace ddil {

namespace {
// The names as the list and the legend show them: without the part every group's name starts
// with, up to a '-' ("fashion-mnist-lcm", "fashion-mnist-pd" -> "lcm", "pd").
QStringList shortNames(const QVector<RunComparison::Group>& groups)
{
    QStringList names;
    for (const auto& g : groups)
        names.append(g.name);
    if (names.size() < 2)
        return names;
    qsizetype common = names.front().size();
    for (const QString& n : names) {
        qsizetype i = 0;
        while (i < common && i < n.size() && n[i] == names.front()[i])
            ++i;
        common = i;
    }
    common = names.front().lastIndexOf(QLatin1Char('-'), common - 1) + 1;
    if (common <= 0)
        return names;
    for (QString& n : names)
        n = n.mid(common).isEmpty() ? n : n.mid(common);
    return names;
}
} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("compareView"));
    setWindowTitle(tr("Compare Runs"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    auto* open = new QPushButton(tr("Open Folder…"), this);
    connect(open, &QPushButton::clicked, this, &CompareView::chooseFolders);
    bar->addWidget(open);
    bar->addWidget(new QLabel(tr("Scalar:"), this));
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("compareMetric"));
    m_metric->setMinimumContentsLength(22);
    m_metric->setToolTip(tr("The logged scalar drawn for every group"));
    bar->addWidget(m_metric, 1);
    bar->addWidget(new QLabel(tr("Band:"), this));
    m_band = new QComboBox(this);
    m_band->addItem(tr("± sd over seeds"), int(BandKind::StandardDeviation));
    m_band->addItem(tr("95% interval of the mean"), int(BandKind::Interval95));
    bar->addWidget(m_band);
    bar->addWidget(new QLabel(tr("Baseline:"), this));
    m_baseline = new QComboBox(this);
    m_baseline->setObjectName(QStringLiteral("compareBaseline"));
    m_baseline->setToolTip(tr("The group every other group is compared with in the table"));
    bar->addWidget(m_baseline, 1);
    auto* exportChart = new QPushButton(tr("Export Chart…"), this);
    connect(exportChart, &QPushButton::clicked, this, &CompareView::chooseChartFile);
    bar->addWidget(exportChart);
    auto* exportTable = new QPushButton(tr("Export Table…"), this);
    connect(exportTable, &QPushButton::clicked, this, &CompareView::chooseTableFile);
    bar->addWidget(exportTable);
    layout->addLayout(bar);

    auto* split = new QSplitter(Qt::Horizontal, this);
    m_groups = new QListWidget(split);
    m_groups->setObjectName(QStringLiteral("compareGroups"));
    m_groups->setMinimumWidth(280);
    m_groups->setToolTip(tr("Runs that differ only in their seed form a group; tick to draw it"));
    auto* right = new QSplitter(Qt::Vertical, split);
    m_chart = new QCustomPlot(right);
    m_chart->setMinimumSize(420, 260);
    m_chart->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_chart->xAxis->setLabel(tr("training step"));
    m_chart->legend->setVisible(true);
    m_chart->legend->setFont(QFont(font().family(), 8));
    m_chart->legend->setBrush(QColor(255, 255, 255, 200));
    m_table = new QTableWidget(right);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("compareStatus"));
    layout->addWidget(m_status);

    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_filling)
            redrawChart();
    });
    connect(m_band, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_filling)
            redrawChart();
    });
    connect(m_baseline, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_filling)
            redrawTable();
    });
    connect(m_groups, &QListWidget::itemChanged, this, [this] {
        if (!m_filling)
            redrawChart();
    });
    m_timer = new QTimer(this);
    m_timer->setInterval(2000);
    connect(m_timer, &QTimer::timeout, this, &CompareView::refresh);
    resize(1280, 820);
}

bool CompareView::openFolders(const QStringList& roots, QString* error)
{
    QElapsedTimer clock;
    clock.start();
    if (!m_comparison.open(roots, error))
        return false;
    m_lastRefreshMs = clock.elapsed();
    fillControls();
    redrawChart();
    redrawTable();
    return true;
}

void CompareView::refresh()
{
    if (m_comparison.roots().isEmpty())
        return;
    QElapsedTimer clock;
    clock.start();
    QString error;
    const bool changed = m_comparison.refresh(&error);
    m_lastRefreshMs = clock.elapsed();
    if (!error.isEmpty()) {
        m_status->setText(tr("Not read again: %1").arg(error));
        return;
    }
    if (!changed)
        return;
    fillControls();
    redrawChart();
    redrawTable();
}

void CompareView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_timer->start();
}

void CompareView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer->stop();
}

void CompareView::fillControls()
{
    m_filling = true;
    // Keep the choices the user made where they still exist.
    QStringList hidden;
    for (int i = 0; i < m_groups->count(); ++i)
        if (m_groups->item(i)->checkState() == Qt::Unchecked)
            hidden.append(m_groups->item(i)->data(Qt::UserRole).toString());
    const QString metricBefore = metric(), baselineBefore = baseline();
    m_groups->clear();
    const auto& colours = seriesColours();
    const auto& groups = m_comparison.groups();
    const QStringList shown = shortNames(groups);
    for (int g = 0; g < groups.size(); ++g) {
        QStringList seeds;
        int finished = 0;
        for (const auto& run : groups[g].runs) {
            seeds.append(QString::number(run.seed));
            finished += run.status == QLatin1String("finished");
        }
        auto* item = new QListWidgetItem(
            tr("%1\n%n run(s), seeds %2; %3 finished", nullptr, int(groups[g].runs.size()))
                .arg(shown[g], seeds.join(QLatin1Char(' ')))
                .arg(finished),
            m_groups);
        item->setData(Qt::UserRole, groups[g].name);
        item->setToolTip(groups[g].name);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(hidden.contains(groups[g].name) ? Qt::Unchecked : Qt::Checked);
        QPixmap swatch(12, 12);
        swatch.fill(colours[g % colours.size()]);
        item->setIcon(QIcon(swatch));
    }
    const QStringList names = m_comparison.metricNames();
    m_metric->clear();
    m_metric->addItems(names);
    QString chosen = metricBefore;
    for (const char* preferred : { "eval/fid", "eval/sliced_wasserstein", "train/loss" })
        if (chosen.isEmpty() && names.contains(QLatin1String(preferred)))
            chosen = QLatin1String(preferred);
    m_metric->setCurrentIndex(std::max(0, int(names.indexOf(chosen))));
    m_baseline->clear();
    m_baseline->addItem(tr("each method's first group"), QString());
    for (const auto& group : groups)
        m_baseline->addItem(group.name, group.name);
    m_baseline->setCurrentIndex(std::max(0, m_baseline->findData(baselineBefore)));
    m_status->setText(
        tr("%n run(s) in %1 group(s) under %2; read in %3 ms", nullptr, m_comparison.runCount())
            .arg(groups.size())
            .arg(m_comparison.roots().join(QStringLiteral(", ")))
            .arg(m_lastRefreshMs));
    m_filling = false;
}

QString CompareView::metric() const
{
    return m_metric->currentText();
}

void CompareView::setMetric(const QString& metric)
{
    m_metric->setCurrentIndex(m_metric->findText(metric));
}

BandKind CompareView::bandKind() const
{
    return BandKind(m_band->currentData().toInt());
}

void CompareView::setBandKind(BandKind kind)
{
    m_band->setCurrentIndex(m_band->findData(int(kind)));
}

QString CompareView::baseline() const
{
    return m_baseline->currentData().toString();
}

void CompareView::setBaseline(const QString& group)
{
    m_baseline->setCurrentIndex(std::max(0, m_baseline->findData(group)));
}

void CompareView::setGroupShown(int group, bool shown)
{
    if (auto* item = m_groups->item(group))
        item->setCheckState(shown ? Qt::Checked : Qt::Unchecked);
}

bool CompareView::groupShown(int group) const
{
    const auto* item = m_groups->item(group);
    return item && item->checkState() == Qt::Checked;
}

void CompareView::redrawChart()
{
    m_chart->clearPlottables(); // graphs and error bars
    m_drawn.clear();
    const QString name = metric();
    m_chart->yAxis->setLabel(name);
    const auto& colours = seriesColours();
    const auto& groups = m_comparison.groups();
    const QStringList names = shortNames(groups);
    for (int g = 0; g < groups.size(); ++g) {
        if (!groupShown(g))
            continue;
        const auto band = m_comparison.band(g, name, bandKind());
        if (band.steps.empty())
            continue;
        m_drawn.append({ groups[g].name, band });
        QVector<double> x, mean, low, high;
        for (size_t i = 0; i < band.steps.size(); ++i) {
            x.append(double(band.steps[i]));
            mean.append(band.mean[i]);
            low.append(band.low[i]);
            high.append(band.high[i]);
        }
        const QColor colour = colours[g % colours.size()];
        QColor fill = colour;
        fill.setAlpha(50);
        auto* lower = m_chart->addGraph();
        lower->setData(x, low, true);
        lower->setPen(Qt::NoPen);
        lower->removeFromLegend();
        auto* upper = m_chart->addGraph();
        upper->setData(x, high, true);
        upper->setPen(Qt::NoPen);
        upper->setBrush(fill);
        upper->setChannelFillGraph(lower);
        upper->removeFromLegend();
        auto* line = m_chart->addGraph();
        line->setData(x, mean, true);
        line->setPen(QPen(colour, 2));
        line->setName(names[g]);
        if (x.size() <= 20) {
            // Few points (evaluations): the band as error bars, which a point's own band is.
            line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
            auto* bars = new QCPErrorBars(m_chart->xAxis, m_chart->yAxis);
            bars->removeFromLegend();
            bars->setDataPlottable(line);
            QVector<double> below, above;
            for (int i = 0; i < x.size(); ++i) {
                below.append(mean[i] - low[i]);
                above.append(high[i] - mean[i]);
            }
            bars->setData(below, above);
            bars->setPen(QPen(colour, 1.5));
        }
    }
    // Past ten groups the legend would hide the curves: the list's swatches name them.
    m_chart->legend->setVisible(m_drawn.size() <= 10);
    m_chart->rescaleAxes();
    m_chart->replot(QCustomPlot::rpQueuedReplot);
}

void CompareView::redrawTable()
{
    m_tableMessage.clear();
    try {
        m_lastTable = m_comparison.table(baseline());
    } catch (const std::exception& e) {
        m_lastTable = {};
        m_tableMessage = QString::fromStdString(e.what());
    }
    m_table->clear();
    if (!m_tableMessage.isEmpty()) {
        m_table->setRowCount(1);
        m_table->setColumnCount(1);
        m_table->setHorizontalHeaderLabels({ tr("Final metrics") });
        m_table->setItem(0, 0, new QTableWidgetItem(m_tableMessage));
        return;
    }
    m_table->setColumnCount(int(m_lastTable.titles.size()));
    QStringList titles;
    for (const auto& t : m_lastTable.titles)
        titles.append(QString::fromStdString(t));
    m_table->setHorizontalHeaderLabels(titles);
    m_table->setRowCount(int(m_lastTable.cells.size()));
    for (int r = 0; r < int(m_lastTable.cells.size()); ++r)
        for (int c = 0; c < int(m_lastTable.cells[r].size()); ++c)
            m_table->setItem(
                r, c, new QTableWidgetItem(QString::fromStdString(m_lastTable.cells[r][c])));
    m_table->setToolTip(QString::fromStdString([&] {
        std::string notes;
        for (const auto& n : m_lastTable.notes)
            notes += (notes.empty() ? "" : "\n") + n;
        return notes;
    }()));
}

QString CompareView::tableMessage() const
{
    return m_tableMessage;
}

bool CompareView::exportChart(const QString& path, QString* error) const
{
    if (m_chart->savePng(path, 1200, 700))
        return true;
    if (error)
        *error = tr("%1: the chart could not be written").arg(path);
    return false;
}

bool CompareView::exportTable(const QString& path, QString* error) const
{
    if (!m_tableMessage.isEmpty()) {
        if (error)
            *error = m_tableMessage;
        return false;
    }
    const std::string text = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
        ? m_lastTable.csv()
        : m_lastTable.markdown();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
        if (error)
            *error = tr("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void CompareView::chooseFolders()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open a sweep or reproduction folder"), m_comparison.roots().value(0));
    if (dir.isEmpty())
        return;
    QString error;
    if (!openFolders({ dir }, &error))
        m_status->setText(error);
}

void CompareView::chooseChartFile()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"), QStringLiteral("comparison.png"), tr("PNG image (*.png)"));
    QString error;
    if (!path.isEmpty() && !exportChart(path, &error))
        m_status->setText(error);
}

void CompareView::chooseTableFile()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export table"),
        QStringLiteral("comparison.md"), tr("Markdown (*.md);;CSV (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportTable(path, &error))
        m_status->setText(error);
}

} // namespace ddil
