#pragma once
// Helpers shared by the tests: where the source tree and the built `ddil` are.

#include <QByteArray>
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

} // namespace ddil::test
