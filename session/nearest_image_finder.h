#pragma once
// The training images nearest to a snapshot's samples (the sample panel's memorisation view),
// found by the core's TrainingImageIndex on a QThread of the finder's own: the training split is
// loaded once per data config, and only the newest request is served.

#include "core/api/config.h"
#include "session/newest_request_thread.h"

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

namespace ddil {

struct NearestMatchView {
    QImage image;
    qint64 index = -1; // in the training split
    int label = -1;
    double distance = 0.0; // Euclidean, pixels in [-1, 1]
    // The share of the class's held-out images nearer their own training neighbour than this
    // sample is to its; -1 without held-out images.
    double heldOutBelow = -1.0;
};

struct NearestSearchView {
    int request = 0; // request()'s number
    QVector<QVector<NearestMatchView>> matches; // per sample asked for, nearest first
    QVector<double> heldOutMedian; // per class; NaN without held-out images
    qint64 trainingSize = 0;
    QString description; // the training data, and why there is no scale if there is none
};

class NearestImageFinder : public QObject {
    Q_OBJECT
public:
    explicit NearestImageFinder(QObject* parent = nullptr);
    ~NearestImageFinder() override;

    // The k nearest training images of `data` to each of `samples` (8-bit grey or RGB images
    // of the training images' size), within its class (`labels`, -1: every class). Returns the
    // request's number; found() or failed() follows on this object's thread.
    int request(
        const DataConfig& data, const QVector<QImage>& samples, const QVector<int>& labels, int k);
    // Drops pending and running requests: their results are not delivered.
    void forget();

Q_SIGNALS:
    void found(const ddil::NearestSearchView& result);
    void failed(int request, const QString& message);

private:
    class Worker;
    NewestRequestThread m_requests;
    Worker* m_worker = nullptr;
};

// Pixels of an 8-bit grey or RGB image as (C, H, W) values in [-1, 1]: sampleToImage inverted.
QVector<float> imageToSample(const QImage& image, int channels);

} // namespace ddil

Q_DECLARE_METATYPE(ddil::NearestSearchView)
