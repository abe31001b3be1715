#include "session/run_snapshot_loader.h"

#include "core/api/config_io.h"
#include "session/session_worker.h"

#include <QDir>

#include <exception>
#include <memory>

namespace ddil {

// Lives on the loader's thread; keeps one RunSnapshotter (the teacher loaded once per folder).
class RunSnapshotLoader::Worker : public QObject {
    Q_OBJECT
public:
    explicit Worker(const NewestRequestThread& requests)
        : m_requests(requests)
    {
    }

    // On the loader's thread.
    void load(const QString& runDir, const ddil::SnapshotOptions& options, int request)
    {
        if (!m_requests.isNewest(request))
            return; // a newer request is queued behind this one
        try {
            if (!m_snapshotter || runDir != m_runDir) {
                m_snapshotter.reset();
                m_snapshotter = std::make_unique<RunSnapshotter>(runDir.toStdString());
                m_runDir = runDir;
                const auto config = loadConfigFile(
                    QDir(runDir).filePath(QStringLiteral("config.json")).toStdString());
                m_hash = QString::fromStdString(configHash(config.config));
            }
            const SnapshotView view = toSnapshotView(m_snapshotter->take(options), m_hash);
            if (m_requests.isNewest(request))
                Q_EMIT loaded(runDir, view);
        } catch (const std::exception& e) {
            if (m_requests.isNewest(request))
                Q_EMIT failed(runDir, QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void loaded(const QString& runDir, const ddil::SnapshotView& snapshot);
    void failed(const QString& runDir, const QString& message);

private:
    const NewestRequestThread& m_requests;
    std::unique_ptr<RunSnapshotter> m_snapshotter;
    QString m_runDir;
    QString m_hash;
};

RunSnapshotLoader::RunSnapshotLoader(QObject* parent)
    : QObject(parent)
    , m_requests(QStringLiteral("run snapshots"))
{
    registerSessionMetaTypes();
    m_worker = new Worker(m_requests);
    connect(m_worker, &Worker::loaded, this, &RunSnapshotLoader::loaded);
    connect(m_worker, &Worker::failed, this, &RunSnapshotLoader::failed);
    m_requests.start(m_worker);
}

RunSnapshotLoader::~RunSnapshotLoader() = default;

void RunSnapshotLoader::request(const QString& runDir, const SnapshotOptions& options)
{
    m_requests.post([worker = m_worker, runDir, options](
                        int request) { worker->load(runDir, options, request); });
}

void RunSnapshotLoader::forget()
{
    m_requests.forget();
}

} // namespace ddil

#include "run_snapshot_loader.moc"
