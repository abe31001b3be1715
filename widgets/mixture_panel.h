#pragma once
// DDIL's mixture as linked controls: beta_data, beta_teacher and beta_student always sum to 1
// (moving one rescales the other two), a triangle picker sets all three in one click, plus
// p_teach, the replay buffers and reflected mode. Edits are sent (mixtureChanged) a moment
// after the user stops moving; the shares realised in training are shown beside the set ones.

#include "core/api/config.h"

#include <QMetaType>
#include <QWidget>

#include <array>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;
class QTimer;

namespace ddil {

class TrianglePicker;

class MixturePanel : public QWidget {
    Q_OBJECT
public:
    explicit MixturePanel(QWidget* parent = nullptr);

    // Shows a config's mixture (no signal); the panel is enabled for distillation configs only.
    void showConfig(const RunConfig& config);
    // The panel's settings as a mixture change (step 0).
    MixtureSnapshot mixture() const;
    std::array<double, 3> beta() const { return m_beta; }
    // Sets the priors as the linked controls do: `index` becomes `value`, the other two share
    // the rest in their current proportion (equally when both are 0).
    void setPrior(int index, double value);
    void setBeta(const std::array<double, 3>& beta); // normalised
    void setRealisedShares(double data, double teacher, double student);
    TrianglePicker* picker() const { return m_picker; }
    // Milliseconds between the last edit and mixtureChanged (0: at once).
    void setSendDelay(int milliseconds);

Q_SIGNALS:
    void mixtureChanged(const ddil::MixtureSnapshot& mixture);

private:
    void syncControls();
    void scheduleSend();

    std::array<double, 3> m_beta { 1.0, 0.0, 0.0 };
    std::array<QSlider*, 3> m_sliders {};
    std::array<QDoubleSpinBox*, 3> m_spins {};
    std::array<QLabel*, 3> m_realised {};
    TrianglePicker* m_picker = nullptr;
    QDoubleSpinBox* m_pTeach = nullptr;
    QSpinBox* m_capacity = nullptr;
    QSpinBox* m_refreshEvery = nullptr;
    QDoubleSpinBox* m_refreshFraction = nullptr;
    QComboBox* m_projection = nullptr;
    QDoubleSpinBox* m_percentile = nullptr;
    QTimer* m_sendTimer = nullptr;
    bool m_syncing = false;
};

} // namespace ddil

Q_DECLARE_METATYPE(ddil::MixtureSnapshot)
