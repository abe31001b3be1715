#!/usr/bin/env bash
# Runs distillation presets headless, one after another, and scores each 4-step student with
# `ddil eval` into <run>/eval.json.
#   scripts/run-presets.sh [BUILD_DIR] [PRESET.json ...]
# Without presets: the nine Fashion-MNIST presets (PD, LCM, DMD2 x baseline, + DDIL,
# + DDIL + reflected) in configs/fashion-mnist/distill/. Run folders go to runs/presets/.
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
ddil="$build/app/ddil"
presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
  for m in pd lcm dmd2; do
    for v in "" -ddil -ddil-reflected; do
      presets+=("$here/configs/fashion-mnist/distill/$m$v.json")
    done
  done
fi
mkdir -p "$here/runs/presets"
for preset in "${presets[@]}"; do
  name=$(basename "$preset" .json)
  out="$here/runs/presets/$name"
  if [ -f "$out/eval.json" ]; then
    echo "$name: done already ($out/eval.json)"
    continue
  fi
  resume=()
  [ -f "$out/checkpoint.safetensors" ] && resume=(--resume)
  "$ddil" run "$preset" --out "$out" --quiet "${resume[@]}"
  "$ddil" eval --checkpoint "$out/checkpoint.safetensors" --steps 4 --samples 2000 > "$out/eval.json.part"
  mv "$out/eval.json.part" "$out/eval.json"
  echo "$name: $(grep -o '"fid": [0-9.]*' "$out/eval.json")"
done
