#pragma once
// The mixture simplex as a triangle: corners data (bottom left), teacher (bottom right) and
// student (top). One click or drag sets all three priors (barycentric coordinates); a ring
// shows the shares realised in the latest batch.

#include <QWidget>

#include <array>
#include <optional>

namespace ddil {

class TrianglePicker : public QWidget {
    Q_OBJECT
public:
    explicit TrianglePicker(QWidget* parent = nullptr);

    std::array<double, 3> value() const { return m_value; }
    void setValue(const std::array<double, 3>& beta); // no signal
    void setRealised(const std::array<double, 3>& shares);
    void clearRealised();

    // Geometry, for tests and painting: the corner positions and the barycentric coordinates
    // (clamped onto the triangle, summing to 1) of a widget position.
    std::array<QPointF, 3> corners() const;
    std::array<double, 3> coordinatesAt(const QPointF& position) const;
    QPointF positionOf(const std::array<double, 3>& beta) const;

    QSize sizeHint() const override { return { 190, 150 }; }
    QSize minimumSizeHint() const override { return { 150, 130 }; }

Q_SIGNALS:
    void picked(const std::array<double, 3>& beta);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    std::array<double, 3> m_value { 1.0, 0.0, 0.0 };
    std::optional<std::array<double, 3>> m_realised;
};

} // namespace ddil
