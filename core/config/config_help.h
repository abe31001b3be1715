#pragma once
// One or two sentences on each key of the config format, by its dotted path: the tooltips of
// the workbench's generated Advanced form (configSchema). A key without help is named by
// tst_config, so a new key comes with its sentence.

#include <string>

namespace ddil {

std::string fieldHelp(const std::string& path); // "" when the path has none

} // namespace ddil
