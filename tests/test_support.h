#pragma once
// Helpers shared by the tests: where the source tree and the built `ddil` are.

#include <QByteArray>
#include <QCoreApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QString>

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

} // namespace ddil::test
