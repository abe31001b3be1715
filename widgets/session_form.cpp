#include "widgets/session_form.h"

#include "widgets/schema_range.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ddil {

namespace {
template <class E>
QComboBox* enumCombo(QWidget* parent)
{
    auto* box = new QComboBox(parent);
    for (const auto& [value, name] : EnumTable<E>::entries)
        box->addItem(QString::fromLatin1(name.data(), static_cast<int>(name.size())),
            static_cast<int>(value));
    return box;
}

template <class E>
void setEnum(QComboBox* box, E value)
{
    box->setCurrentIndex(box->findData(static_cast<int>(value)));
}

template <class E>
E enumOf(const QComboBox* box)
{
    return static_cast<E>(box->currentData().toInt());
}

QWidget* withBrowse(QLineEdit* edit, const QString& filter, bool folder)
{
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QPushButton(QObject::tr("…"), row);
    browse->setToolTip(QObject::tr("Browse"));
    browse->setMaximumWidth(32);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, filter, folder] {
        const QString path = folder
            ? QFileDialog::getExistingDirectory(edit, QObject::tr("Choose a Folder"), edit->text())
            : QFileDialog::getOpenFileName(
                  edit, QObject::tr("Choose a File"), edit->text(), filter);
        if (!path.isEmpty())
            edit->setText(path);
    });
    layout->addWidget(browse);
    return row;
}
} // namespace

SessionForm::SessionForm(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("sessionForm"));
    auto* content = new QWidget;
    auto* column = new QVBoxLayout(content);

    auto* general = new QGroupBox(tr("Session"), content);
    auto* g = new QFormLayout(general);
    m_name = new QLineEdit(general);
    addField(g, tr("Name"), QStringLiteral("name"), m_name,
        tr("The run's name: the run folder is <name>-<date>-<time>"));
    m_task = enumCombo<Task>(general);
    addField(g, tr("Task"), QStringLiteral("task"), m_task,
        tr("distill: a few-step student of a teacher checkpoint; teacher: a diffusion model; "
           "evaluator: the feature extractor of the image metrics"));
    m_seed = new QSpinBox(general);
    m_seed->setRange(0, 2'000'000'000);
    addField(g, tr("Seed"), QStringLiteral("seed"), m_seed,
        tr("Every random draw of training follows from it: same seed, same run"));
    column->addWidget(general);

    auto* data = new QGroupBox(tr("Data"), content);
    auto* d = new QFormLayout(data);
    m_dataKind = enumCombo<DataKind>(data);
    addField(d, tr("Dataset"), QStringLiteral("data.kind"), m_dataKind,
        tr("Built-in 2-D toy distributions, Fashion-MNIST, any MNIST-format IDX files or an "
           "image folder"));
    m_distribution = enumCombo<ToyDistribution>(data);
    addField(d, tr("Distribution"), QStringLiteral("data.distribution"), m_distribution,
        tr("The 2-D toy distribution"));
    m_dataPath = new QLineEdit(data);
    m_dataPath->setPlaceholderText(tr("default location"));
    addField(d, tr("Path"), QStringLiteral("data.path"), withBrowse(m_dataPath, {}, true),
        tr("The dataset folder (empty: Debian's dataset-fashion-mnist)"));
    m_fields[QStringLiteral("data.path")] = m_dataPath;
    column->addWidget(data);

    auto* distill = new QGroupBox(tr("Distillation"), content);
    m_distillGroup = distill;
    auto* s = new QFormLayout(distill);
    m_teacher = new QLineEdit(distill);
    addField(s, tr("Teacher checkpoint"), QStringLiteral("distill.teacher"),
        withBrowse(m_teacher, tr("Checkpoints (*.safetensors *.pt)"), false),
        tr("The trained teacher (a run's checkpoint.safetensors or shipped weights); the student "
           "starts as a copy of it"));
    m_fields[QStringLiteral("distill.teacher")] = m_teacher;
    m_method = enumCombo<DistillMethod>(distill);
    addField(s, tr("Base method"), QStringLiteral("distill.method"), m_method,
        tr("progressive: halve the steps round by round; lcm: latent consistency distillation; "
           "dmd2: distribution matching. DDIL changes only which states they train on"));
    m_studentSteps = new QSpinBox(distill);
    bindSchemaRange(m_studentSteps, "distill.student_steps");
    addField(s, tr("Student steps N"), QStringLiteral("distill.student_steps"), m_studentSteps,
        tr("The student's sampling steps"));
    m_teacherSteps = new QSpinBox(distill);
    bindSchemaRange(m_teacherSteps, "distill.ddil.teacher_steps");
    addField(s, tr("Teacher steps M"), QStringLiteral("distill.ddil.teacher_steps"), m_teacherSteps,
        tr("The teacher's DDIM sampler that teacher states come from (a multiple of N)"));
    m_guidance = new QDoubleSpinBox(distill);
    bindSchemaRange(m_guidance, "distill.guidance.scale");
    m_guidance->setSingleStep(0.25);
    addField(s, tr("Guidance scale"), QStringLiteral("distill.guidance.scale"), m_guidance,
        tr("Classifier-free guidance of the teacher (w = 1: plain conditional sampling)"));
    column->addWidget(distill);

    auto* optim = new QGroupBox(tr("Optimiser"), content);
    auto* o = new QFormLayout(optim);
    m_optimizer = enumCombo<OptimizerKind>(optim);
    addField(o, tr("Optimiser"), QStringLiteral("train.optimizer"), m_optimizer, {});
    m_lr = new QDoubleSpinBox(optim);
    m_lr->setDecimals(7);
    bindSchemaRange(m_lr, "train.lr");
    m_lr->setSingleStep(1e-5);
    addField(o, tr("Learning rate"), QStringLiteral("train.lr"), m_lr,
        tr("Peak learning rate (warm-up, then cosine decay)"));
    m_batch = new QSpinBox(optim);
    bindSchemaRange(m_batch, "train.batch_size");
    addField(o, tr("Batch size"), QStringLiteral("train.batch_size"), m_batch, {});
    m_steps = new QSpinBox(optim);
    bindSchemaRange(m_steps, "train.steps");
    addField(o, tr("Training steps"), QStringLiteral("train.steps"), m_steps, {});
    m_warmup = new QSpinBox(optim);
    bindSchemaRange(m_warmup, "train.warmup_steps");
    addField(o, tr("Warm-up steps"), QStringLiteral("train.warmup_steps"), m_warmup, {});
    m_ema = new QDoubleSpinBox(optim);
    m_ema->setDecimals(5);
    bindSchemaRange(m_ema, "train.ema_decay");
    m_ema->setSingleStep(0.001);
    addField(o, tr("EMA decay"), QStringLiteral("train.ema_decay"), m_ema,
        tr("The sampled student is the exponential moving average of the trained weights"));
    column->addWidget(optim);

    auto* eval = new QGroupBox(tr("Evaluation"), content);
    auto* e = new QFormLayout(eval);
    m_evalEvery = new QSpinBox(eval);
    bindSchemaRange(m_evalEvery, "eval.every");
    m_evalEvery->setSpecialValueText(tr("only at the end"));
    addField(e, tr("Every"), QStringLiteral("eval.every"), m_evalEvery,
        tr("Training steps between evaluations"));
    m_evalCount = new QSpinBox(eval);
    bindSchemaRange(m_evalCount, "eval.count");
    addField(e, tr("Samples"), QStringLiteral("eval.count"), m_evalCount,
        tr("Samples scored per evaluation"));
    m_extractor = new QLineEdit(eval);
    addField(e, tr("Feature extractor"), QStringLiteral("eval.feature_extractor"),
        withBrowse(m_extractor, tr("Checkpoints (*.safetensors *.pt)"), false),
        tr("The evaluator checkpoint (or TorchScript) whose features FID, precision/recall and "
           "coverage use"));
    m_fields[QStringLiteral("eval.feature_extractor")] = m_extractor;
    m_shift = new QCheckBox(tr("Covariate-shift diagnostics"), eval);
    addField(e, {}, QStringLiteral("eval.shift_diagnostics"), m_shift,
        tr("With each evaluation, measure D(S_k, F_k), D(S_k, T_k) and the loss gap per student "
           "step"));
    m_intervention = new QCheckBox(tr("Teacher-intervention sweep"), eval);
    addField(e, {}, QStringLiteral("eval.teacher_intervention"), m_intervention,
        tr("With each evaluation, let the teacher take the first j steps and score the samples"));
    column->addWidget(eval);
    column->addStretch(1);

    m_problems = new QLabel(this);
    m_problems->setObjectName(QStringLiteral("formProblems"));
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_problems->setStyleSheet(QStringLiteral("color: #b00020"));

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_problems);

    for (QLineEdit* edit : { m_name, m_dataPath, m_teacher, m_extractor })
        connect(edit, &QLineEdit::textChanged, this, &SessionForm::edited);
    for (QComboBox* box : { m_task, m_dataKind, m_distribution, m_method, m_optimizer })
        connect(box, &QComboBox::currentIndexChanged, this, &SessionForm::edited);
    for (QSpinBox* box : { m_seed, m_studentSteps, m_teacherSteps, m_batch, m_steps, m_warmup,
             m_evalEvery, m_evalCount })
        connect(box, &QSpinBox::valueChanged, this, &SessionForm::edited);
    for (QDoubleSpinBox* box : { m_guidance, m_lr, m_ema })
        connect(box, &QDoubleSpinBox::valueChanged, this, &SessionForm::edited);
    for (QCheckBox* box : { m_shift, m_intervention })
        connect(box, &QCheckBox::toggled, this, &SessionForm::edited);
    setConfig(RunConfig {});
}

void SessionForm::addField(QFormLayout* form, const QString& label, const QString& path,
    QWidget* field, const QString& tip)
{
    field->setObjectName(path);
    field->setToolTip(tip);
    auto* name = new QLabel(label);
    name->setToolTip(tip);
    form->addRow(name, field);
    m_fields[path] = field;
    m_rows[path] = { form, field };
    m_tips[path] = tip;
}

void SessionForm::setConfig(const RunConfig& c)
{
    m_loading = true;
    m_base = c;
    m_name->setText(QString::fromStdString(c.name));
    setEnum(m_task, c.task);
    m_seed->setValue(static_cast<int>(std::min<std::uint64_t>(c.seed, 2'000'000'000)));
    setEnum(m_dataKind, c.data.kind);
    setEnum(m_distribution, c.data.distribution);
    m_dataPath->setText(QString::fromStdString(c.data.path));
    m_teacher->setText(QString::fromStdString(c.distill.teacher));
    setEnum(m_method, c.distill.method);
    m_studentSteps->setValue(c.distill.student_steps);
    m_teacherSteps->setValue(c.distill.ddil.teacher_steps);
    m_guidance->setValue(c.distill.guidance.scale);
    setEnum(m_optimizer, c.train.optimizer);
    m_lr->setValue(c.train.lr);
    m_batch->setValue(c.train.batch_size);
    m_steps->setValue(c.train.steps);
    m_warmup->setValue(c.train.warmup_steps);
    m_ema->setValue(c.train.ema_decay);
    m_evalEvery->setValue(c.eval.every);
    m_evalCount->setValue(c.eval.count);
    m_extractor->setText(QString::fromStdString(c.eval.feature_extractor));
    m_shift->setChecked(c.eval.shift_diagnostics);
    m_intervention->setChecked(c.eval.teacher_intervention);
    m_loading = false;
    m_issues = validateConfig(config());
    showIssues();
    updateVisibility();
}

RunConfig SessionForm::config() const
{
    RunConfig c = m_base;
    c.name = m_name->text().toStdString();
    c.task = enumOf<Task>(m_task);
    c.seed = static_cast<std::uint64_t>(m_seed->value());
    c.data.kind = enumOf<DataKind>(m_dataKind);
    c.data.distribution = enumOf<ToyDistribution>(m_distribution);
    c.data.path = m_dataPath->text().toStdString();
    c.distill.teacher = m_teacher->text().toStdString();
    c.distill.method = enumOf<DistillMethod>(m_method);
    c.distill.student_steps = m_studentSteps->value();
    c.distill.ddil.teacher_steps = m_teacherSteps->value();
    c.distill.guidance.scale = m_guidance->value();
    c.train.optimizer = enumOf<OptimizerKind>(m_optimizer);
    c.train.lr = m_lr->value();
    c.train.batch_size = m_batch->value();
    c.train.steps = m_steps->value();
    c.train.warmup_steps = m_warmup->value();
    c.train.ema_decay = m_ema->value();
    c.eval.every = m_evalEvery->value();
    c.eval.count = m_evalCount->value();
    c.eval.feature_extractor = m_extractor->text().toStdString();
    c.eval.shift_diagnostics = m_shift->isChecked();
    c.eval.teacher_intervention = m_intervention->isChecked();
    return c;
}

bool SessionForm::hasErrors() const
{
    for (const auto& issue : m_issues)
        if (issue.severity == ConfigIssue::Severity::Error)
            return true;
    return false;
}

QString SessionForm::fieldError(const QString& path) const
{
    for (const auto& issue : m_issues)
        if (issue.severity == ConfigIssue::Severity::Error
            && QString::fromStdString(issue.path) == path)
            return QString::fromStdString(issue.message);
    return {};
}

void SessionForm::edited()
{
    if (m_loading)
        return;
    const RunConfig c = config();
    m_issues = validateConfig(c);
    showIssues();
    updateVisibility();
    Q_EMIT configEdited(c, !hasErrors());
}

void SessionForm::showIssues()
{
    QStringList lines;
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it) {
        QWidget* field = it.value();
        const QString error = fieldError(it.key());
        field->setStyleSheet(error.isEmpty()
                ? QString()
                : QStringLiteral("%1 { border: 2px solid #b00020; }")
                      .arg(QString::fromLatin1(field->metaObject()->className())));
        field->setToolTip(error.isEmpty() ? m_tips.value(it.key())
                                          : QStringLiteral("%1: %2").arg(it.key(), error));
    }
    for (const auto& issue : m_issues)
        if (issue.severity == ConfigIssue::Severity::Error)
            lines << QString::fromStdString(issue.toString());
    m_problems->setText(lines.join(QLatin1Char('\n')));
    m_problems->setVisible(!lines.isEmpty());
}

void SessionForm::updateVisibility()
{
    // Only what the chosen task and data use: a teacher's session has no distillation settings,
    // Fashion-MNIST no toy distribution, 2-D data no image folder and no feature extractor.
    const bool distill = enumOf<Task>(m_task) == Task::Distill;
    const bool toy = enumOf<DataKind>(m_dataKind) == DataKind::Toy2d;
    m_distillGroup->setVisible(distill);
    auto show = [this](const char* path, bool visible) {
        const auto row = m_rows.value(QLatin1String(path));
        row.first->setRowVisible(row.second, visible);
    };
    show("data.distribution", toy);
    show("data.path", !toy);
    show("eval.feature_extractor", !toy);
    show("eval.shift_diagnostics", distill);
    show("eval.teacher_intervention", distill);
}

} // namespace ddil
