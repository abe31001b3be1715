#pragma once
// Exit codes of the `ddil` command (documented in the README).

namespace ddil::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1; // training diverged or an unexpected runtime error
inline constexpr int kUsage = 2; // bad command-line arguments
inline constexpr int kInvalidConfig = 3; // the config has errors (each printed with its JSON path)
inline constexpr int kFile
    = 4; // a file is missing, unreadable, unwritable or corrupt; a checkpoint does not fit
inline constexpr int kDevice = 5; // the requested device is unavailable
inline constexpr int kInterrupted
    = 130; // SIGINT/SIGTERM: the step finished and a checkpoint was written

} // namespace ddil::exit_code
