#include "widgets/triangle_picker.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace ddil {

TrianglePicker::TrianglePicker(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("trianglePicker"));
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Click or drag to set all three priors at once: the closer to a corner, the "
                  "larger that source's share. The ring shows the shares realised in the "
                  "latest batch."));
}

std::array<QPointF, 3> TrianglePicker::corners() const
{
    const double margin = 18.0;
    const double w = width() - 2 * margin, h = height() - 2 * margin;
    const double side = std::min(w, h * 2.0 / std::sqrt(3.0));
    const double height = side * std::sqrt(3.0) / 2.0;
    const QPointF centre(width() / 2.0, this->height() / 2.0 + 4);
    return { QPointF(centre.x() - side / 2, centre.y() + height / 2),
        QPointF(centre.x() + side / 2, centre.y() + height / 2),
        QPointF(centre.x(), centre.y() - height / 2) };
}

QPointF TrianglePicker::positionOf(const std::array<double, 3>& beta) const
{
    const auto c = corners();
    return c[0] * beta[0] + c[1] * beta[1] + c[2] * beta[2];
}

std::array<double, 3> TrianglePicker::coordinatesAt(const QPointF& p) const
{
    const auto c = corners();
    const QPointF v0 = c[1] - c[0], v1 = c[2] - c[0], v2 = p - c[0];
    const double d00 = QPointF::dotProduct(v0, v0), d01 = QPointF::dotProduct(v0, v1),
                 d11 = QPointF::dotProduct(v1, v1), d20 = QPointF::dotProduct(v2, v0),
                 d21 = QPointF::dotProduct(v2, v1);
    const double denom = d00 * d11 - d01 * d01;
    double teacher = (d11 * d20 - d01 * d21) / denom;
    double student = (d00 * d21 - d01 * d20) / denom;
    double data = 1.0 - teacher - student;
    // Outside the triangle: clamp negatives to 0 and renormalise.
    data = std::max(0.0, data);
    teacher = std::max(0.0, teacher);
    student = std::max(0.0, student);
    const double sum = data + teacher + student;
    // Snap to hundredths so a click gives readable priors.
    std::array<double, 3> beta { data / sum, teacher / sum, student / sum };
    for (double& b : beta)
        b = std::round(b * 100.0) / 100.0;
    beta[0] = std::max(0.0, 1.0 - beta[1] - beta[2]);
    if (beta[0] + beta[1] + beta[2] > 1.0) // rounding pushed the sum over 1
        beta[1] = 1.0 - beta[0] - beta[2];
    return beta;
}

void TrianglePicker::setValue(const std::array<double, 3>& beta)
{
    m_value = beta;
    update();
}

void TrianglePicker::setRealised(const std::array<double, 3>& shares)
{
    m_realised = shares;
    update();
}

void TrianglePicker::clearRealised()
{
    m_realised.reset();
    update();
}

void TrianglePicker::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const auto c = corners();
    QPainterPath triangle;
    triangle.moveTo(c[0]);
    triangle.lineTo(c[1]);
    triangle.lineTo(c[2]);
    triangle.closeSubpath();
    QLinearGradient fill(c[2], (c[0] + c[1]) / 2);
    fill.setColorAt(0, palette().base().color().darker(104));
    fill.setColorAt(1, palette().base().color());
    p.fillPath(triangle, fill);
    p.setPen(QPen(palette().mid().color(), 1));
    for (int i = 1; i < 4; ++i) { // grid lines at 25 % steps
        const double f = i / 4.0;
        for (int k = 0; k < 3; ++k) {
            const QPointF a = c[k] + (c[(k + 1) % 3] - c[k]) * f;
            const QPointF b = c[k] + (c[(k + 2) % 3] - c[k]) * f;
            p.drawLine(a, b);
        }
    }
    p.setPen(QPen(palette().text().color(), 1.5));
    p.drawPath(triangle);
    p.setPen(palette().text().color());
    const QFontMetrics fm(font());
    p.drawText(QRectF(c[0].x() - 30, c[0].y() + 3, 60, fm.height()), Qt::AlignCenter, tr("data"));
    p.drawText(
        QRectF(c[1].x() - 30, c[1].y() + 3, 60, fm.height()), Qt::AlignCenter, tr("teacher"));
    p.drawText(QRectF(c[2].x() - 40, c[2].y() - fm.height() - 3, 80, fm.height()), Qt::AlignCenter,
        tr("student"));
    if (m_realised) {
        p.setPen(QPen(QColor(213, 94, 0), 2));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(positionOf(*m_realised), 7, 7);
    }
    p.setPen(QPen(Qt::white, 1.5));
    p.setBrush(QColor(0, 114, 178));
    p.drawEllipse(positionOf(m_value), 5.5, 5.5);
}

void TrianglePicker::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !isEnabled())
        return;
    m_value = coordinatesAt(event->position());
    update();
    Q_EMIT picked(m_value);
}

void TrianglePicker::mouseMoveEvent(QMouseEvent* event)
{
    if (!(event->buttons() & Qt::LeftButton) || !isEnabled())
        return;
    m_value = coordinatesAt(event->position());
    update();
    Q_EMIT picked(m_value);
}

} // namespace ddil
