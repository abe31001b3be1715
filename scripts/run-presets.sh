#!/usr/bin/env bash
# Runs presets headless, one after another, and records what each took.
#   scripts/run-presets.sh [BUILD_DIR] [--start-page] [PRESET.json ...]
# Without presets: the nine Fashion-MNIST presets (PD, LCM, DMD2 x baseline, + DDIL,
# + DDIL + reflected) in configs/fashion-mnist/distill/; --start-page: the presets the
# workbench's start page shows (configs/presets.json). Run folders go to runs/presets/. Each
# Fashion-MNIST distillation student is scored with `ddil eval` (4 steps, 2,000 samples) into
# <run>/eval.json. The wall time of every run trained from its start (not resumed) is written to
# configs/preset-times.json, which the start page shows on the preset's card, with the machine,
# the run's threads, the date and the commit. Run it with nothing else on the machine.
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
ddil="$build/app/ddil"
presets=()
if [ "${1:-}" = --start-page ]; then
  shift
  mapfile -t presets < <(python3 -c '
import json, sys
for group in json.load(open(sys.argv[1]))["groups"]:
    for preset in group["presets"]:
        print(sys.argv[2] + "/" + preset["config"])' "$here/configs/presets.json" "$here/configs")
fi
presets+=("$@")
if [ ${#presets[@]} -eq 0 ]; then
  for m in pd lcm dmd2; do
    for v in "" -ddil -ddil-reflected; do
      presets+=("$here/configs/fashion-mnist/distill/$m$v.json")
    done
  done
fi
machine="$(nproc)-core $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
commit=$(git -C "$here" rev-parse --short HEAD 2> /dev/null || echo unknown)
mkdir -p "$here/runs/presets"
for preset in "${presets[@]}"; do
  name=$(basename "$preset" .json)
  out="$here/runs/presets/$name"
  if grep -qs '"status": "finished"' "$out/state.json" \
    && { [[ $preset != */fashion-mnist/distill/* ]] || [ -f "$out/eval.json" ]; }; then
    echo "$name: done already ($out)"
    continue
  fi
  resume=()
  [ -f "$out/checkpoint.safetensors" ] && resume=(--resume)
  started=$(date +%s.%N)
  "$ddil" run "$preset" --out "$out" --quiet "${resume[@]}"
  seconds=$(python3 -c 'import sys, time; print(round(time.time() - float(sys.argv[1]), 1))' "$started")
  if [ ${#resume[@]} -eq 0 ]; then
    python3 - "$here/configs/preset-times.json" "$(realpath --relative-to="$here/configs" "$preset")" \
      "$seconds" "$machine" "$out/state.json" "$commit" << 'PY'
import datetime, json, os, sys
path, preset, seconds, machine, state, commit = sys.argv[1:]
times = json.load(open(path)) if os.path.exists(path) else {}
times.setdefault("about", "Wall time of each preset's `ddil run` from its start, measured by "
                 "scripts/run-presets.sh with nothing else running; the workbench's start page "
                 "shows it on the preset's card.")
threads = json.load(open(state)).get("threads")
times.setdefault("measured", {})[preset] = {
    "seconds": round(float(seconds), 1), "machine": f"{machine}, {threads} thread(s)",
    "date": datetime.date.today().isoformat(), "commit": commit}
with open(path + ".part", "w") as f:
    json.dump(times, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(path + ".part", path)
PY
  fi
  if [[ $preset == */fashion-mnist/distill/* ]]; then
    "$ddil" eval --checkpoint "$out/checkpoint.safetensors" --steps 4 --samples 2000 > "$out/eval.json.part"
    mv "$out/eval.json.part" "$out/eval.json"
    echo "$name: $seconds s, $(grep -o '"fid": [0-9.]*' "$out/eval.json")"
  else
    echo "$name: $seconds s"
  fi
done
