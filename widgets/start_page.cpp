#include "widgets/start_page.h"

#include "widgets/run_controls.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QVBoxLayout>

namespace ddil {

namespace {
constexpr int kColumns = 2; // cards per row: the centre is narrow beside the docks

QLabel* wrapped(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    return label;
}

// The next cell of a grid of cards, kColumns to a row.
void addCard(QGridLayout* grid, QWidget* card)
{
    const int n = grid->count();
    grid->addWidget(card, n / kColumns, n % kColumns);
}

StartCard* makeCard(const QString& title, const QString& description, QWidget* parent)
{
    return new StartCard(title, description, parent);
}

QJsonObject readJson(const QString& path, QString* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("%1 cannot be read").arg(path);
        return {};
    }
    QJsonParseError parse;
    const auto doc = QJsonDocument::fromJson(f.readAll(), &parse);
    if (!doc.isObject()) {
        *error = QObject::tr("%1 is not a JSON object (%2)").arg(path, parse.errorString());
        return {};
    }
    return doc.object();
}

// A run folder's status and the last evaluation's headline metric, "finished · fid 2.41".
QString runSummary(const QString& dir)
{
    QString error;
    const QString status = readJson(dir + QStringLiteral("/state.json"), &error)
                               .value(QStringLiteral("status"))
                               .toString(QObject::tr("no state"));
    QString metric;
    QFile f(dir + QStringLiteral("/metrics.jsonl"));
    if (f.open(QIODevice::ReadOnly)) {
        while (!f.atEnd()) {
            const QJsonObject line = QJsonDocument::fromJson(f.readLine()).object();
            for (const char* key : { "eval/fid", "eval/sliced_wasserstein" })
                if (line.contains(QLatin1String(key)))
                    metric = QStringLiteral("%1 %2")
                                 .arg(QString(QLatin1String(key)).mid(5))
                                 .arg(line.value(QLatin1String(key)).toDouble(), 0, 'g', 4);
        }
    }
    return metric.isEmpty() ? status : status + QStringLiteral(" · ") + metric;
}

QLabel* heading(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.25);
    label->setFont(font);
    return label;
}
} // namespace

QStringList presetConfigs(const QString& presetDir)
{
    QStringList files;
    QDirIterator it(
        presetDir, { QStringLiteral("*.json") }, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        // The start page's index and measured times sit beside the presets; they are no configs.
        const QString name = QFileInfo(path).fileName();
        if (name != QLatin1String("presets.json") && name != QLatin1String("preset-times.json"))
            files << QDir(presetDir).relativeFilePath(path);
    }
    files.sort();
    return files;
}

StartCard::StartCard(const QString& title, const QString& description, QWidget* parent)
    : QFrame(parent)
    , m_title(title)
    , m_description(description)
{
    setFrameShape(QFrame::StyledPanel);
    setFocusPolicy(Qt::StrongFocus);
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setMinimumWidth(180);
    setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    auto* heading = new QLabel(title, this);
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    auto* text = new QLabel(description, this);
    text->setWordWrap(true);
    for (QLabel* label : { heading, text }) {
        label->setAttribute(Qt::WA_TransparentForMouseEvents);
        layout->addWidget(label);
    }
    layout->addStretch(1);
}

void StartCard::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint()))
        Q_EMIT clicked();
}

void StartCard::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter
        || event->key() == Qt::Key_Space)
        Q_EMIT clicked();
    else
        QFrame::keyPressEvent(event);
}

void StartCard::enterEvent(QEnterEvent* event)
{
    setBackgroundRole(QPalette::Midlight);
    QFrame::enterEvent(event);
}

void StartCard::leaveEvent(QEvent* event)
{
    setBackgroundRole(QPalette::Window);
    QFrame::leaveEvent(event);
}

StartPage::StartPage(QWidget* parent)
    : QScrollArea(parent)
{
    setObjectName(QStringLiteral("startPage"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
}

void StartPage::load(const QString& presetDir, const QStringList& recentRuns)
{
    m_presetCards.clear();
    m_runCards.clear();
    auto* page = new QWidget(this);
    m_layout = new QVBoxLayout(page);
    m_layout->setContentsMargins(24, 18, 24, 18);
    auto* title = heading(tr("Start a session"), page);
    m_layout->addWidget(title);
    m_layout->addWidget(wrapped(tr("A preset loads its session; press Start (F5) when you are "
                                   "ready. Every field can be changed first."),
        page));
    auto* buttons = new QHBoxLayout;
    auto* openConfig = new QPushButton(tr("Open Config…"), page);
    connect(openConfig, &QPushButton::clicked, this, &StartPage::openConfigRequested);
    auto* openRun = new QPushButton(tr("Open Run Folder…"), page);
    connect(openRun, &QPushButton::clicked, this, &StartPage::openRunFolderRequested);
    buttons->addWidget(openConfig);
    buttons->addWidget(openRun);
    buttons->addStretch(1);
    m_layout->addLayout(buttons);

    // The recent runs come first when there are any (a researcher's way back to work), after
    // the presets when there are none.
    auto* recent = new QWidget(page);
    auto* recentLayout = new QVBoxLayout(recent);
    recentLayout->setContentsMargins(0, 0, 0, 0);
    recentLayout->addSpacing(10);
    recentLayout->addWidget(heading(tr("Recent runs"), recent));
    auto* runs = new QGridLayout;
    for (const QString& dir : recentRuns) {
        if (!QFileInfo::exists(dir + QStringLiteral("/config.json")))
            continue;
        auto* card = makeCard(QFileInfo(dir).fileName(),
            runSummary(dir) + QLatin1Char('\n') + QDir::toNativeSeparators(dir), recent);
        card->setObjectName(QStringLiteral("run:") + dir);
        connect(card, &StartCard::clicked, this, [this, dir] { Q_EMIT runChosen(dir); });
        addCard(runs, card);
        m_runCards.append(card);
    }
    if (m_runCards.isEmpty())
        recentLayout->addWidget(
            wrapped(tr("None yet: the run folders you open or train appear here."), recent));
    recentLayout->addLayout(runs);
    if (!m_runCards.isEmpty())
        m_layout->addWidget(recent);

    QString error;
    const QJsonObject index = readJson(presetDir + QStringLiteral("/presets.json"), &error);
    QString timesError;
    const QJsonObject times
        = readJson(presetDir + QStringLiteral("/preset-times.json"), &timesError)
              .value(QStringLiteral("measured"))
              .toObject();
    QJsonArray groups = index.value(QStringLiteral("groups")).toArray();
    if (groups.isEmpty()) {
        // No index: every config of the folder, in one group.
        m_layout->addWidget(
            wrapped(tr("No preset index (%1): every config in %2 is listed.")
                        .arg(error.isEmpty() ? tr("presets.json has no groups") : error, presetDir),
                page));
        QJsonArray all;
        for (const QString& file : presetConfigs(presetDir))
            all.append(QJsonObject { { QStringLiteral("config"), file } });
        groups.append(QJsonObject {
            { QStringLiteral("title"), tr("Configs") }, { QStringLiteral("presets"), all } });
    }
    for (const auto& groupValue : groups) {
        const QJsonObject group = groupValue.toObject();
        m_layout->addSpacing(10);
        m_layout->addWidget(heading(group.value(QStringLiteral("title")).toString(), page));
        auto* grid = new QGridLayout;
        for (const auto& presetValue : group.value(QStringLiteral("presets")).toArray()) {
            const QJsonObject preset = presetValue.toObject();
            const QString config = preset.value(QStringLiteral("config")).toString();
            const QString path = QDir(presetDir).filePath(config);
            QString description = preset.value(QStringLiteral("what")).toString();
            const QJsonObject measured = times.value(config).toObject();
            if (measured.contains(QStringLiteral("seconds")))
                description += QLatin1Char('\n')
                    + tr("Took %1 (%2, %3)")
                          .arg(formatDuration(measured.value(QStringLiteral("seconds")).toDouble()),
                              measured.value(QStringLiteral("machine")).toString(),
                              measured.value(QStringLiteral("date")).toString());
            else
                description += QLatin1Char('\n') + tr("Time not measured yet");
            auto* card = makeCard(QFileInfo(config).completeBaseName(), description, page);
            card->setObjectName(QStringLiteral("preset:") + config);
            card->setToolTip(path);
            card->setEnabled(QFileInfo::exists(path));
            connect(card, &StartCard::clicked, this, [this, path] { Q_EMIT presetChosen(path); });
            addCard(grid, card);
            m_presetCards.append(card);
        }
        m_layout->addLayout(grid);
    }

    if (m_runCards.isEmpty())
        m_layout->addWidget(recent);

    m_layout->addStretch(1);
    setWidget(page);
}

} // namespace ddil
