#pragma once
// Torch-free facade for `ddil table --shift-plot`: the per-student-step covariate shift of
// several runs, drawn from their diagnose.json files (`ddil diagnose`).

#include <string>
#include <vector>

namespace ddil {

// Three panels against the student step k: D(S_k, F_k), D(S_k, T_k) (images: FD of the
// teacher's x0 estimate in evaluator features; 2-D: sliced Wasserstein) with the data's floor,
// and the relative on-policy loss gap (L(S_k) - L(F_k)) / L(F_k); one line per run that has a
// diagnose.json. Throws IoError when none has.
void writeShiftPlot(const std::vector<std::string>& runDirs, const std::string& pngPath);

} // namespace ddil
