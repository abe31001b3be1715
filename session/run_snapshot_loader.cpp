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
    explicit Worker(std::shared_ptr<std::atomic<int>> generation)
        : m_generation(std::move(generation))
    {
    }

    // On the loader's thread.
    void load(const QString& runDir, const ddil::SnapshotOptions& options, int generation)
    {
        if (generation != m_generation->load())
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
            if (generation == m_generation->load())
                Q_EMIT loaded(runDir, view);
        } catch (const std::exception& e) {
            if (generation == m_generation->load())
                Q_EMIT failed(runDir, QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void loaded(const QString& runDir, const ddil::SnapshotView& snapshot);
    void failed(const QString& runDir, const QString& message);

private:
    std::shared_ptr<std::atomic<int>> m_generation;
    std::unique_ptr<RunSnapshotter> m_snapshotter;
    QString m_runDir;
    QString m_hash;
};

RunSnapshotLoader::RunSnapshotLoader(QObject* parent)
    : QObject(parent)
    , m_generation(std::make_shared<std::atomic<int>>(0))
{
    registerSessionMetaTypes();
    m_worker = new Worker(m_generation);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &Worker::loaded, this, &RunSnapshotLoader::loaded);
    connect(m_worker, &Worker::failed, this, &RunSnapshotLoader::failed);
    m_thread.setObjectName(QStringLiteral("run snapshots"));
    m_thread.start(QThread::LowPriority);
}

RunSnapshotLoader::~RunSnapshotLoader()
{
    forget();
    m_thread.quit();
    m_thread.wait();
}

void RunSnapshotLoader::request(const QString& runDir, const SnapshotOptions& options)
{
    const int generation = ++*m_generation;
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, runDir, options, generation] {
            worker->load(runDir, options, generation);
        },
        Qt::QueuedConnection);
}

void RunSnapshotLoader::forget()
{
    ++*m_generation;
}

} // namespace ddil

#include "run_snapshot_loader.moc"
