#pragma once
// The `ddil` command: run, sample, data and validate. Torch-free: it drives the core through
// its API only. Returns the process exit code (see exit_codes.h).

namespace ddil {

int runCli(int argc, char** argv);

// SIGINT and SIGTERM end the process with exit code 130 (inside a training loop: after a
// checkpoint); SIGXFSZ is ignored, so a write past a file-size limit fails as an I/O error.
// Async-signal-safe state only: `ddil` calls it before any library initialiser runs.
void installSignalHandlers();

} // namespace ddil
