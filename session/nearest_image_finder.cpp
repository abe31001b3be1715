#include "session/nearest_image_finder.h"

#include "core/api/enums.h"
#include "core/api/nearest_images.h"
#include "session/session_worker.h"

#include <cmath>
#include <exception>
#include <memory>

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
    explicit Worker(const NewestRequestThread& requests)
        : m_requests(requests)
    {
    }

    void find(const DataConfig& data, const QVector<QImage>& samples, const QVector<int>& labels,
        int k, int request)
    {
        if (!m_requests.isNewest(request))
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
            view.request = request;
            view.trainingSize = m_index->size();
            view.description = QString::fromStdString(m_index->describe());
            for (std::int64_t c = 0; c < m_index->numClasses(); ++c)
                view.heldOutMedian.append(m_index->heldOutMedian(c));
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
            if (m_requests.isNewest(request))
                Q_EMIT found(view);
        } catch (const std::exception& e) {
            if (m_requests.isNewest(request))
                Q_EMIT failed(request, QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void found(const ddil::NearestSearchView& result);
    void failed(int request, const QString& message);

private:
    const NewestRequestThread& m_requests;
    std::unique_ptr<TrainingImageIndex> m_index;
    QString m_key;
};

NearestImageFinder::NearestImageFinder(QObject* parent)
    : QObject(parent)
    , m_requests(QStringLiteral("nearest images"))
{
    qRegisterMetaType<NearestSearchView>();
    m_worker = new Worker(m_requests);
    connect(m_worker, &Worker::found, this, &NearestImageFinder::found);
    connect(m_worker, &Worker::failed, this, &NearestImageFinder::failed);
    m_requests.start(m_worker);
}

NearestImageFinder::~NearestImageFinder() = default;

int NearestImageFinder::request(
    const DataConfig& data, const QVector<QImage>& samples, const QVector<int>& labels, int k)
{
    return m_requests.post([worker = m_worker, data, samples, labels, k](
                               int request) { worker->find(data, samples, labels, k, request); });
}

void NearestImageFinder::forget()
{
    m_requests.forget();
}

} // namespace ddil

#include "nearest_image_finder.moc"
