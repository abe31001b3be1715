#pragma once
// The `ddil` command: run, sample, data and validate. Torch-free: it drives the core through
// its API only. Returns the process exit code (see exit_codes.h).

namespace ddil {

int runCli(int argc, char** argv);

} // namespace ddil
