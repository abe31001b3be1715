#pragma once
// One-line notices for the user that are not errors: a config naming a checkpoint by its old
// ".pt" name, a checkpoint without its CRC. Each distinct line is given once per process: on
// stderr as "ddil: note: LINE", or to the handler a program installs (the workbench's status bar).

#include <functional>
#include <string>

namespace ddil {

void notify(const std::string& line);

// Replaces the handler (an empty one restores stderr); returns the previous one.
using NoticeHandler = std::function<void(const std::string&)>;
NoticeHandler setNoticeHandler(NoticeHandler handler);

} // namespace ddil
