#!/usr/bin/env bash
# The main job of `make run`: the workbench when a display is available, otherwise the default
# Fashion-MNIST session headless on the shipped teacher (nothing is trained first): sample sheets
# at 50 and 4 DDIM steps from the same seeds, and the sample-quality metrics at 4 steps, written
# to a run folder whose path is printed at the end.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
config="$here/configs/fashion-mnist/teacher.json"
teacher="$here/resources/weights/fashion-mnist-teacher.pt"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$build/app/ddil-workbench" ]; then
  exec "$build/app/ddil-workbench" "$config"
fi
ddil="$build/app/ddil"
out="$here/runs/fashion-mnist-session-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
echo "No display: running the default session headless on the shipped teacher ($teacher)"
for steps in 50 4; do
  "$ddil" sample --checkpoint "$teacher" --steps "$steps" --count 100 --seed 0 \
    --out "$out/teacher-$steps-steps.png"
done
echo "scoring 2000 samples at 4 steps (FID in evaluator features, precision/recall, ...)"
"$ddil" eval --checkpoint "$teacher" --steps 4 --samples 2000 > "$out/eval-4-steps.json"
grep -A 12 '"metrics"' "$out/eval-4-steps.json"
echo "results: $out"
