#!/usr/bin/env bash
# Regenerates every number of docs/results.md (Fashion-MNIST, 4-step students, CPU or GPU):
#   runs      PD, LCM, DMD2 x baseline / + reflection / + DDIL / + DDIL reflected, 5 seeds; DMD2 as
#             its authors run it (on-policy rollouts every step, a fresh batch per critic update)
#             and DMD2 + DDIL with an on-policy critic; each method's untrained student (step 0,
#             3 seeds: the evaluation's own spread); 2-step students at guidance 4 for LCM and
#             DMD2 with and without DDIL, 5 seeds; DMD2 on forward-diffused data states alone
#             (no backward simulation: what its on-policy rollouts are worth), 5 seeds; then the
#             DMD2 + DDIL source ablation (3 seeds); first readings with one seed each: DMD2 with
#             its GAN term (and, when that seed beats DMD2's seed 0, DMD2 and DMD2 + DDIL with
#             the GAN term, 5 seeds each), DMD2 + DDIL with DAgger's p_teach decay, LCM at
#             guidance 4 and LCM for 1,000 steps (with and without DDIL); the regime map's most
#             promising cell (when the map names one: the cell's method, N and guidance with and
#             without its DDIL mixture, 5 seeds); the per-step shift diagnostics of every seed-0
#             run, and last the equal-wall-clock arm: LCM (DDIL's largest overhead) trained for
#             as long as LCM + DDIL took, 5 seeds
#   table     summaries of every finished run in docs/results/runs/ (config.json, state.json,
#             the evaluation lines of metrics.jsonl, diagnose.json), the tables in
#             docs/results/*.md, *.csv and *-delta.png (the differences to the baselines) from
#             those summaries (`ddil table --group-seeds`), the evaluation noise of one
#             checkpoint, docs/shift.png with its numbers (docs/results/shift.md), the compute
#             time it took, and docs/results.md itself (scripts/results_page.py fills
#             docs/results.md.in)
#   map       the regime map on 2-D data: LCM and DMD2 students over N, guidance, beta and
#             on-policy or buffered student rollouts, 10 seeds per cell, with the shift each
#             student shows (eval.shift_diagnostics); `table` turns them into
#             docs/results/map/runs.csv, heat maps (SVG) and map.md (scripts/regime_map.py)
#   scripts/reproduce-results.sh [BUILD_DIR] [STAGE ...]  (stages: runs map table; default all)
# Finished runs are skipped and interrupted ones resumed, so the script can be stopped and
# started again, in as many sittings as it takes. Every finished run leaves its summary in
# docs/results/runs/ (in git; scripts/run_summary.py), with the id of the code that trained it:
# the training code's git tree, the LibTorch build and the threads per run. A run whose summary
# this code trained is not trained again, on this machine or another, so commit the summaries
# between sittings. `runs` trains seed 0 of every arm first; an arm whose seed 0 ends at the
# final evaluation of the summary it replaces (trained by other code) keeps its other seeds'
# summaries instead of training them again. LCM's seed 0 is the one run trained again whatever
# its summary says, when its checkpoint is not on this machine: `table` measures the evaluation
# noise on it (about 4 min). The training code must be committed (a run trained
# with uncommitted changes gets a summary nothing trusts), and the build directory is brought
# up to date first: do not rebuild it while the script runs. DDIL_JOBS runs that many trainings
# at a time (default 2, one thread each: on 2 cores that trains 14% more steps per second than
# one run on both). Run folders go to runs/reproduction/ (not in git); every task's wall time is
# appended to runs/reproduction/timing.tsv. DDIL_DRY_RUN=1 lists the queue without training.
set -euo pipefail
build=${1:-build}
shift || true
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(runs map table)
here=$(cd "$(dirname "$0")/.." && pwd)
ddil=$(cd "$build/app" && pwd)/ddil
out="$here/runs/reproduction"
distill="$here/configs/fashion-mnist/distill"
results="$here/docs/results"
jobs=${DDIL_JOBS:-2}
threads=$(($(nproc) / jobs))
[ "$threads" -lt 1 ] && threads=1
has() { [[ " ${stages[*]} " == *" $1 "* ]]; }
mkdir -p "$out"
# The code that trains: the build brought up to date, and its id (empty with uncommitted changes).
if has runs && [ -z "${DDIL_DRY_RUN:-}" ]; then
  cmake --build "$build" --target ddil ddil-core > /dev/null
fi
code=$(python3 "$here/scripts/run_summary.py" code-id "$here" "$ddil" "$threads") \
  || echo "the training code has uncommitted changes: this sitting's summaries will not be trusted" >&2
export OMP_WAIT_POLICY=PASSIVE DDIL="$ddil" DDIL_THREADS="$threads" DDIL_TIMING="$out/timing.tsv" \
  DDIL_CODE="$code" DDIL_RESULTS="$results" DDIL_SUMMARY="$here/scripts/run_summary.py"

# arm NAME PRESET SEEDS [--set KEY=VALUES ...]: the arm's configs in $out/NAME (no training).
arm() {
  local name=$1 preset=$2 seeds=$3
  shift 3
  [ -f "$out/$name/configs.txt" ] && return 0
  "$ddil" sweep "$distill/$preset.json" --set "seed=$seeds" "$@" --out "$out/$name" > /dev/null
}
# The configs of an arm whose seed is $2 (all seeds without it), one per line.
configs() {
  if [ $# -gt 1 ]; then grep -- "-seed=$2[-.]" "$out/$1/configs.txt" || true; else cat "$out/$1/configs.txt"; fi
}
finished() { grep -qs '"status": "finished"' "$1/state.json"; }
# The summary of a run folder (docs/results/runs/ARM/RUN).
summary_of() { echo "$DDIL_RESULTS/runs/$(basename "$(dirname "$1")")/$(basename "$1")"; }
trusted() { python3 "$DDIL_SUMMARY" trusted "$(summary_of "$1")" "$DDIL_CODE"; }
# A finished Fashion-MNIST run's summary, with the id of the code that trained it ($dir.code,
# written when its training started; emptied when it resumed under other code). The map's runs
# are summarised in docs/results/map/runs.csv instead.
summarise() {
  [[ $(basename "$1") == map-* ]] && return 0
  python3 "$DDIL_SUMMARY" write "$1" "$(summary_of "$1")" "$(cat "$1.code" 2> /dev/null)"
}
# reproduces ARM: seed 0 of ARM, trained by this code, ended at the final evaluation of the
# summary it replaced (every eval/ number to 1e-4, relative), for each of its seed-0 configs.
# The code that made the summaries of ARM's other seeds then trains as this code does, so they
# are kept rather than trained again (a run is deterministic on one platform); otherwise every
# seed this code has not trained is trained.
reproduces() {
  local c missing=() n=0
  while read -r c; do
    n=$((n + 1))
    python3 "$DDIL_SUMMARY" reproduced "$(summary_of "${c%.json}")" "$DDIL_CODE" \
      || missing+=("$(basename "${c%.json}")")
  done < <(configs "$1" 0)
  if [ $n -gt 0 ] && [ ${#missing[@]} -eq 0 ]; then
    echo "$1: seed 0 reproduces its earlier summary ($n config(s)): its other seeds are kept" >&2
    return 0
  fi
  echo "$1: seed 0 (${missing[*]:-no config}) has not reproduced an earlier summary: every seed is trained" >&2
  return 1
}
kept() { [[ " ${reused[*]} " == *" $1 "* ]]; }
# other_seeds ARM...: the training tasks of the arms' seeds 1-4, seed by seed; an arm whose seed
# 0 reproduced its summary (in reused) keeps the summaries it has.
other_seeds() {
  local s a c
  for s in 1 2 3 4; do
    for a in "$@"; do
      configs "$a" "$s" | while read -r c; do
        kept "$a" && [ -f "$results/runs/$a/$(basename "${c%.json}")/metrics.jsonl" ] \
          || echo "train $c"
      done
    done
  done
}

# One training (its config's run folder beside it): skipped when finished, resumed when it has
# a checkpoint; its wall time is appended to the timing file. With a second argument ("again")
# it also trains a run whose trusted summary came from elsewhere, for its checkpoint.
train_one() {
  local config=$1 dir=${1%.json}
  if finished "$dir"; then summarise "$dir"; return 0; fi
  # trained by this code in an earlier sitting, maybe elsewhere
  [ -z "${2:-}" ] && trusted "$dir" && return 0
  local resume=() started=$SECONDS
  if [ -f "$dir/checkpoint.safetensors" ]; then
    resume=(--resume)
    [ "$(cat "$dir.code" 2> /dev/null)" = "$DDIL_CODE" ] || : > "$dir.code"
  else
    echo "$DDIL_CODE" > "$dir.code"
  fi
  if "$DDIL" run "$config" --out "$dir" --quiet --threads "$DDIL_THREADS" "${resume[@]}" \
    > "$dir.log" 2>&1; then
    printf '%s\t%s\t%d\n' train "$(basename "$dir")" $((SECONDS - started)) >> "$DDIL_TIMING"
    summarise "$dir"
    echo "$(basename "$dir"): $(grep -o 'eval/\(fid\|sliced_wasserstein\) [0-9.]*' "$dir.log" | tail -1)"
  else
    # An interrupted run (exit 130) wrote its checkpoint and resumes; its time still counts.
    printf '%s\t%s\t%d\n' train-stopped "$(basename "$dir")" $((SECONDS - started)) >> "$DDIL_TIMING"
    echo "$(basename "$dir"): stopped or failed, see $dir.log" >&2
  fi
}
# The per-step shift diagnostics of a finished run (diagnose.json beside its checkpoint).
diagnose_one() {
  local dir=$1 extra=()
  [ -f "$dir/diagnose.json" ] && return 0
  if ! finished "$dir"; then
    trusted "$dir" && echo "$(basename "$dir"): its checkpoint is not here (trained in an earlier sitting elsewhere), so it is not diagnosed" >&2
    return 0
  fi
  # The reflected runs' intervention sweep is left out, as in docs/results.md.
  [[ $dir == *reflected* ]] && extra=(--no-intervention)
  local started=$SECONDS
  if "$DDIL" diagnose --checkpoint "$dir/checkpoint.safetensors" --samples 512 --threads "$DDIL_THREADS" \
    "${extra[@]}" > "$dir/diagnose.json.part" 2> "$dir.diagnose.log"; then
    mv "$dir/diagnose.json.part" "$dir/diagnose.json"
    printf '%s\t%s\t%d\n' diagnose "$(basename "$dir")" $((SECONDS - started)) >> "$DDIL_TIMING"
    summarise "$dir"
    echo "$(basename "$dir"): diagnosed"
  else
    echo "$(basename "$dir"): diagnosis failed, see $dir.diagnose.log" >&2
  fi
}
task() {
  case $1 in
    diagnose) diagnose_one "$2" ;;
    again) train_one "$2" again ;;
    *) train_one "$2" ;;
  esac
}
export -f train_one diagnose_one finished task summary_of trusted summarise
run_queue() { xargs -r -L 1 -P "$jobs" bash -c 'task "$@"' _; }
# DDIL_DRY_RUN=1: write the configs and print the queue instead of training.
[ -n "${DDIL_DRY_RUN:-}" ] && run_queue() { cat; }

# Each method: its baseline, the baseline with reflection alone, + DDIL, + DDIL reflected; DMD2's
# baseline is DMD2 as its authors run it (on-policy rollouts at every step, a fresh batch per
# critic update), and DMD2 + DDIL is also run with an on-policy critic (its own rollouts only).
main_arms=(pd pd-reflected pd-ddil pd-ddil-reflected lcm lcm-reflected lcm-ddil lcm-ddil-reflected
  dmd2 dmd2-reflected dmd2-ddil dmd2-ddil-reflected dmd2-ddil-critic-student)
# 2-step students at guidance 4 (LCM: w ~ U[3, 5]), with and without DDIL.
two_step_arms=(lcm-2step-guidance4 lcm-ddil-2step-guidance4 dmd2-2step-guidance4
  dmd2-ddil-2step-guidance4)
if has runs; then
  for a in "${main_arms[@]}"; do arm "$a" "$a" 0,1,2,3,4; done
  for m in pd lcm dmd2; do arm "$m-step0" "$m" 0,1,2 --set train.steps=0; done
  for a in lcm lcm-ddil; do
    arm "$a-2step-guidance4" "$a" 0,1,2,3,4 --set distill.student_steps=2 \
      --set distill.guidance.scale=4 --set distill.lcm.w_min=3 --set distill.lcm.w_max=5
  done
  for a in dmd2 dmd2-ddil; do
    arm "$a-2step-guidance4" "$a" 0,1,2,3,4 --set distill.student_steps=2 \
      --set distill.guidance.scale=4
  done
  arm dmd2-ddil-ablation dmd2-ddil 0,1,2 \
    --set 'distill.ddil.beta=[0,0.5,0.5],[0.6666667,0,0.3333333],[0.6666667,0.3333333,0]'
  arm dmd2-no-backward-simulation dmd2-no-backward-simulation 0,1,2,3,4
  for a in dmd2-gan dmd2-ddil-dagger; do arm "$a" "$a" 0; done
  for a in lcm lcm-ddil; do
    arm "$a-guidance4" "$a" 0 --set distill.guidance.scale=4 --set distill.lcm.w_min=3 \
      --set distill.lcm.w_max=5
    arm "$a-1000-steps" "$a" 0 --set train.steps=1000
  done
  # Seed 0 of every arm first (what the GAN decision and a partial reproduction need), then the
  # other seeds of each arm whose seed 0 does not reproduce its summary, seeds interleaved so a
  # partial reproduction is balanced; then the seed-0 diagnostics.
  multi_arms=("${main_arms[@]}" pd-step0 lcm-step0 dmd2-step0 dmd2-no-backward-simulation
    "${two_step_arms[@]}" dmd2-ddil-ablation)
  single_arms=(dmd2-gan dmd2-ddil-dagger lcm-guidance4
    lcm-ddil-guidance4 lcm-1000-steps lcm-ddil-1000-steps)
  for a in "${multi_arms[@]}" "${single_arms[@]}"; do configs "$a" 0 | sed 's/^/train /'; done \
    | run_queue
  # The table stage's evaluation-noise run evaluates LCM seed 0's checkpoint, which is not in
  # git: trained again here when its summary was made elsewhere (same code: the same numbers).
  configs lcm 0 | while read -r c; do finished "${c%.json}" || echo "again $c"; done | run_queue
  reused=()
  for a in "${multi_arms[@]}"; do reproduces "$a" && reused+=("$a"); done
  {
    other_seeds "${multi_arms[@]}"
    for a in "${main_arms[@]}"; do
      configs "$a" 0 | while read -r c; do # a kept or trusted summary's diagnosis is kept
        { kept "$a" || trusted "${c%.json}"; } && [ -f "$(summary_of "${c%.json}")/diagnose.json" ] \
          || echo "diagnose ${c%.json}"
      done
    done
  } | run_queue

  # The GAN term: when seed 0 of DMD2 with it (dmd2-gan) reaches a lower FID than seed 0 of DMD2,
  # DMD2 and DMD2 + DDIL are also run with it, 5 seeds each (dmd2-ddil-gan; dmd2-gan-seeds holds
  # seeds 1-4 of DMD2 with it, whose seed 0 is dmd2-gan's, the same config).
  # Both read from summaries this code trained.
  gan=$(python3 - "$results/runs" "$DDIL_SUMMARY" "$DDIL_CODE" << 'EOF'
import glob, json, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[2]))
import run_summary
def fid(arm):
    for path in glob.glob(f"{sys.argv[1]}/{arm}/*-seed=0"):
        if run_summary.trusted(path, sys.argv[3]):
            return run_summary.final_evaluation(os.path.join(path, "metrics.jsonl"))["eval/fid"]
base, gan = fid("dmd2"), fid("dmd2-gan")
if base is not None and gan is not None:
    print(f"{'helps' if gan < base else 'does not help'} (seed 0: FID {gan:.2f} with it, {base:.2f} without)")
EOF
)
  echo "DMD2's GAN term: ${gan:-waits for seed 0 of dmd2 and dmd2-gan}"
  if [[ $gan == helps* ]]; then
    arm dmd2-gan-seeds dmd2-gan 1,2,3,4
    arm dmd2-ddil-gan dmd2-ddil 0,1,2,3,4 --set distill.dmd2.gan=true
    for s in 0 1 2 3 4; do
      for a in dmd2-gan-seeds dmd2-ddil-gan; do configs "$a" "$s" | sed 's/^/train /'; done
    done | run_queue
  fi

  # The regime map's most promising cell on Fashion-MNIST (scripts/regime_map.py promising): the
  # method's preset at the cell's N and guidance, trained on data states alone (the map's
  # reference) and with the cell's DDIL mixture and rollouts, 5 seeds each.
  cell=()
  [ -f "$results/map/runs.csv" ] \
    && mapfile -t cell < <(python3 "$here/scripts/regime_map.py" promising "$results/map/runs.csv")
  if [ ${#cell[@]} -eq 3 ]; then
    echo "the regime map's most promising cell: ${cell[*]}"
    sets=()
    for kv in ${cell[1]}; do sets+=(--set "$kv"); done
    arm promising-cell "${cell[0]}" 0,1,2,3,4 "${sets[@]}" --set 'distill.ddil.beta=[1,0,0]'
    for kv in ${cell[2]}; do sets+=(--set "$kv"); done
    arm promising-cell-ddil "${cell[0]}" 0,1,2,3,4 "${sets[@]}"
    for s in 0 1 2 3 4; do
      for a in promising-cell promising-cell-ddil; do configs "$a" "$s" | sed 's/^/train /'; done
    done | run_queue
  else
    echo "the regime map names no cell where DDIL helps after Holm's adjustment (or is not made yet)"
  fi

  # Equal wall clock: LCM trained for as many steps as fit in LCM + DDIL's mean training time
  # (to the last training step, so the evaluation is not counted), from the seeds both arms
  # have summaries of, trained by this code (a summary kept from other code is not timed). The
  # plan is timed once: where this code trained the arm's summaries (in git), their step count
  # is the plan, on a fresh clone too, rather than a new timing of the summaries kept since.
  if [ ! -f "$out/lcm-equal-wall-clock/configs.txt" ]; then
    steps=$(python3 - "$results/runs" "$DDIL_SUMMARY" "$DDIL_CODE" << 'EOF'
import glob, json, os, re, sys
sys.path.insert(0, os.path.dirname(sys.argv[2]))
import run_summary
planned = {json.load(open(os.path.join(folder, "config.json")))["train"]["steps"]
           for folder in glob.glob(f"{sys.argv[1]}/lcm-equal-wall-clock/*")
           if run_summary.trusted(folder, sys.argv[3])}
if len(planned) == 1:
    print(planned.pop(), "planned")
    sys.exit()
def seconds(arm):
    out = {}
    for folder in glob.glob(f"{sys.argv[1]}/{arm}/*"):
        if not run_summary.trusted(folder, sys.argv[3]):
            continue
        path = os.path.join(folder, "metrics.jsonl")
        lines = [json.loads(l) for l in open(path)]
        train = [l for l in lines if "train/loss" in l]
        if train and train[-1]["step"] == 300:
            out[re.search(r"seed=(\d+)", path).group(1)] = train[-1]["elapsed"]
    return out
base, ddil = seconds("lcm"), seconds("lcm-ddil")
seeds = sorted(set(base) & set(ddil))
if seeds:
    ratio = sum(ddil[s] for s in seeds) / sum(base[s] for s in seeds)
    print(round(300 * ratio), len(seeds))
EOF
)
    if [ -n "$steps" ]; then
      if [ "${steps#* }" = planned ]; then
        echo "equal wall clock: LCM for ${steps% *} steps (the plan its summaries were trained to)"
      else
        echo "equal wall clock: LCM for ${steps% *} steps (timed on ${steps#* } seed(s) of both arms)"
      fi
      arm lcm-equal-wall-clock lcm 0,1,2,3,4 --set "train.steps=${steps% *}"
    else
      echo "equal wall clock: waits for a seed both lcm and lcm-ddil trained here" >&2
    fi
  fi
  if [ -f "$out/lcm-equal-wall-clock/configs.txt" ]; then
    configs lcm-equal-wall-clock 0 | sed 's/^/train /' | run_queue
    reproduces lcm-equal-wall-clock && reused+=(lcm-equal-wall-clock)
    other_seeds lcm-equal-wall-clock | run_queue
  fi
fi

# The regime map (docs/results.md, "Where the shift is"): 2-D checkerboard students of LCM and
# DMD2 over N in {2, 4, 8}, guidance {1, 3, 6}, beta in {(1,0,0), (0,0,1), (0.5,0.25,0.25),
# (0,0.5,0.5)} and student rollouts fresh at every step (on-policy) or from a buffer refreshed
# every 50 steps, 10 seeds per cell; beta = (1,0,0) has no rollouts to refresh: one arm.
map_arms=()
for m in lcm dmd2; do for g in 1 3 6; do map_arms+=("map-$m-w$g-data" "map-$m-w$g-ddil"); done; done
map_seeds=0,1,2,3,4,5,6,7,8,9
if has map; then
  for m in lcm dmd2; do
    for g in 1 3 6; do
      guidance=(--set "distill.guidance.scale=$g")
      [ $m = lcm ] && guidance+=(--set "distill.lcm.w_min=$g" --set "distill.lcm.w_max=$g")
      mapcfg="$here/configs/toy/distill/map/$m.json"
      [ -f "$out/map-$m-w$g-data/configs.txt" ] || "$ddil" sweep "$mapcfg" --set "seed=$map_seeds" \
        --set distill.student_steps=2,4,8 "${guidance[@]}" --out "$out/map-$m-w$g-data" > /dev/null
      [ -f "$out/map-$m-w$g-ddil/configs.txt" ] || "$ddil" sweep "$mapcfg" --set "seed=$map_seeds" \
        --set distill.student_steps=2,4,8 "${guidance[@]}" \
        --set 'distill.ddil.beta=[0,0,1],[0.5,0.25,0.25],[0,0.5,0.5]' \
        --set distill.ddil.student_rollouts=fresh,buffered --out "$out/map-$m-w$g-ddil" > /dev/null
    done
  done
  # Seed by seed, so a partial map has every cell at the same number of seeds; runs already in
  # docs/results/map/runs.csv (trained in an earlier sitting, maybe elsewhere) are not retrained.
  summarised() { [ -f "$results/map/runs.csv" ] && cut -d, -f12 "$results/map/runs.csv"; }
  for s in ${map_seeds//,/ }; do
    for a in "${map_arms[@]}"; do configs "$a" "$s" | sed 's/^/train /'; done
  done | { grep -v -F -f <(summarised | sed 's|^|/|; s|$|.json|') || true; } | run_queue
fi

if has table; then
  cd "$here" # the tables name the evaluation-noise run relative to the repository
  # A summary whose run is no longer among its arm's configs (the arm was planned anew, e.g. the
  # equal-wall-clock arm at another step count) goes, so no table mixes two plans.
  for list in "$out"/*/configs.txt; do
    a=$(basename "$(dirname "$list")")
    for summary in "$results/runs/$a"/*/; do
      [ -d "$summary" ] || continue
      grep -qF "/$(basename "$summary").json" "$list" && continue
      rm -r "$summary"
      echo "removed $summary: not among the configs of $a"
    done
  done
  # Summaries of the finished runs: what `ddil table` and the shift plot read.
  for dir in "$out"/*/fashion-mnist-*/; do
    dir=${dir%/}
    finished "$dir" && summarise "$dir"
  done
  # Relative to the repository, as the CSVs' folders column names them.
  # The folders among its arguments, one per line: a glob that matched nothing (an arm not run
  # yet, or all its runs removed above) adds none, and ends no list under set -e.
  folders() {
    local d
    for d in "$@"; do [ -d "$d" ] && echo "$d"; done
    return 0
  }
  summaries() { for a in "$@"; do folders "docs/results/runs/$a"/*/; done; }
  table() { # NAME ARM... : docs/results/NAME.md and .csv
    local name=$1 extra=()
    shift
    [ "$name" != main ] && extra=(--no-teacher)
    if [ "$name" = main ]; then
      extra=(--shift-plot "$here/docs/shift.png")
      # The evaluation noise of LCM's seed-0 checkpoint, once that run is here.
      local noise
      noise=$([ -f "$out/lcm/configs.txt" ] && configs lcm 0 | sed 's/\.json$//') || true
      if [ -n "$noise" ] && finished "$noise"; then
        extra+=(--eval-noise "$(realpath --relative-to="$here" "$noise")")
      fi
    fi
    mapfile -t dirs < <(summaries "$@")
    # Runs of fewer than two configs apart from their seed, i.e. fewer than two rows (a partial
    # reproduction: the queue trains every arm's seed 0 before any other seed; dmd2-gan and
    # dmd2-gan-seeds are one row): nothing to compare, so no table, and none from an earlier
    # plan left for the page to read.
    local rows
    rows=$(for d in "${dirs[@]}"; do basename "$d"; done | sed -E 's/-seed=[0-9]+//' | sort -u | wc -l)
    if [ "$rows" -lt 2 ]; then
      rm -f "$results/$name.md" "$results/$name.csv" "$results/$name-delta.png"
      return 0
    fi
    "$ddil" table "${dirs[@]}" --group-seeds --delta fid,coverage,imitation_rmse \
      --markdown "$results/$name.md" --delta-plot "$results/$name-delta.png" \
      --csv "$results/$name.csv" --threads "$(nproc)" "${extra[@]}" > /dev/null
    echo "wrote $results/$name.md"
  }
  table main pd pd-reflected pd-ddil pd-ddil-reflected pd-step0 lcm lcm-reflected lcm-ddil \
    lcm-ddil-reflected lcm-step0 dmd2 dmd2-reflected dmd2-ddil dmd2-ddil-reflected \
    dmd2-ddil-critic-student dmd2-step0 dmd2-no-backward-simulation dmd2-gan dmd2-ddil-dagger
  # Reflection within DDIL: each method's DDIL arm is the baseline of its reflected arm.
  table reflection pd-ddil pd-ddil-reflected lcm-ddil lcm-ddil-reflected dmd2-ddil \
    dmd2-ddil-reflected
  table two-step-guidance4 "${two_step_arms[@]}"
  # With the GAN term: only when its 5-seed arms were run (seed 0 of dmd2-gan helped). The term
  # against DMD2 without it; then DDIL against DMD2 with it (the method's first row).
  if [ -d docs/results/runs/dmd2-gan-seeds ]; then
    table gan dmd2 dmd2-gan dmd2-gan-seeds
    table gan-ddil dmd2-gan dmd2-gan-seeds dmd2-ddil-gan
  fi
  table promising-cell promising-cell promising-cell-ddil
  # The numbers behind docs/shift.png: the seed-0 runs' diagnostics as Markdown.
  mapfile -t diagnosed < <(for a in "${main_arms[@]}"; do
    folders "$results/runs/$a"/*-seed=0; done)
  [ ${#diagnosed[@]} -gt 0 ] && python3 "$here/scripts/diagnosis-tables.py" "${diagnosed[@]}" \
    > "$results/shift.md" && echo "wrote $results/shift.md"
  table equal-wall-clock lcm-equal-wall-clock lcm-ddil
  table source-ablation dmd2 dmd2-ddil dmd2-ddil-ablation
  table guidance4 lcm-guidance4 lcm-ddil-guidance4
  table long lcm-1000-steps lcm-ddil-1000-steps
  # The regime map: one line per finished map run (docs/results/map/runs.csv, in git), then its
  # heat maps and tables from that file.
  if [ -d "$out/map-lcm-w1-data" ]; then
    mapfile -t mapdirs < <(for a in "${map_arms[@]}"; do
      folders "$out/$a"/map-*/; done)
    mkdir -p "$results/map"
    python3 "$here/scripts/regime_map.py" collect --merge "$results/map/runs.csv" "${mapdirs[@]}" \
      > "$results/map/runs.csv.part"
    mv "$results/map/runs.csv.part" "$results/map/runs.csv"
  fi
  if [ -f "$results/map/runs.csv" ]; then
    python3 "$here/scripts/regime_map.py" report "$results/map/runs.csv" "$results/map"
    echo "wrote $results/map/map.md"
  fi
  # The compute: this reproduction's tasks (timing.tsv), and the training time of the summaries
  # kept from earlier sittings (their state.json; the map's runs by their runs.csv line).
  python3 - "$out/timing.tsv" "$results/runs" "$out" "$results/map/runs.csv" << 'EOF' \
    | tee "$results/compute.txt"
import csv, glob, json, os, sys
hours = {"train": 0, "train-stopped": 0, "diagnose": 0, "map": 0}
tasks = 0
timing = open(sys.argv[1]).readlines() if os.path.exists(sys.argv[1]) else []
timed = set()
for kind, name, seconds in csv.reader(timing, delimiter="\t"):
    tasks += 1
    timed.add(name)
    hours["map" if name.startswith("map-") else kind] += int(seconds) / 3600
kept, kept_hours = 0, 0.0
for state in glob.glob(os.path.join(sys.argv[2], "*", "*", "state.json")):
    arm, run = state.split(os.sep)[-3:-1]
    if not os.path.isdir(os.path.join(sys.argv[3], arm, run)):
        kept += 1
        kept_hours += json.load(open(state)).get("elapsed_seconds", 0) / 3600
map_kept, map_hours = 0, 0.0
if os.path.exists(sys.argv[4]):
    for row in csv.DictReader(open(sys.argv[4])):
        if os.path.basename(row["folder"].rstrip("/")) not in timed:
            map_kept += 1
            map_hours += float(row["elapsed"]) / 3600
print(f"compute: {sum(hours.values()):.1f} h of task wall time in this reproduction, {tasks} tasks: "
      f"Fashion-MNIST training {hours['train'] + hours['train-stopped']:.1f} h (of which "
      f"{hours['train-stopped']:.1f} h in runs stopped and resumed later), diagnostics "
      f"{hours['diagnose']:.1f} h, the regime map {hours['map']:.1f} h; kept from earlier sittings: "
      f"{kept} runs' summaries, {kept_hours:.1f} h of training by their state.json, and "
      f"{map_kept} regime-map runs, {map_hours:.1f} h by their runs.csv line")
EOF
  # The page itself, from those tables (scripts/results_page.py, template docs/results.md.in).
  python3 "$here/scripts/results_page.py" "$results" "$here/docs/results.md.in" > "$here/docs/results.md.part"
  mv "$here/docs/results.md.part" "$here/docs/results.md"
  echo "wrote docs/results.md"
fi
