#pragma once
// The drawing pieces of the sample panel: tiled image grids, an image view that scales with
// crisp pixels, and a point-cloud view for 2-D data (several coloured layers, shared range).

#include <QImage>
#include <QWidget>

namespace ddil {

// Tiles `images` (all one size) in rows of `columns`, with a one-pixel gap, scaled by `scale`.
QImage composeGrid(const QVector<QImage>& images, int columns, int scale = 1);
// The tile of such a grid (scale 1) under an image pixel, -1 on a gap or outside.
int gridTileAt(const QPoint& pixel, const QSize& tile, int columns, int count);
// One image wiped into another: `left`'s columns before `percent` of the width, `right`'s after
// (both one size); 0: all `right`... 100: all `left`.
QImage wipe(const QImage& left, const QImage& right, int percent);

// An image scaled to fit (nearest neighbour), with a title; emits activated on double-click.
class ImageView : public QWidget {
    Q_OBJECT
public:
    explicit ImageView(QWidget* parent = nullptr);
    void setImage(const QImage& image, const QString& title);
    const QImage& image() const { return m_image; }
    QString title() const { return m_title; }
    // Where the image is drawn: as large as the view allows at its aspect ratio (so it grows
    // with its dock), centred under the title; empty without an image.
    QRect imageRect() const;
    QSize sizeHint() const override { return { 260, 280 }; }

    // The image pixel under a widget position, or (-1, -1) outside the image.
    QPoint imagePixelAt(const QPoint& position) const;

Q_SIGNALS:
    void activated();
    void clickedAt(const QPoint& imagePixel); // a click on the image, in the image's pixels

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    QImage m_image;
    QString m_title;
};

struct PointLayer {
    QString name;
    QColor colour;
    QVector<QPointF> points;
};

class PointCloudView : public QWidget {
    Q_OBJECT
public:
    explicit PointCloudView(QWidget* parent = nullptr);
    void setLayers(const QVector<PointLayer>& layers, const QString& title);
    // The data range shown (square, centred); fitted to the first layers set unless fixed.
    void setRange(const QRectF& range)
    {
        m_range = range;
        update();
    }
    QRectF range() const { return m_range; }
    const QVector<PointLayer>& layers() const { return m_layers; }
    void setLegendVisible(bool visible)
    {
        m_legend = visible;
        update();
    }
    // Renders the view to an image of `size` (export).
    QImage render(const QSize& size);
    QSize sizeHint() const override { return { 260, 280 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void paint(QPainter& painter, const QRect& area);

    QVector<PointLayer> m_layers;
    QString m_title;
    QRectF m_range;
    bool m_legend = true;
};

} // namespace ddil
