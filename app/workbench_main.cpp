// `ddil-workbench`: the desktop application. Only wiring: the window lives in widgets/.
#include "core/api/versions.h"
#include "session/training_session.h"
#include "widgets/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("DDIL Workbench"));
    QApplication::setApplicationName(QStringLiteral("ddil-workbench"));
    QApplication::setApplicationVersion(QString::fromStdString(ddil::libraryVersions().project));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/ddil-workbench.svg")));

    // The language: View > Language (QSettings "language"), else the system's locale.
    const QString chosen = QSettings().value(QStringLiteral("language")).toString();
    const QLocale locale = chosen.isEmpty() ? QLocale() : QLocale(chosen);
    QLocale::setDefault(locale);
    QTranslator qtTranslator, appTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
            QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    if (appTranslator.load(locale, QStringLiteral("ddil_workbench"), QStringLiteral("_"),
            QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("DDIL Workbench: diffusion distillation with imitation learning"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption start(
        QStringLiteral("start"), QStringLiteral("Start training the opened config at once"));
    parser.addOption(start);
    const QCommandLineOption compare(QStringLiteral("compare"),
        QStringLiteral("Compare the runs in DIR (a sweep or reproduction folder; repeat for more)"),
        QStringLiteral("DIR"));
    parser.addOption(compare);
    parser.addPositionalArgument(QStringLiteral("config"),
        QStringLiteral("A config file or a run folder to open"), QStringLiteral("[config|run]"));
    parser.process(app);

    ddil::TrainingSession session; // the core on its worker thread; outlives the window
    ddil::MainWindow window(session);
    const QString path
        = parser.positionalArguments().isEmpty() ? QString() : parser.positionalArguments().first();
    // A run folder (headless or not) opens with its charts and grids; Start continues it.
    const bool opened = !path.isEmpty()
        && (QFileInfo(path).isDir() ? window.openRunFolder(path) : window.openConfig(path));
    window.show();
    if (opened && parser.isSet(start))
        window.startSession();
    if (parser.isSet(compare)) {
        QString error;
        if (!window.compareRuns(parser.values(compare), &error)) {
            std::fprintf(stderr, "ddil-workbench: --compare: %s\n", qPrintable(error));
            return 2;
        }
    }
    return app.exec();
}
