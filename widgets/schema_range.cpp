#include "widgets/schema_range.h"

#include "core/api/config_io.h"

#include <QAbstractSpinBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QVariant>

#include <limits>

namespace ddil {

namespace {
const char* const kPathProperty = "configPath";

SchemaRange rangeOf(const char* path)
{
    const auto range = schemaRange(path);
    Q_ASSERT_X(range, "bindSchemaRange", path);
    return range ? *range : SchemaRange {};
}

int clampToInt(double v)
{
    return static_cast<int>(
        std::clamp<double>(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}
} // namespace

void bindSchemaRange(QSpinBox* box, const char* path)
{
    const auto range = rangeOf(path);
    box->setRange(clampToInt(range.lo), clampToInt(range.hi));
    box->setProperty(kPathProperty, QString::fromLatin1(path));
}

void bindSchemaRange(QDoubleSpinBox* box, const char* path)
{
    const auto range = rangeOf(path);
    box->setRange(range.lo, range.hi);
    box->setProperty(kPathProperty, QString::fromLatin1(path));
}

QStringList schemaRangeMismatches(const QWidget* root)
{
    QStringList out;
    for (const auto* box : root->findChildren<QAbstractSpinBox*>()) {
        const QString path = box->property(kPathProperty).toString();
        if (path.isEmpty())
            continue;
        double lo = 0, hi = 0;
        if (const auto* spin = qobject_cast<const QSpinBox*>(box)) {
            lo = spin->minimum();
            hi = spin->maximum();
        } else if (const auto* spin = qobject_cast<const QDoubleSpinBox*>(box)) {
            lo = spin->minimum();
            hi = spin->maximum();
        } else {
            continue;
        }
        const auto range = schemaRange(path.toStdString());
        if (!range) {
            out << QStringLiteral("%1: not a field with a range in the schema").arg(path);
            continue;
        }
        if (lo != range->lo || hi != range->hi)
            out << QStringLiteral("%1: widget [%2, %3], schema [%4, %5]")
                       .arg(path)
                       .arg(lo)
                       .arg(hi)
                       .arg(range->lo)
                       .arg(range->hi);
    }
    return out;
}

} // namespace ddil
