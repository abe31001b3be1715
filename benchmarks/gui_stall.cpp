// GUI responsiveness while a session trains at full load: a 2 ms QTimer on the GUI thread records
// how late each tick fires; the lateness is the event loop's stall (the time the GUI thread was
// busy: report handling, chart redraws, sample grids). Prints percentiles as JSON.
//
//   ddil_bench_gui_stall [--seconds S] [--visible] CONFIG
//   ddil_bench_gui_stall --open-only [--repeat R] CONFIG
//
// --open-only measures the other stall a user meets: how long File → Open Config (and a preset)
// holds the GUI thread, R times (default 5), and prints each duration.
//
// The window is shown (offscreen unless QT_QPA_PLATFORM says otherwise, e.g. xcb under Xvfb)
// with the chart tab and sample panel a user sees; training uses every core.
#include "session/training_session.h"
#include "widgets/chart_panel.h"
#include "widgets/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ddil-bench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption seconds(QStringLiteral("seconds"),
        QStringLiteral("Measure for this long once training runs (default 60)"),
        QStringLiteral("S"), QStringLiteral("60"));
    parser.addOption(seconds);
    const QCommandLineOption openOnly(QStringLiteral("open-only"),
        QStringLiteral("Measure only how long opening the config holds the GUI thread"));
    parser.addOption(openOnly);
    const QCommandLineOption repeat(QStringLiteral("repeat"),
        QStringLiteral("Openings measured with --open-only (default 5)"), QStringLiteral("R"),
        QStringLiteral("5"));
    parser.addOption(repeat);
    parser.addPositionalArgument(QStringLiteral("config"), QStringLiteral("The session's config"));
    parser.process(app);
    if (parser.positionalArguments().isEmpty())
        parser.showHelp(2);

    QTemporaryDir runs;
    QSettings().setValue(QStringLiteral("runs/root"), runs.path());
    ddil::TrainingSession session;
    ddil::MainWindow window(session);
    window.resize(1400, 900);
    window.show();
    if (parser.isSet(openOnly)) {
        QJsonArray durations;
        for (int i = 0; i < std::max(1, parser.value(repeat).toInt()); ++i) {
            QElapsedTimer opening;
            opening.start();
            if (!window.openConfig(parser.positionalArguments().constFirst()))
                return 1;
            durations.append(opening.nsecsElapsed() / 1e6);
            QCoreApplication::processEvents();
        }
        const QJsonObject out { { "config", parser.positionalArguments().constFirst() },
            { "open_ms", durations } };
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    if (!window.openConfig(parser.positionalArguments().constFirst()) || !window.startSession())
        return 1;

    const double measureMs = parser.value(seconds).toDouble() * 1000.0;
    constexpr int kTickMs = 2;
    std::vector<double> stalls;
    qint64 reports = 0, lastStep = 0;
    QObject::connect(window.session(), &ddil::Session::scalarsReported, &app,
        [&](const ddil::ScalarBatch& batch) {
            ++reports;
            lastStep = batch.step;
        });
    QEventLoop loop; // not app.exec(): QApplication::quit() would close the window first
    QElapsedTimer clock, sinceStart;
    bool measuring = false;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(kTickMs);
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        if (!measuring) {
            // Measure from the first step on (the session's set-up is not steady state).
            if (lastStep < 1)
                return;
            measuring = true;
            reports = 0;
            clock.start();
            sinceStart.start();
            return;
        }
        const double gap = clock.nsecsElapsed() / 1e6;
        clock.start();
        stalls.push_back(std::max(0.0, gap - kTickMs));
        if (sinceStart.elapsed() >= measureMs)
            loop.quit();
    });
    tick.start();
    QObject::connect(window.session(), &ddil::Session::stateChanged, &app, [&] {
        if (!window.session()->isActive())
            loop.quit();
    });
    loop.exec();
    const double measured = sinceStart.elapsed() / 1000.0;
    tick.stop();
    const qint64 stepsAtEnd = lastStep;
    const bool finishedEarly = !window.session()->isActive();

    std::sort(stalls.begin(), stalls.end());
    auto pct = [&](double p) {
        return stalls.empty() ? 0.0
                              : stalls[std::min(stalls.size() - 1, std::size_t(p * stalls.size()))];
    };
    QJsonObject out {
        { "config", parser.positionalArguments().constFirst() },
        { "platform", QGuiApplication::platformName() },
        { "seconds", measured },
        { "session_ended_early", finishedEarly },
        { "ticks", static_cast<qint64>(stalls.size()) },
        { "reports", reports },
        { "steps_done", stepsAtEnd },
        { "stall_ms_p50", pct(0.50) },
        { "stall_ms_p90", pct(0.90) },
        { "stall_ms_p99", pct(0.99) },
        { "stall_ms_max", stalls.empty() ? 0.0 : stalls.back() },
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    // Stop (the worker writes its checkpoint) before the temporary run folder goes.
    window.session()->stop();
    QElapsedTimer wait;
    wait.start();
    while (window.session()->isActive() && wait.elapsed() < 120'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return 0;
}
