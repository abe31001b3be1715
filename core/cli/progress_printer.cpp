#include "core/cli/progress_printer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ddil {

ProgressPrinter::ProgressPrinter(std::FILE* out, bool interactive)
    : m_out(out)
    , m_interactive(interactive)
    , m_start(std::chrono::steady_clock::now())
{
}

std::string ProgressPrinter::formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string ProgressPrinter::renderBar(const StepReport& r, double rate, int width)
{
    const double frac
        = r.totalSteps > 0 ? std::clamp(static_cast<double>(r.step) / r.totalSteps, 0.0, 1.0) : 0.0;
    const int filled = static_cast<int>(frac * width);
    std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
    char buf[160];
    const double eta = rate > 0 ? (r.totalSteps - r.step) / rate : NAN;
    std::snprintf(buf, sizeof buf, " %3d%% %lld/%lld  %.1f it/s  ETA %s",
        static_cast<int>(frac * 100), static_cast<long long>(r.step),
        static_cast<long long>(r.totalSteps), rate, formatDuration(eta).c_str());
    return bar + buf;
}

void ProgressPrinter::clearBar()
{
    if (m_barShown) {
        std::fprintf(m_out, "\r\033[K");
        m_barShown = false;
    }
}

void ProgressPrinter::onStep(const StepReport& report)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_firstStep < 0) {
        m_firstStep = report.step - 1;
        m_start = now;
    }
    for (const auto& [key, value] : report.scalars)
        if (key == "train/loss" && std::isfinite(value)) {
            m_smoothedLoss = m_haveLoss ? 0.98 * m_smoothedLoss + 0.02 * value : value;
            m_haveLoss = true;
        }
    const double secs = std::chrono::duration<double>(now - m_start).count();
    const double rate = secs > 0 ? (report.step - m_firstStep) / secs : 0.0;
    std::string line = renderBar(report, rate, 30);
    if (m_haveLoss) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "  loss %.4g", m_smoothedLoss);
        line += buf;
    }
    if (m_interactive) {
        if (now - m_lastDraw < std::chrono::milliseconds(100) && report.step != report.totalSteps)
            return;
        m_lastDraw = now;
        std::fprintf(m_out, "\r%s\033[K", line.c_str());
        std::fflush(m_out);
        m_barShown = true;
        return;
    }
    const int decile
        = report.totalSteps > 0 ? static_cast<int>(10 * report.step / report.totalSteps) : 0;
    if (decile != m_lastDecile || secs - m_lastPlainLine >= 30.0) {
        m_lastDecile = decile;
        m_lastPlainLine = secs;
        std::fprintf(m_out, "%s\n", line.c_str());
        std::fflush(m_out);
    }
}

void ProgressPrinter::onEval(const EvalReport& report)
{
    message(formatEval(report));
}

std::string ProgressPrinter::formatEval(const EvalReport& report)
{
    // "eval at step 1000: eval/mmd 0.061 (floor 0.0635), ..." : a metric's "_floor" partner
    // goes in brackets after it instead of on its own.
    const std::string floorSuffix = "_floor";
    auto isFloor = [&](const std::string& key) {
        return key.size() > floorSuffix.size()
            && key.compare(key.size() - floorSuffix.size(), floorSuffix.size(), floorSuffix) == 0;
    };
    std::string text = "eval at step " + std::to_string(report.step) + ":";
    bool first = true;
    for (const auto& [key, value] : report.scalars) {
        if (isFloor(key))
            continue;
        char buf[128];
        std::snprintf(buf, sizeof buf, "%s %s %.4g", first ? "" : ",", key.c_str(), value);
        text += buf;
        first = false;
        for (const auto& [floorKey, floorValue] : report.scalars)
            if (floorKey == key + floorSuffix) {
                std::snprintf(buf, sizeof buf, " (floor %.4g)", floorValue);
                text += buf;
            }
    }
    return text;
}

void ProgressPrinter::message(const std::string& text)
{
    clearBar();
    std::fprintf(m_out, "%s\n", text.c_str());
    std::fflush(m_out);
}

void ProgressPrinter::finish()
{
    if (m_barShown) {
        std::fprintf(m_out, "\n");
        m_barShown = false;
    }
}

} // namespace ddil
