#include "widgets/sample_views.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ddil {

QImage composeGrid(const QVector<QImage>& images, int columns, int scale)
{
    if (images.isEmpty() || columns <= 0)
        return {};
    const int w = images.front().width(), h = images.front().height();
    const int rows = (static_cast<int>(images.size()) + columns - 1) / columns;
    const int cols = std::min(columns, static_cast<int>(images.size()));
    QImage grid((cols * (w + 1) + 1) * scale, (rows * (h + 1) + 1) * scale, QImage::Format_RGB32);
    grid.fill(QColor(60, 60, 60));
    QPainter p(&grid);
    for (int i = 0; i < images.size(); ++i) {
        const QRect target(((i % columns) * (w + 1) + 1) * scale,
            ((i / columns) * (h + 1) + 1) * scale, w * scale, h * scale);
        p.drawImage(target, images[i]);
    }
    return grid;
}

ImageView::ImageView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(120, 120);
}

void ImageView::setImage(const QImage& image, const QString& title)
{
    m_image = image;
    m_title = title;
    update();
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const int titleHeight = fontMetrics().height() + 4;
    p.setPen(palette().text().color());
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(0, 0, width(), titleHeight), Qt::AlignCenter, m_title);
    if (m_image.isNull())
        return;
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(imageRect(), m_image);
}

QRect ImageView::imageRect() const
{
    if (m_image.isNull())
        return {};
    const int titleHeight = fontMetrics().height() + 4;
    const QRect area(0, titleHeight, width(), height() - titleHeight);
    const QSize size = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
    return QRect(area.x() + (area.width() - size.width()) / 2,
        area.y() + (area.height() - size.height()) / 2, size.width(), size.height());
}

void ImageView::mouseDoubleClickEvent(QMouseEvent*)
{
    Q_EMIT activated();
}

QPoint ImageView::imagePixelAt(const QPoint& position) const
{
    const QRect target = imageRect();
    if (!target.contains(position))
        return { -1, -1 };
    return { (position.x() - target.x()) * m_image.width() / target.width(),
        (position.y() - target.y()) * m_image.height() / target.height() };
}

void ImageView::mousePressEvent(QMouseEvent* event)
{
    const QPoint pixel = imagePixelAt(event->position().toPoint());
    if (pixel.x() >= 0)
        Q_EMIT clickedAt(pixel);
    QWidget::mousePressEvent(event);
}

int gridTileAt(const QPoint& pixel, const QSize& tile, int columns, int count)
{
    // composeGrid: a one-pixel gap before every tile and after the last.
    const int x = pixel.x() - 1, y = pixel.y() - 1;
    if (x < 0 || y < 0 || tile.isEmpty() || x % (tile.width() + 1) >= tile.width()
        || y % (tile.height() + 1) >= tile.height())
        return -1;
    const int column = x / (tile.width() + 1), row = y / (tile.height() + 1);
    const int index = row * columns + column;
    return column < columns && index < count ? index : -1;
}

QImage wipe(const QImage& left, const QImage& right, int percent)
{
    QImage out = right.convertToFormat(QImage::Format_RGB32);
    const QImage l = left.convertToFormat(QImage::Format_RGB32);
    const int split = std::clamp(percent, 0, 100) * out.width() / 100;
    for (int y = 0; y < out.height() && y < l.height(); ++y)
        for (int x = 0; x < split && x < l.width(); ++x)
            out.setPixel(x, y, l.pixel(x, y));
    return out;
}

PointCloudView::PointCloudView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(120, 120);
}

void PointCloudView::setLayers(const QVector<PointLayer>& layers, const QString& title)
{
    m_layers = layers;
    m_title = title;
    if (m_range.isNull()) {
        double extent = 0.0;
        for (const auto& layer : layers)
            for (const QPointF& point : layer.points)
                if (std::isfinite(point.x()) && std::isfinite(point.y()))
                    extent = std::max({ extent, std::abs(point.x()), std::abs(point.y()) });
        if (extent > 0.0) {
            extent *= 1.08;
            m_range = QRectF(-extent, -extent, 2 * extent, 2 * extent);
        }
    }
    update();
}

QImage PointCloudView::render(const QSize& size)
{
    QImage image(size, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    paint(p, image.rect());
    return image;
}

void PointCloudView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    paint(p, rect());
}

void PointCloudView::paint(QPainter& p, const QRect& area)
{
    p.setRenderHint(QPainter::Antialiasing);
    const int titleHeight = p.fontMetrics().height() + 4;
    QFont bold = p.font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(Qt::black);
    p.drawText(QRect(area.x(), area.y(), area.width(), titleHeight), Qt::AlignCenter, m_title);
    p.setFont(font());
    const int side = std::min(area.width(), area.height() - titleHeight) - 4;
    if (side <= 10 || m_range.isNull())
        return;
    const QRectF box(area.x() + (area.width() - side) / 2.0, area.y() + titleHeight, side, side);
    p.fillRect(box, QColor(250, 250, 250));
    p.setPen(QColor(200, 200, 200));
    p.drawRect(box);
    auto map = [&](const QPointF& q) {
        return QPointF(box.left() + (q.x() - m_range.left()) / m_range.width() * box.width(),
            box.bottom() - (q.y() - m_range.top()) / m_range.height() * box.height());
    };
    // One drawPoints call per layer with a square 3-pixel pen and no antialiasing: thousands of
    // points per snapshot cost a few milliseconds (antialiased ellipses took 30-55 ms).
    p.setRenderHint(QPainter::Antialiasing, false);
    for (const auto& layer : m_layers) {
        QColor c = layer.colour;
        c.setAlpha(150);
        p.setPen(QPen(c, 3.0, Qt::SolidLine, Qt::SquareCap));
        QVector<QPointF> mapped;
        mapped.reserve(layer.points.size());
        for (const QPointF& q : layer.points)
            if (m_range.contains(q))
                mapped.append(map(q));
        p.drawPoints(mapped.constData(), static_cast<int>(mapped.size()));
    }
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    if (!m_legend)
        return;
    int y = static_cast<int>(box.top()) + 4;
    for (const auto& layer : m_layers) {
        p.setBrush(layer.colour);
        p.drawEllipse(QPointF(box.left() + 10, y + 6), 4, 4);
        p.setPen(Qt::black);
        p.drawText(QPointF(box.left() + 18, y + 10), layer.name);
        p.setPen(Qt::NoPen);
        y += p.fontMetrics().height();
    }
}

} // namespace ddil
