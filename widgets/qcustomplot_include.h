#pragma once
// QCustomPlot's header uses Qt's keyword macros (signals, slots, emit, foreach), which the build
// turns off (QT_NO_KEYWORDS: they break LibTorch headers). They are defined for its header only.

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
