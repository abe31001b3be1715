#pragma once
// Training progress on stderr: a redrawn bar with rate, ETA and the loss on a terminal, plain
// lines every 10% (or 30 s) otherwise.

#include "core/api/run.h"

#include <chrono>
#include <cstdio>

namespace ddil {

class ProgressPrinter {
public:
    ProgressPrinter(std::FILE* out, bool interactive);
    void onStep(const StepReport& report);
    void onEval(const EvalReport& report);
    void message(const std::string& text);
    void finish(); // ends the bar's line

    static std::string formatDuration(double seconds); // "1:05", "1:02:03"
    static std::string renderBar(const StepReport& report, double rate, int width);
    static std::string formatEval(const EvalReport& report);

private:
    void clearBar();

    std::FILE* m_out;
    bool m_interactive;
    bool m_barShown = false;
    std::chrono::steady_clock::time_point m_lastDraw {};
    std::chrono::steady_clock::time_point m_start;
    std::int64_t m_firstStep = -1;
    int m_lastDecile = -1;
    double m_lastPlainLine = 0.0;
    double m_smoothedLoss = 0.0;
    bool m_haveLoss = false;
};

} // namespace ddil
