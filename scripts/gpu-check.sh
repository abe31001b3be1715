#!/usr/bin/env bash
# The GPU check: on a machine with a CUDA LibTorch (PyTorch 2.x's) and none of Debian's packages,
# build the headless core, the ddil CLI, the benchmarks and the Qt-free GPU tests against a
# dependency bundle made on the Debian machine (packaging/gpu/bundle-deps.sh), then measure, in
# one unattended run of a few minutes, and write every number to one Markdown report:
#   - the tests labelled gpu (they skip without CUDA)
#   - `ddil eval` of the shipped teacher at 4 and 50 steps (2,000 samples)
#   - the training step at batch 64 / 256 / 1024 beside the PyTorch reference (eager and
#     torch.compile), benchmarks/reference/compare.sh
#   - the Fashion-MNIST LCM + DDIL preset, trained and evaluated
#   - a one-rank NCCL and a two-rank Gloo run under torchrun
#   - the run's TensorBoard file read back by the tensorboard package (when Python has it)
#
#   scripts/gpu-check.sh BUNDLE [REPORT]     (make gpu-check BUNDLE=...)
#
# BUNDLE: the bundle folder or its .tar.gz. REPORT: default build-gpu/gpu-report.md (and a copy
# in $OUT when that is set, as on the lent GPU machine). LibTorch: $Torch_DIR, else the torch of
# Python ($PYTHON, else the first of python3 and /usr/bin/python3 that has torch;
# torch.utils.cmake_prefix_path). DDIL_GPU_CHECK_DEVICE=cpu runs the same steps on the CPU with
# smaller sizes (a dry run of the script on the Debian machine: Torch_DIR=/usr/lib/x86_64-linux-
# gnu/cmake/Torch and Debian's python3-torch). Each step has a time limit; the whole check is
# sized for under 8 minutes on the H200 machine (16 cores).
set -uo pipefail
bundle=${1:?usage: scripts/gpu-check.sh BUNDLE [REPORT]}
bundle=$(realpath "$bundle")
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" # the presets name the shipped weights relative to the source tree
build="$here/build-gpu"
report=${2:-$build/gpu-report.md}
device=${DDIL_GPU_CHECK_DEVICE:-cuda}
python=${PYTHON:-}
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import torch' 2> /dev/null; then python=$p; break; fi
  done
  python=${python:-python3}
fi
mkdir -p "$build"
started=$SECONDS
log="$build/gpu-check.log"
: > "$log"

section() { printf '\n## %s\n\n' "$1" >> "$report"; }
note() { printf '%s\n' "$*" >> "$report"; }
fail() {
  note "**Stopped:** $*"
  echo "gpu-check: $* (see $log)" >&2
  finish 1
}
finish() {
  note ""
  note "Total: $((SECONDS - started)) s."
  [ -n "${OUT:-}" ] && cp "$report" "$log" "$OUT/" 2> /dev/null
  echo "gpu-check: report in $report"
  exit "${1:-0}"
}
# timed LIMIT COMMAND...: the command's output to the log; its wall time in seconds on stdout.
# Fails when the command fails or runs past LIMIT seconds.
timed() {
  local t0=$SECONDS limit=$1
  shift
  timeout "$limit" "$@" >> "$log" 2>&1 || return 1
  echo $((SECONDS - t0))
}

# --- The bundle and LibTorch ------------------------------------------------------------------
if [ -f "$bundle" ]; then
  mkdir -p "$build/deps"
  tar xzf "$bundle" -C "$build/deps" || { echo "gpu-check: cannot unpack $bundle" >&2; exit 1; }
  deps=$(dirname "$(find "$build/deps" -name imgcodecs_stb.cpp | head -1)")
else
  deps=$(cd "$bundle" && pwd)
fi
[ -f "$deps/imgcodecs_stb.cpp" ] || { echo "gpu-check: $bundle is not a bundle of packaging/gpu/bundle-deps.sh" >&2; exit 1; }
torch_dir=${Torch_DIR:-}
if [ -z "$torch_dir" ]; then
  prefix=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2> /dev/null) \
    || { echo "gpu-check: no Torch_DIR and no torch in $python" >&2; exit 1; }
  torch_dir="$prefix/Torch"
fi
export LD_LIBRARY_PATH="$deps/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

{
  echo "# GPU check"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$here" rev-parse --short HEAD 2> /dev/null || echo unknown)."
  echo
  echo "| what | value |"
  echo "|---|---|"
  echo "| device | $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2> /dev/null | head -1 || echo none) |"
  echo "| CPU cores | $(nproc) |"
  echo "| PyTorch | $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2> /dev/null || echo "not importable") |"
  echo "| LibTorch CMake folder | $torch_dir |"
  echo "| compiler | $(${CXX:-g++} --version | head -1) |"
} > "$report"

# --- Build --------------------------------------------------------------------------------------
section "Build"
if [ ! -f "$deps/lib/libopencv_imgcodecs.so" ]; then
  ${CXX:-g++} -O2 -shared -fPIC -I"$deps/include/opencv4" -I"$deps/include" \
    "$deps/imgcodecs_stb.cpp" -o "$deps/lib/libopencv_imgcodecs.so" -L"$deps/lib" \
    -l:libopencv_core.so.406 -l:libopencv_imgproc.so.406 >> "$log" 2>&1 \
    || fail "the imgcodecs stand-in did not build"
fi
zlib=$(ldconfig -p | awk '/libz\.so\.1 / { print $NF; exit }')
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
configure=$(timed 120 cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DDDIL_BUILD_GUI=OFF -DDDIL_BUILD_TESTS=OFF -DDDIL_BUILD_GPU_TESTS=ON \
  -DTorch_DIR="$torch_dir" -DOpenCV_DIR="$deps/cmake/OpenCV" \
  -DCLI11_DIR="$deps/share/cmake/CLI11" -Dnlohmann_json_DIR="$deps/share/cmake/nlohmann_json" \
  -DZLIB_INCLUDE_DIR="$deps/include" -DZLIB_LIBRARY="$zlib" \
  -DProtobuf_INCLUDE_DIR="$deps/include" -DProtobuf_LIBRARY="$deps/lib/libprotobuf.so" \
  -DProtobuf_LITE_LIBRARY="$deps/lib/libprotobuf-lite.so" \
  -DProtobuf_PROTOC_EXECUTABLE="$deps/bin/protoc" -DISAL_INCLUDE_DIR="$deps/include" \
  -DISAL_LIBRARY="$deps/lib/libisal.so" -DDDIL_GLOO_INCLUDE_DIR="$deps/include" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$deps/lib -Wl,-rpath,$deps/lib") \
  || fail "cmake could not configure (the log has its message)"
compile=$(timed 300 cmake --build "$build" --parallel "$(nproc)") || fail "the build failed"
note "Configured in $configure s, built (core, ddil, benchmarks, GPU tests) in $compile s on $(nproc) cores."
ddil="$build/app/ddil"
"$ddil" --version >> "$report" 2>&1

# --- Tests labelled gpu ---------------------------------------------------------------------
section "Tests labelled gpu"
[ "$device" = cpu ] && export DDIL_GPU_TESTS_ON_CPU=1 # their checks with the CPU as the device
(cd "$build" && ctest -L gpu --timeout 180 --output-on-failure) >> "$log" 2>&1
tests_rc=$?
note '```'
(cd "$build" && ctest -L gpu -N | tail -1) >> "$report"
grep -E "tests passed|Test +#" "$log" | tail -20 >> "$report"
note '```'

# --- Evaluation ---------------------------------------------------------------------------------
samples=2000
[ "$device" = cpu ] && samples=200 # the Fréchet distance needs more than 128
section "ddil eval of the shipped teacher ($samples samples)"
data="$deps/data/fashion-mnist"
export DDIL_FASHION_MNIST_DIR="$data"
note "| steps | FID (evaluator features) | wall (s) | images/s |"
note "|---:|---:|---:|---:|"
for steps in 4 50; do
  t0=$(date +%s.%N)
  if timeout 120 "$ddil" eval --checkpoint "$here/resources/weights/fashion-mnist-teacher.safetensors" \
    --steps "$steps" --samples "$samples" --device "$device" > "$build/eval-$steps.json" 2>> "$log"; then
    t1=$(date +%s.%N)
    "$python" - "$build/eval-$steps.json" "$t0" "$t1" "$steps" "$samples" >> "$report" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"| {sys.argv[4]} | {d['metrics']['fid']:.3f} | {wall:.1f} | {int(sys.argv[5]) / wall:.0f} |")
PY
  else
    note "| $steps | failed (see the log) | | |"
  fi
done

# --- Training speed against the PyTorch reference -----------------------------------------------
section "Training step against the PyTorch reference"
# torch.compile compiles for each batch shape (about a minute): at batch 256 only.
batches="64 256 1024" compiled=256 steps=50
[ "$device" = cpu ] && batches="64" compiled="" steps=5
compare() { # LIMIT ARGS...: one table of compare.sh
  local limit=$1
  shift
  timeout "$limit" bash "$here/benchmarks/reference/compare.sh" "$build" --device "$device" \
    --steps "$steps" --python "$python" "$@" >> "$report" 2>> "$log" \
    || note "compare.sh $* failed or ran past $limit s (see the log)."
  note ""
}
compare 150 --batches "$batches"
[ -n "$compiled" ] && compare 150 --batches "$compiled" --compile
compare 90 --batches "${compiled:-64}" --precision bf16

# --- The LCM + DDIL preset ----------------------------------------------------------------------
section "configs/fashion-mnist/distill/lcm-ddil.json"
rm -rf "$build/runs"
preset="$here/configs/fashion-mnist/distill/lcm-ddil.json"
if [ "$device" = cpu ]; then # a few steps and a small evaluation: the dry run's
  preset="$build/lcm-ddil-short.json"
  printf '{ "schema_version": 1, "extends": "%s", "train": { "steps": 10, "log_every": 5 },\n  "eval": { "count": 200, "imitation_samples": 20 } }\n' \
    "$here/configs/fashion-mnist/distill/lcm-ddil.json" > "$preset"
fi
preset_wall=$(timed 180 "$ddil" run "$preset" --out "$build/runs/lcm-ddil" --device "$device" --quiet) \
  || note "The preset run failed or ran past 180 s (see the log)."
if [ -f "$build/runs/lcm-ddil/metrics.jsonl" ]; then
  "$python" - "$build/runs/lcm-ddil/metrics.jsonl" "${preset_wall:-?}" >> "$report" << 'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
train = [r for r in rows if "train/loss" in r]
fid = next((r["eval/fid"] for r in reversed(rows) if "eval/fid" in r), None)
print(f"{train[-1]['step'] if train else 0} steps (training {train[-1]['elapsed'] if train else 0:.1f} s)"
      f" and the final evaluation in {sys.argv[2]} s in all"
      + (f"; FID (evaluator features) {fid:.3f}" if fid is not None else "; no FID logged") + ".")
PY
fi

# --- Data parallel under torchrun ---------------------------------------------------------------
section "Data parallel under torchrun"
small="$build/toy-ddp.json"
"$python" - "$here/configs/toy/checkerboard-teacher.json" "$small" << 'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["train"]["steps"] = 200
c["train"]["checkpoint_every"] = 0
json.dump(c, open(sys.argv[2], "w"))
PY
note "| ranks | backend | device | wall (s) | result |"
note "|---:|---|---|---:|---|"
# --redirects/--tee: Debian's torchrun 1.13 fails without them (benchmarks/ddp_scaling.sh).
# ddil-torchrun: torchrun, with the classic store where this PyTorch has no libuv (Debian's 2.6).
ddp() { # RANKS BACKEND DEVICE
  local out="$build/runs/ddp-$1-$2" wall
  if wall=$(timed 120 "$python" "$here/scripts/ddil-torchrun" --standalone --nproc_per_node "$1" \
    --redirects 1 --tee 1 --no_python "$ddil" run "$small" --out "$out" --device "$3"); then
    local sw
    sw=$(grep -o '"eval/sliced_wasserstein":[0-9.e+-]*' "$out/metrics.jsonl" | tail -1 | cut -d: -f2)
    [ -n "$sw" ] && sw=$(printf '%.4f' "$sw")
    note "| $1 | $2 | $3 | $wall | $(grep -o "data parallel: [^)]*)" "$log" | tail -1); sliced W1 ${sw:-?} |"
  else
    note "| $1 | $2 | $3 | | failed (see the log) |"
  fi
}
if [ "$device" = cuda ]; then ddp 1 nccl cuda; fi
ddp 2 gloo cpu

# --- TensorBoard read-back --------------------------------------------------------------------
section "TensorBoard file read back"
events=$(ls "$build"/runs/lcm-ddil/events.out.tfevents.* 2> /dev/null | head -1)
if [ -z "$events" ]; then
  note "No event file (the preset run failed)."
elif "$python" -c 'import tensorboard' 2> /dev/null; then
  "$python" - "$events" >> "$report" 2>> "$log" << 'PY' || note "The tensorboard package could not read it (see the log)."
import sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0})
acc.Reload()
tags = acc.Tags()
scalars = tags.get("scalars", [])
points = {len(acc.Scalars(t)) for t in scalars}
print(f"{len(scalars)} scalar tags ({', '.join(str(p) for p in sorted(points))} points each), "
      f"image tags: {', '.join(tags.get('images', [])) or 'none'}.")
PY
else
  note "Python has no tensorboard package: not read back."
fi

[ $tests_rc -eq 0 ] || fail "a test labelled gpu failed"
finish 0
