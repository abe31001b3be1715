#pragma once
// Widget ranges from the config schema (core/api/config_io.h's schemaRange): a spin box that
// edits a config field takes the field's range from the one place that defines it, and records
// the field's path in its "configPath" property so that tests can check every such widget.

#include <QStringList>

class QDoubleSpinBox;
class QSpinBox;
class QWidget;

namespace ddil {

// Sets the box's range to the schema's range of `path` ("distill.ddil.p_teach") and records the
// path. A path without a range in the schema is a programming error (asserted).
void bindSchemaRange(QSpinBox* box, const char* path);
void bindSchemaRange(QDoubleSpinBox* box, const char* path);

// The bound spin boxes under `root` whose range differs from their field's schema range, as
// "distill.ddil.p_teach: widget [0, 2], schema [0, 1]"; empty when every one agrees.
QStringList schemaRangeMismatches(const QWidget* root);

} // namespace ddil
