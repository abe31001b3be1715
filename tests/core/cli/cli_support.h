#pragma once
// What the tests of the `ddil` command share: running it, reading a run folder's state, and the
// tiny training run they use (writeFile and readFile are in tests/test_support.h).

#include "tests/test_support.h"

#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace ddil::test {

// What one `ddil` process ended with: its exit code (-1 if it crashed or was killed after
// `timeoutMs`, times DDIL_TEST_TIME_SCALE) and what it printed.
struct Outcome {
    int code = -1;
    QString out;
    QString err;
};

inline Outcome runDdil(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(ddilBinary(), args);
    if (!p.waitForFinished(patienceMs(timeoutMs)))
        p.kill();
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
        QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError()) };
}

// The step state.json reports (the last checkpoint's, while a run is in progress); -1 if none.
inline int stateStep(const QString& runDir)
{
    QFile f(runDir + "/state.json");
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QJsonObject state = QJsonDocument::fromJson(f.readAll()).object();
    return state.contains("step") ? state["step"].toInt() : -1;
}

// A run small enough for a unit test: 40 steps of a tiny MLP.
inline const QByteArray kTinyConfig = R"({
  "schema_version": 1, "name": "tiny", "seed": 3,
  "runtime": {"device": "cpu", "threads": 1},
  "data": {"kind": "toy2d", "distribution": "eight_gaussians"},
  "model": {"hidden": 32, "depth": 1, "time_embedding": 8},
  "train": {"steps": 40, "batch_size": 64, "log_every": 10, "checkpoint_every": 20, "warmup_steps": 2},
  "sample": {"steps": 4},
  "eval": {"every": 20, "count": 100, "projections": 8}
})";

} // namespace ddil::test
