#pragma once
// Exceptions the core throws for bad input; the CLI maps each to its exit code, the GUI to a
// dialog. Messages are one line and name the file or setting at fault.

#include <stdexcept>

namespace ddil {

// A file is missing, unreadable, unwritable or corrupt.
class IoError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A checkpoint is corrupt, not ours, or made for another model.
class CheckpointError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The config is invalid or asks for something this build cannot do.
class ConfigError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The requested device is not available in this build or on this machine.
class DeviceError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Training diverged (NaN or Inf loss).
class TrainingError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

} // namespace ddil
