#pragma once
// Helpers shared by the tests: where the source tree and the built `ddil` are, writing and
// reading small files, and a run folder's logged losses.

#include <QByteArray>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPair>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
#include <QVector>
#include <QtTest>

namespace ddil::test {

inline QString sourceDir()
{
    return QString::fromLocal8Bit(qgetenv("DDIL_SOURCE_DIR"));
}
inline QString ddilBinary()
{
    return QString::fromLocal8Bit(qgetenv("DDIL_BIN"));
}
inline std::string sourcePath(const char* relative)
{
    return (sourceDir() + "/" + relative).toStdString();
}

// A time limit of a test, `ms` times DDIL_TEST_TIME_SCALE (tests/CMakeLists.txt; the sanitize
// preset's builds run a training step several times slower than a release build).
inline int patienceMs(int ms)
{
    bool ok = false;
    const int scale = qEnvironmentVariableIntValue("DDIL_TEST_TIME_SCALE", &ok);
    return ok && scale > 1 ? ms * scale : ms;
}

// Keeps the user's settings out of a GUI test: a test-mode location, emptied.
inline void isolateSettings()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ddil-tests"));
    QSettings().clear();
}

// Writes `text` to `path`, failing the test when the file cannot be opened.
inline void writeFile(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

// The file's bytes; empty when it cannot be read.
inline QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// (step, train/loss) of every metrics line of a run folder that has a loss, in file order.
inline QVector<QPair<int, double>> loggedLosses(const QString& runDir)
{
    QFile f(runDir + "/metrics.jsonl");
    QVector<QPair<int, double>> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    while (!f.atEnd()) {
        const QJsonObject line = QJsonDocument::fromJson(f.readLine()).object();
        if (line.contains("train/loss"))
            out.append({ line["step"].toInt(), line["train/loss"].toDouble() });
    }
    return out;
}

} // namespace ddil::test
