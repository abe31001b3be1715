#!/usr/bin/env bash
# The main job of `make run`: the workbench when a display is available, otherwise the same
# default session headless, writing a run folder whose path is printed at the end.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
config="$here/configs/toy/checkerboard-teacher.json"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$build/app/ddil-workbench" ]; then
  exec "$build/app/ddil-workbench" "$config"
fi
echo "No display: running the default session headless ($config)"
out="$here/runs/checkerboard-teacher-$(date +%Y%m%d-%H%M%S)"
exec "$build/app/ddil" run "$config" --out "$out"
