#!/usr/bin/env bash
# The main job of `make run`: the workbench when a display is available, otherwise the default
# session headless: an LCM + DDIL distillation of the shipped Fashion-MNIST teacher into a 4-step
# student (configs/fashion-mnist/distill/lcm-ddil.json, about five minutes on 2 cores), then
# sample sheets of the student at 4 steps beside the teacher at 4 and 50 DDIM steps from the same
# seeds, and the student's sample-quality metrics, all in the run folder printed at the end.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
config="$here/configs/fashion-mnist/distill/lcm-ddil.json"
teacher="$here/resources/weights/fashion-mnist-teacher.safetensors"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$build/app/ddil-workbench" ]; then
  exec "$build/app/ddil-workbench" "$config"
fi
ddil="$build/app/ddil"
out="$here/runs/fashion-mnist-lcm-ddil-$(date +%Y%m%d-%H%M%S)"
echo "No display: running the default session headless ($config)"
"$ddil" run "$config" --out "$out"
for steps in 50 4; do
  "$ddil" sample --checkpoint "$teacher" --steps "$steps" --count 100 --seed 0 \
    --out "$out/teacher-$steps-steps.png"
done
"$ddil" sample --checkpoint "$out/checkpoint.safetensors" --steps 4 --count 100 --seed 0 \
  --out "$out/student-4-steps.png"
echo "scoring 2000 samples of the 4-step student (FID in evaluator features, coverage, ...)"
"$ddil" eval --checkpoint "$out/checkpoint.safetensors" --steps 4 --samples 2000 > "$out/eval.json"
grep -A 12 '"metrics"' "$out/eval.json"
echo "results: $out"
