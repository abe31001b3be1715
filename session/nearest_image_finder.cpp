#include "session/nearest_image_finder.h"

#include "core/api/enums.h"
#include "core/api/nearest_images.h"
#include "session/session_worker.h"

#include <cmath>
#include <exception>
#include <limits>

namespace ddil {

namespace {
// What makes two data configs load the same images.
QString dataKey(const DataConfig& d)
{
    return QStringLiteral("%1|%2|%3|%4|%5|%6")
        .arg(QString::fromStdString(toString(d.kind)), QString::fromStdString(d.path),
            QString::fromStdString(d.labels_path), QString::fromStdString(toString(d.split)))
        .arg(d.image_size)
        .arg(d.channels);
}
} // namespace

QVector<float> imageToSample(const QImage& image, int channels)
{
    const QImage source
        = image.convertToFormat(channels == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8);
    const int w = source.width(), h = source.height(), plane = w * h;
    QVector<float> values(channels * plane);
    for (int y = 0; y < h; ++y) {
        const uchar* line = source.constScanLine(y);
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c)
                values[c * plane + y * w + x] = line[x * channels + c] / 127.5f - 1.0f;
    }
    return values;
}

// Lives on the finder's thread; keeps one TrainingImageIndex (the split loaded once).
class NearestImageFinder::Worker : public QObject {
    Q_OBJECT
public:
    explicit Worker(std::shared_ptr<std::atomic<int>> generation)
        : m_generation(std::move(generation))
    {
    }

    void find(const DataConfig& data, const QVector<QImage>& samples, const QVector<int>& labels,
        int k, int generation)
    {
        if (generation != m_generation->load())
            return; // a newer request is queued behind this one
        try {
            const QString key = dataKey(data);
            if (!m_index || key != m_key) {
                m_index.reset();
                m_index = std::make_unique<TrainingImageIndex>(data);
                m_key = key;
            }
            const auto shape = m_index->itemShape();
            NearestQuery query;
            query.shape = { samples.size(), shape[0], shape[1], shape[2] };
            for (const QImage& image : samples) {
                const auto values = imageToSample(image, int(shape[0]));
                query.values.insert(query.values.end(), values.begin(), values.end());
            }
            for (int label : labels)
                query.labels.push_back(label);
            query.k = k;
            NearestSearchView view;
            view.request = generation;
            view.trainingSize = m_index->size();
            view.description = QString::fromStdString(m_index->describe());
            for (std::int64_t c = 0; c < m_index->numClasses(); ++c) {
                const auto& held = m_index->heldOutDistances(c);
                view.heldOutMedian.append(held.empty()
                        ? std::numeric_limits<double>::quiet_NaN()
                        : (held[(held.size() - 1) / 2] + held[held.size() / 2]) / 2.0);
            }
            for (const auto& row : m_index->nearest(query)) {
                QVector<NearestMatchView> out;
                for (const auto& match : row) {
                    NearestMatchView m;
                    m.image = sampleToImage(
                        match.pixels.data(), int(shape[0]), int(shape[1]), int(shape[2]));
                    m.index = match.index;
                    m.label = int(match.label);
                    m.distance = match.distance;
                    m.heldOutBelow = m_index->heldOutFractionBelow(match.label, match.distance);
                    out.append(m);
                }
                view.matches.append(out);
            }
            if (generation == m_generation->load())
                Q_EMIT found(view);
        } catch (const std::exception& e) {
            if (generation == m_generation->load())
                Q_EMIT failed(generation, QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void found(const ddil::NearestSearchView& result);
    void failed(int request, const QString& message);

private:
    std::shared_ptr<std::atomic<int>> m_generation;
    std::unique_ptr<TrainingImageIndex> m_index;
    QString m_key;
};

NearestImageFinder::NearestImageFinder(QObject* parent)
    : QObject(parent)
    , m_generation(std::make_shared<std::atomic<int>>(0))
{
    qRegisterMetaType<NearestSearchView>();
    m_worker = new Worker(m_generation);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &Worker::found, this, &NearestImageFinder::found);
    connect(m_worker, &Worker::failed, this, &NearestImageFinder::failed);
    m_thread.setObjectName(QStringLiteral("nearest images"));
    m_thread.start(QThread::LowPriority);
}

NearestImageFinder::~NearestImageFinder()
{
    forget();
    m_thread.quit();
    m_thread.wait();
}

int NearestImageFinder::request(
    const DataConfig& data, const QVector<QImage>& samples, const QVector<int>& labels, int k)
{
    const int generation = ++*m_generation;
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, data, samples, labels, k, generation] {
            worker->find(data, samples, labels, k, generation);
        },
        Qt::QueuedConnection);
    return generation;
}

void NearestImageFinder::forget()
{
    ++*m_generation;
}

} // namespace ddil

#include "nearest_image_finder.moc"
