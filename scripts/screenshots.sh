#!/usr/bin/env bash
# The workbench screenshots of the README and docs/: real sessions under Xvfb, captured with
# ImageMagick's `import` after a fixed time. Each session starts from a shipped preset with its
# evaluation made more frequent (and, for the 2-D session, the covariate-shift diagnostics on),
# so the charts have points to show. Needs xvfb and imagemagick (scripts/install-deps.sh).
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

# shoot NAME CONFIG SECONDS CHART_TAB
shoot() {
  local name=$1 config=$2 seconds=$3 tab=$4
  local settings="$work/$name/DDIL Workbench"
  mkdir -p "$settings"
  printf '[charts]\ntab=%s\n[runs]\nroot=%s\n' "$tab" "$work/runs" > "$settings/ddil-workbench.conf"
  DISPLAY=$display XDG_CONFIG_HOME="$work/$name" OMP_WAIT_POLICY=PASSIVE \
    "$build/app/ddil-workbench" --start "$config" >"$work/$name.log" 2>&1 &
  local pid=$!
  sleep "$seconds"
  DISPLAY=$display import -window root "$out/$name.png"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "wrote $out/$name.png"
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
shoot workbench-fashion-mnist "$work/fashion-mnist.json" 150 0
shoot workbench-checkerboard "$work/checkerboard.json" 75 2
