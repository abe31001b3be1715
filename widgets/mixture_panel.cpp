#include "widgets/mixture_panel.h"

#include "core/api/config_io.h"
#include "widgets/schema_range.h"
#include "widgets/triangle_picker.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace ddil {

namespace {
constexpr int kSliderScale = 1000;
}

MixturePanel::MixturePanel(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("mixturePanel"));
    const QString names[3] = { tr("β data"), tr("β teacher"), tr("β student") };
    const QString tips[3] = {
        tr("Prior of real data, forward-diffused to the base method's times: the base method's "
           "own training distribution"),
        tr("Prior of states on the teacher's M-step sampler trajectory, at the student's times"),
        tr("Prior of states from the student's own rollout: DDIL's on-policy source against "
           "covariate shift"),
    };
    auto* priors = new QGroupBox(tr("Source priors (sum to 1)"), this);
    auto* grid = new QGridLayout(priors);
    for (int i = 0; i < 3; ++i) {
        auto* label = new QLabel(names[i], priors);
        label->setToolTip(tips[i]);
        m_sliders[i] = new QSlider(Qt::Horizontal, priors);
        m_sliders[i]->setObjectName(QStringLiteral("betaSlider%1").arg(i));
        m_sliders[i]->setRange(0, kSliderScale);
        m_sliders[i]->setToolTip(tips[i]);
        m_spins[i] = new QDoubleSpinBox(priors);
        m_spins[i]->setObjectName(QStringLiteral("betaSpin%1").arg(i));
        bindSchemaRange(m_spins[i], "distill.ddil.beta");
        m_spins[i]->setDecimals(3);
        m_spins[i]->setSingleStep(0.05);
        m_spins[i]->setToolTip(tips[i]);
        m_realised[i] = new QLabel(QStringLiteral("–"), priors);
        m_realised[i]->setObjectName(QStringLiteral("realised%1").arg(i));
        m_realised[i]->setToolTip(tr("Share of this source in the latest training batch"));
        m_realised[i]->setMinimumWidth(
            m_realised[i]->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
        grid->addWidget(label, i, 0);
        grid->addWidget(m_sliders[i], i, 1);
        grid->addWidget(m_spins[i], i, 2);
        grid->addWidget(m_realised[i], i, 3);
        connect(m_sliders[i], &QSlider::valueChanged, this, [this, i](int value) {
            if (!m_syncing)
                setPrior(i, static_cast<double>(value) / kSliderScale);
        });
        connect(m_spins[i], &QDoubleSpinBox::valueChanged, this, [this, i](double value) {
            if (!m_syncing)
                setPrior(i, value);
        });
    }
    auto* header = new QLabel(tr("realised"), priors);
    header->setToolTip(m_realised[0]->toolTip());
    grid->addWidget(header, 3, 3);
    grid->setColumnStretch(1, 1);

    m_picker = new TrianglePicker(this);
    connect(m_picker, &TrianglePicker::picked, this,
        [this](const std::array<double, 3>& beta) { setBeta(beta); });

    auto* policy = new QGroupBox(tr("Rollouts, buffers and reflection"), this);
    auto* form = new QGridLayout(policy);
    int row = 0;
    auto addRow = [&](const QString& label, QWidget* field) {
        auto* name = new QLabel(label, policy);
        name->setToolTip(field->toolTip());
        form->addWidget(name, row / 2, (row % 2) * 2);
        form->addWidget(field, row / 2, (row % 2) * 2 + 1);
        ++row;
    };
    m_pTeach = new QDoubleSpinBox(policy);
    m_pTeach->setObjectName(QStringLiteral("pTeach"));
    bindSchemaRange(m_pTeach, "distill.ddil.p_teach");
    m_pTeach->setSingleStep(0.05);
    m_pTeach->setDecimals(3);
    m_pTeach->setToolTip(tr("DAgger's mixed policy: in student rollouts the teacher takes each "
                            "step with this probability"));
    addRow(tr("p_teach"), m_pTeach);
    m_capacity = new QSpinBox(policy);
    m_capacity->setObjectName(QStringLiteral("bufferCapacity"));
    bindSchemaRange(m_capacity, "distill.ddil.buffer_capacity");
    m_capacity->setSpecialValueText(tr("auto (32 × batch)"));
    m_capacity->setToolTip(tr("States kept per source buffer (teacher and student rollouts); a "
                              "new capacity refills the buffers"));
    addRow(tr("Buffer capacity"), m_capacity);
    m_refreshEvery = new QSpinBox(policy);
    m_refreshEvery->setObjectName(QStringLiteral("refreshEvery"));
    bindSchemaRange(m_refreshEvery, "distill.ddil.refresh_every");
    m_refreshEvery->setToolTip(tr("Training steps between buffer refreshes: lower keeps student "
                                  "states fresher and costs more rollouts"));
    addRow(tr("Refresh every"), m_refreshEvery);
    m_refreshFraction = new QDoubleSpinBox(policy);
    m_refreshFraction->setObjectName(QStringLiteral("refreshFraction"));
    bindSchemaRange(m_refreshFraction, "distill.ddil.refresh_fraction");
    m_refreshFraction->setSingleStep(0.05);
    m_refreshFraction->setToolTip(tr("Share of each buffer replaced at a refresh"));
    addRow(tr("Refresh fraction"), m_refreshFraction);
    m_projection = new QComboBox(policy);
    m_projection->setObjectName(QStringLiteral("projection"));
    m_projection->addItem(tr("off"), static_cast<int>(ProjectionKind::None));
    m_projection->addItem(tr("static clamp to [-1, 1]"), static_cast<int>(ProjectionKind::Static));
    m_projection->addItem(tr("dynamic (percentile)"), static_cast<int>(ProjectionKind::Dynamic));
    m_projection->setToolTip(tr("Reflected DDIL: project x0 estimates into the data range "
                                "(DDIL.md §3), which keeps rollouts inside the data's support"));
    addRow(tr("Reflected mode"), m_projection);
    m_percentile = new QDoubleSpinBox(policy);
    m_percentile->setObjectName(QStringLiteral("percentile"));
    bindSchemaRange(m_percentile, "distill.reflection.percentile");
    m_percentile->setDecimals(3);
    m_percentile->setSingleStep(0.005);
    m_percentile->setToolTip(tr("Dynamic projection: the quantile of |x0| per sample that sets "
                                "the clamp"));
    addRow(tr("Percentile"), m_percentile);

    for (QDoubleSpinBox* box : { m_pTeach, m_refreshFraction, m_percentile })
        connect(box, &QDoubleSpinBox::valueChanged, this, &MixturePanel::scheduleSend);
    for (QSpinBox* box : { m_capacity, m_refreshEvery })
        connect(box, &QSpinBox::valueChanged, this, &MixturePanel::scheduleSend);
    connect(m_projection, &QComboBox::currentIndexChanged, this, [this] {
        m_percentile->setEnabled(
            m_projection->currentData().toInt() == static_cast<int>(ProjectionKind::Dynamic));
        scheduleSend();
    });

    m_sendTimer = new QTimer(this);
    m_sendTimer->setSingleShot(true);
    m_sendTimer->setInterval(150);
    connect(m_sendTimer, &QTimer::timeout, this, [this] { Q_EMIT mixtureChanged(mixture()); });

    form->setColumnStretch(1, 1);
    form->setColumnStretch(3, 1);
    auto* layout = new QGridLayout(this);
    layout->addWidget(priors, 0, 0);
    layout->addWidget(m_picker, 0, 1);
    layout->addWidget(policy, 1, 0, 1, 2);
    layout->setColumnStretch(0, 3);
    layout->setColumnStretch(1, 2);
    layout->setRowStretch(2, 1);
    showConfig(RunConfig {});
}

void MixturePanel::setSendDelay(int milliseconds)
{
    m_sendTimer->setInterval(milliseconds);
}

void MixturePanel::showConfig(const RunConfig& config)
{
    const MixtureSnapshot m = mixtureOf(config.distill);
    m_syncing = true;
    if (m.beta.size() == 3)
        m_beta = { m.beta[0], m.beta[1], m.beta[2] };
    m_pTeach->setValue(m.p_teach);
    m_capacity->setValue(m.buffer_capacity);
    m_refreshEvery->setValue(m.refresh_every);
    m_refreshFraction->setValue(m.refresh_fraction);
    m_projection->setCurrentIndex(m_projection->findData(static_cast<int>(m.projection)));
    m_percentile->setValue(m.percentile);
    m_percentile->setEnabled(m.projection == ProjectionKind::Dynamic);
    m_syncing = false;
    syncControls();
    for (QLabel* label : m_realised)
        label->setText(QStringLiteral("–"));
    m_picker->clearRealised();
    m_sendTimer->stop();
    setEnabled(config.task == Task::Distill);
}

MixtureSnapshot MixturePanel::mixture() const
{
    MixtureSnapshot m;
    m.beta = { m_beta[0], m_beta[1], m_beta[2] };
    m.p_teach = m_pTeach->value();
    m.buffer_capacity = m_capacity->value();
    m.refresh_every = m_refreshEvery->value();
    m.refresh_fraction = m_refreshFraction->value();
    m.projection = static_cast<ProjectionKind>(m_projection->currentData().toInt());
    m.percentile = m_percentile->value();
    return m;
}

void MixturePanel::setPrior(int index, double value)
{
    value = std::clamp(value, 0.0, 1.0);
    const int a = (index + 1) % 3, b = (index + 2) % 3;
    const double rest = 1.0 - value, others = m_beta[a] + m_beta[b];
    if (others > 1e-12) {
        m_beta[a] = rest * m_beta[a] / others;
        m_beta[b] = std::max(0.0, rest - m_beta[a]);
    } else {
        m_beta[a] = rest / 2.0;
        m_beta[b] = std::max(0.0, rest - m_beta[a]);
    }
    m_beta[index] = value;
    syncControls();
    scheduleSend();
}

void MixturePanel::setBeta(const std::array<double, 3>& beta)
{
    const double sum = beta[0] + beta[1] + beta[2];
    if (!(sum > 0.0) || beta[0] < 0 || beta[1] < 0 || beta[2] < 0)
        return;
    m_beta = { beta[0] / sum, beta[1] / sum, 0.0 };
    m_beta[2] = std::max(0.0, 1.0 - m_beta[0] - m_beta[1]);
    syncControls();
    scheduleSend();
}

void MixturePanel::setRealisedShares(double data, double teacher, double student)
{
    const double shares[3] = { data, teacher, student };
    for (int i = 0; i < 3; ++i)
        m_realised[i]->setText(QString::number(shares[i], 'f', 3));
    m_picker->setRealised({ data, teacher, student });
}

void MixturePanel::syncControls()
{
    m_syncing = true;
    for (int i = 0; i < 3; ++i) {
        m_sliders[i]->setValue(static_cast<int>(std::lround(m_beta[i] * kSliderScale)));
        m_spins[i]->setValue(m_beta[i]);
    }
    m_picker->setValue(m_beta);
    m_syncing = false;
}

void MixturePanel::scheduleSend()
{
    if (m_syncing)
        return;
    m_sendTimer->start();
}

} // namespace ddil
