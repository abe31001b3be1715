#pragma once
// Helpers shared by the benchmarks.

#include <chrono>
#include <fstream>
#include <string>

namespace ddil::bench {

// The process's peak resident memory so far (VmHWM), in MiB.
inline double peakRssMiB()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    return 0.0;
}

inline double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace ddil::bench
