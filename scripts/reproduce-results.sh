#!/usr/bin/env bash
# Regenerates every number of docs/results.md (Fashion-MNIST, 4-step students, CPU):
#   1. the nine presets (PD, LCM, DMD2 x baseline, + DDIL, + DDIL + reflected)  scripts/run-presets.sh
#   2. a second seed of the three LCM rows                                     ddil sweep --set seed=1
#   3. the DMD2 source ablation: each DDIL source removed in turn               ddil sweep --set beta=...
#   4. per-step shift diagnostics (all nine) and the teacher-intervention sweep
#      (baselines and + DDIL)                                                  ddil diagnose
#   5. the table and the shift plot                                            ddil table
# Finished steps are skipped, so the script can be stopped and started again.
#   scripts/reproduce-results.sh [BUILD_DIR] [STAGE ...]   (stages: presets seeds ablation diagnose table)
set -euo pipefail
build=${1:-build}
shift || true
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(presets seeds ablation diagnose table)
here=$(cd "$(dirname "$0")/.." && pwd)
ddil="$build/app/ddil"
out="$here/runs/reproduction"
distill="$here/configs/fashion-mnist/distill"
export OMP_WAIT_POLICY=PASSIVE
has() { [[ " ${stages[*]} " == *" $1 "* ]]; }

if has presets; then
  "$here/scripts/run-presets.sh" "$build"
fi
if has seeds; then
  for v in lcm lcm-ddil lcm-ddil-reflected; do
    "$ddil" sweep "$distill/$v.json" --set seed=1 --out "$out/seeds/$v" --run --quiet
  done
fi
if has ablation; then
  "$ddil" sweep "$distill/dmd2-ddil.json" \
    --set 'distill.ddil.beta=[0,0.5,0.5],[0.6666667,0,0.3333333],[0.6666667,0.3333333,0]' \
    --out "$out/dmd2-source-ablation" --run --quiet
fi
if has diagnose; then
  for m in pd lcm dmd2; do
    for v in "" -ddil -ddil-reflected; do
      run="$here/runs/presets/$m$v"
      [ -f "$run/diagnose.json" ] && continue
      extra=()
      [ "$v" = -ddil-reflected ] && extra=(--no-intervention)
      "$ddil" diagnose --checkpoint "$run/checkpoint.pt" --samples 512 "${extra[@]}" \
        > "$run/diagnose.json.part"
      mv "$run/diagnose.json.part" "$run/diagnose.json"
      echo "$m$v: diagnosed"
    done
  done
fi
if has table; then
  runs=()
  for m in pd lcm dmd2; do
    for v in "" -ddil -ddil-reflected; do runs+=("$here/runs/presets/$m$v"); done
  done
  runs+=("$out"/seeds/*/fashion-mnist-*/ "$out"/dmd2-source-ablation/fashion-mnist-*/)
  "$ddil" table "${runs[@]}" --group-seeds --markdown "$out/table.md" --csv "$out/table.csv" \
    --shift-plot "$here/docs/shift.png"
fi
