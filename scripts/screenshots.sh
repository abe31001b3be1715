#!/usr/bin/env bash
# The workbench screenshots of the README and docs/: real sessions under Xvfb, captured with
# ImageMagick's `import` after a fixed time: the start page, the comparison view over the shipped
# result runs (docs/results/runs/), and sessions from shipped presets with their evaluation made
# more frequent (and, for the 2-D session, the covariate-shift diagnostics on), so the charts
# have points to show; of the Fashion-MNIST session also its grids at full size and the nearest
# training images. Needs xvfb, imagemagick and xdotool (scripts/install-deps.sh).
#   scripts/screenshots.sh [BUILD] [OUT]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${2:-$here/docs}" && cd "${2:-$here/docs}" && pwd)
work=$(mktemp -d)
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
display=:97
Xvfb $display -screen 0 1400x900x24 >/dev/null 2>&1 &
xvfb=$!
sleep 2

# The window's widgets are not X windows: the Fashion-MNIST session's clicks go to where the
# 1400 x 900 layout puts *Full size* and the *Nearest training images* tab (look at the shots).
full_size=(1262 410)
nearest_tab=(1087 575)

# launch NAME CHART_TAB [SETTINGS_LINE...] -- ARGS...: the workbench with settings of its own.
launch() {
  local name=$1 tab=$2
  shift 2
  local settings="$work/$name/DDIL Workbench" extra=()
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  mkdir -p "$settings"
  {
    printf '[General]\n'
    for line in "${extra[@]}"; do printf '%s\n' "$line"; done
    printf '[charts]\ntab=%s\n[runs]\nroot=%s\n' "$tab" "$work/runs"
  } > "$settings/ddil-workbench.conf"
  DISPLAY=$display XDG_CONFIG_HOME="$work/$name" OMP_WAIT_POLICY=PASSIVE \
    "$build/app/ddil-workbench" "$@" > "$work/$name.log" 2>&1 &
  pid=$!
}
# capture NAME [WINDOW_TITLE [CROP]]: the screen, or the window of that title (cropped).
capture() {
  local window=root
  [ -n "${2:-}" ] && window=$(DISPLAY=$display xdotool search --sync --name "$2" | tail -1)
  DISPLAY=$display import -window "$window" ${3:+-crop "$3" +repage} "$out/$1.png"
  echo "wrote $out/$1.png"
}
click() { DISPLAY=$display xdotool mousemove "$1" "$2" click 1; }
quit() {
  kill "$pid"
  wait "$pid" 2> /dev/null || true
}

cat > "$work/fashion-mnist.json" <<JSON
{ "schema_version": 1, "extends": "$here/configs/fashion-mnist/distill/dmd2-ddil.json",
  "eval": { "every": 50, "count": 500 } }
JSON
cat > "$work/checkerboard.json" <<JSON
{ "schema_version": 1, "extends": "$here/configs/toy/distill/checkerboard-dmd2-ddil.json",
  "eval": { "every": 100, "count": 1000, "shift_diagnostics": true, "diagnose_samples": 512 } }
JSON
cd "$here"
runs="$here/docs/results/runs"

# The start page, with two of the shipped result runs as recent runs.
launch start 0 "recentRuns=$runs/dmd2-ddil/fashion-mnist-dmd2-ddil-seed=0, $runs/lcm/fashion-mnist-lcm-seed=0" --
sleep 10
capture workbench-start
quit

# The comparison of the shipped result runs, grouped by config minus the seed.
launch compare 0 -- --compare "$runs"
sleep 15
capture workbench-compare '^Compare Runs$'
quit

# A Fashion-MNIST session; then its grids at full size, and the nearest training images.
launch fashion-mnist 0 -- --start "$work/fashion-mnist.json"
sleep 150
capture workbench-fashion-mnist
click "${full_size[@]}"
sleep 3
capture workbench-samples '^Samples at step'
dialog=$(DISPLAY=$display xdotool search --name '^Samples at step' | tail -1)
DISPLAY=$display xdotool windowfocus "$dialog" key Escape
sleep 1
click "${nearest_tab[@]}"
sleep 20
capture workbench-nearest '' 590x360+810+385
quit

launch checkerboard 2 -- --start "$work/checkerboard.json"
sleep 75
capture workbench-checkerboard
quit
