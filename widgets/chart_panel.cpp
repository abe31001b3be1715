#include "widgets/chart_panel.h"

#include "widgets/metric_chart.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace ddil {

namespace {
QString fileSafe(QString name)
{
    for (QChar& c : name)
        if (!c.isLetterOrNumber() && c != QLatin1Char('-') && c != QLatin1Char('_'))
            c = QLatin1Char('_');
    return name;
}

double shareOf(const ScalarRow& row, const QString& name, double fallback)
{
    for (const auto& [key, value] : row.values)
        if (key == name)
            return value;
    return fallback;
}
} // namespace

ChartPanel::ChartPanel(QWidget* parent)
    : QWidget(parent)
{
    auto re = [](const char* pattern) { return QRegularExpression(QLatin1String(pattern)); };
    const QVector<ChartSpec> specs {
        { tr("Loss"), re("^train/loss$"), true, tr("loss") },
        { tr("Loss terms"),
            re("^train/(?!loss$|lr$|grad_norm$|ddil/)(.*(loss|gan_|dm_|mse|huber).*)$"), true,
            tr("loss") },
        { tr("Gradient norm"), re("^train/(grad_norm)$"), true, tr("before clipping") },
        { tr("Learning rate"), re("^train/(lr)$"), false, {} },
        { tr("FID (evaluator features)"), re("^eval/(fid|fid_floor)$"), false, tr("FID") },
        { tr("Precision, recall, density, coverage"),
            re("^eval/(precision|recall|density|coverage)$"), false, {} },
        { tr("Diversity and class consistency"),
            re("^eval/(diversity|diversity_real|class_consistency|class_entropy_bits)$"), false,
            {} },
        { tr("Distances to data and teacher (2-D)"),
            re("^eval/((sliced_wasserstein|mmd|sw_to_teacher|mmd_to_teacher)(_floor)?)$"), false,
            {} },
        { tr("D(S_k, F_k): student vs data"), re("^shift/(?:fd|sw)_sf/(k\\d+)$"), false,
            tr("distance") },
        { tr("D(S_k, T_k): student vs teacher"), re("^shift/(?:fd|sw)_st/(k\\d+)$"), false,
            tr("distance") },
        { tr("Loss gap per student step"), re("^shift/loss_gap/(k\\d+)$"), false,
            tr("loss(S) - loss(F)") },
        { tr("Teacher intervention (FID / SW)"), re("^intervene/([^/]+)/(?:fid|sw_to_data)$"),
            false, {} },
        { tr("Realised source shares"), re("^train/ddil/share_(data|teacher|student)$"), true,
            tr("share of the batch") },
        { tr("Set priors and p_teach"), re("^train/ddil/(beta_\\w+|p_teach)$"), false, {} },
        { tr("Buffer staleness"), re("^train/ddil/(staleness_\\w+|buffer_age_\\w+)$"), true,
            tr("steps") },
    };
    for (const auto& spec : specs) {
        auto* chart = new MetricChart(spec);
        chart->setObjectName(QStringLiteral("chart%1").arg(m_charts.size()));
        m_charts.append(chart);
    }

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("chartTabs"));
    addTab(tr("Losses"), { 0, 1, 2, 3 });
    addTab(tr("Quality"), { 4, 5, 6, 7 });
    addTab(tr("Covariate shift"), { 8, 9, 10, 11 });
    addTab(tr("Mixture"), { 12, 13, 14 });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        QSettings().setValue(QStringLiteral("charts/tab"), index);
        m_dirty = true;
        refresh();
    });

    m_smoothSlider = new QSlider(Qt::Horizontal, this);
    m_smoothSlider->setObjectName(QStringLiteral("smoothingSlider"));
    m_smoothSlider->setRange(0, 999);
    m_smoothSlider->setValue(static_cast<int>(m_smoothing * 1000));
    m_smoothSlider->setToolTip(tr("Smoothing of loss curves: TensorBoard's debiased exponential "
                                  "moving average (0: raw)"));
    m_smoothLabel = new QLabel(this);
    connect(m_smoothSlider, &QSlider::valueChanged, this,
        [this](int value) { setSmoothing(value / 1000.0); });
    m_logBox = new QCheckBox(tr("Log scale"), this);
    m_logBox->setObjectName(QStringLiteral("logScale"));
    m_logBox->setToolTip(tr("Logarithmic y axis on every chart"));
    connect(m_logBox, &QCheckBox::toggled, this, &ChartPanel::setLogScale);

    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setObjectName(QStringLiteral("exportCharts"));
    exportButton->setToolTip(tr("Write every chart as PNG and PDF and each run's metrics as CSV "
                                "into a folder"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Export Charts"));
        if (folder.isEmpty())
            return;
        QString error;
        if (exportCharts(folder, true, &error).isEmpty() && !error.isEmpty())
            QMessageBox::warning(this, tr("Export Charts"), error);
        else if (exportCsv(folder, &error).isEmpty() && !error.isEmpty())
            QMessageBox::warning(this, tr("Export Charts"), error);
    });

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Smoothing"), this));
    bar->addWidget(m_smoothSlider, 1);
    bar->addWidget(m_smoothLabel);
    bar->addSpacing(12);
    bar->addWidget(m_logBox);
    bar->addWidget(exportButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(m_tabs, 1);
    // The last tab and smoothing the user chose (QSettings).
    const QSettings settings;
    setSmoothing(settings.value(QStringLiteral("charts/smoothing"), m_smoothing).toDouble());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("charts/tab"), 0).toInt());
    connect(m_smoothSlider, &QSlider::sliderReleased, this,
        [this] { QSettings().setValue(QStringLiteral("charts/smoothing"), m_smoothing); });

    m_timer = new QTimer(this);
    m_timer->setInterval(100);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_dirty)
            refresh();
    });
    m_timer->start();
}

ChartPanel::~ChartPanel() = default;

void ChartPanel::addTab(const QString& title, const QVector<int>& chartIndexes)
{
    auto* page = new QWidget;
    auto* grid = new QGridLayout(page);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(2);
    const int columns = chartIndexes.size() > 2 ? 2 : 1;
    for (int i = 0; i < chartIndexes.size(); ++i)
        grid->addWidget(m_charts[chartIndexes[i]], i / columns, i % columns, 1,
            (i == chartIndexes.size() - 1 && i % columns == 0) ? columns : 1);
    m_tabs->addTab(page, title);
}

QList<MetricChart*> ChartPanel::charts() const
{
    return QList<MetricChart*>(m_charts.begin(), m_charts.end());
}

MetricChart* ChartPanel::chart(const QString& objectName) const
{
    for (auto* c : m_charts)
        if (c->objectName() == objectName || c->spec().title == objectName)
            return c;
    return nullptr;
}

void ChartPanel::showTab(int index)
{
    m_tabs->setCurrentIndex(index);
}

QVector<const RunMetrics*> ChartPanel::shownRuns() const
{
    QVector<const RunMetrics*> out;
    if (!m_live.isEmpty())
        out.append(&m_live);
    for (const auto& overlay : m_overlays)
        out.append(overlay.get());
    return out;
}

void ChartPanel::resetLive(const QString& label)
{
    m_liveFile.clear();
    m_liveOffset = 0;
    m_live.clear();
    m_live.setLabel(label);
    m_dirty = true;
}

bool ChartPanel::loadLive(const QString& runDir, QString* error)
{
    resetLive(QFileInfo(runDir).fileName());
    m_liveFile = QDir(runDir).filePath(QStringLiteral("metrics.jsonl"));
    const bool ok = pollRunFolder() >= 0;
    if (!ok && error)
        *error = tr("%1 cannot be read").arg(m_liveFile);
    refresh();
    return ok;
}

int ChartPanel::pollRunFolder()
{
    if (m_liveFile.isEmpty())
        return -1;
    const int rows = m_live.readNewLines(m_liveFile, m_liveOffset);
    if (rows > 0)
        m_dirty = true;
    return rows;
}

bool ChartPanel::addOverlay(const QString& runDir, QString* error)
{
    auto run = std::make_unique<RunMetrics>(QFileInfo(runDir).fileName());
    if (!run->loadJsonLines(QDir(runDir).filePath(QStringLiteral("metrics.jsonl")), error))
        return false;
    if (run->isEmpty()) {
        if (error)
            *error = tr("%1 holds no metrics yet").arg(runDir);
        return false;
    }
    m_overlays.push_back(std::move(run));
    m_dirty = true;
    refresh();
    return true;
}

void ChartPanel::clearOverlays()
{
    m_overlays.clear();
    m_dirty = true;
    refresh();
}

void ChartPanel::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.999);
    m_smoothLabel->setText(QString::number(m_smoothing, 'f', 3));
    if (m_smoothSlider->value() != static_cast<int>(std::lround(m_smoothing * 1000))) {
        const QSignalBlocker block(m_smoothSlider);
        m_smoothSlider->setValue(static_cast<int>(std::lround(m_smoothing * 1000)));
    }
    m_dirty = true;
}

void ChartPanel::setLogScale(bool on)
{
    if (m_logBox->isChecked() != on)
        m_logBox->setChecked(on);
    for (auto* c : m_charts)
        c->setLogScale(on);
}

void ChartPanel::appendScalars(const ScalarBatch& batch)
{
    for (const ScalarRow& row : batch.rows)
        m_live.append(row);
    if (!batch.rows.isEmpty()) {
        const ScalarRow& last = batch.rows.last();
        const double data = shareOf(last, QStringLiteral("train/ddil/share_data"), -1);
        if (data >= 0)
            Q_EMIT sharesReported(data,
                shareOf(last, QStringLiteral("train/ddil/share_teacher"), 0),
                shareOf(last, QStringLiteral("train/ddil/share_student"), 0));
    }
    m_dirty = true;
}

void ChartPanel::appendRow(const ScalarRow& row)
{
    m_live.append(row);
    m_dirty = true;
}

void ChartPanel::refresh()
{
    m_dirty = false;
    const auto shown = shownRuns();
    QWidget* page = m_tabs->currentWidget();
    for (auto* c : m_charts)
        if (page && page->isAncestorOf(c))
            c->showRuns(shown, m_smoothing, true);
}

QStringList ChartPanel::exportCharts(const QString& folder, bool pdf, QString* error) const
{
    QStringList written;
    if (!QDir().mkpath(folder)) {
        if (error)
            *error = tr("cannot create %1").arg(folder);
        return {};
    }
    const auto shown = shownRuns();
    for (auto* c : m_charts) {
        c->showRuns(shown, m_smoothing, true);
        if (c->seriesCount() == 0)
            continue;
        const QString base = QDir(folder).filePath(fileSafe(c->spec().title));
        if (!c->savePng(base + QStringLiteral(".png"), 900, 560)) {
            if (error)
                *error = tr("cannot write %1.png").arg(base);
            return {};
        }
        written << base + QStringLiteral(".png");
        if (pdf) {
            if (!c->savePdf(base + QStringLiteral(".pdf"), 900, 560)) {
                if (error)
                    *error = tr("cannot write %1.pdf").arg(base);
                return {};
            }
            written << base + QStringLiteral(".pdf");
        }
    }
    return written;
}

QStringList ChartPanel::exportCsv(const QString& folder, QString* error) const
{
    QStringList written;
    if (!QDir().mkpath(folder)) {
        if (error)
            *error = tr("cannot create %1").arg(folder);
        return {};
    }
    for (const RunMetrics* run : shownRuns()) {
        const QString path = QDir(folder).filePath(
            fileSafe(run->label().isEmpty() ? QStringLiteral("session") : run->label())
            + QStringLiteral(".csv"));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(run->toCsv().toUtf8()) < 0) {
            if (error)
                *error = tr("cannot write %1: %2").arg(path, file.errorString());
            return {};
        }
        written << path;
    }
    return written;
}

} // namespace ddil
