#pragma once
// Named values, in order: a step's loss terms, an evaluation's metrics, a diagnosis. The one
// currency of logs and reports, below every layer that makes or reads them.

#include <string>
#include <utility>
#include <vector>

namespace ddil {

using Scalars = std::vector<std::pair<std::string, double>>;

} // namespace ddil
