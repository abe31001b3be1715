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
# python3 (torch.utils.cmake_prefix_path). DDIL_GPU_CHECK_DEVICE=cpu runs the same steps on the
# CPU with smaller sizes (a dry run of the script on the Debian machine).
set -uo pipefail
bundle=${1:?usage: scripts/gpu-check.sh BUNDLE [REPORT]}
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-gpu"
report=${2:-$build/gpu-report.md}
device=${DDIL_GPU_CHECK_DEVICE:-cuda}
python=${PYTHON:-python3}
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
# run TITLE COMMAND...: the command's output to the log; its wall time in seconds on stdout.
timed() {
  local t0=$SECONDS
  "$@" >> "$log" 2>&1 || return 1
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
configure=$(timed cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
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
compile=$(timed cmake --build "$build" --parallel "$(nproc)") || fail "the build failed"
note "Configured in $configure s, built (core, ddil, benchmarks, GPU tests) in $compile s on $(nproc) cores."
ddil="$build/app/ddil"
"$ddil" --version >> "$report" 2>&1

# --- Tests labelled gpu ---------------------------------------------------------------------
section "Tests labelled gpu"
(cd "$build" && ctest -L gpu --output-on-failure) >> "$log" 2>&1
tests_rc=$?
note '```'
(cd "$build" && ctest -L gpu -N | tail -1) >> "$report"
grep -E "tests passed|Test +#" "$log" | tail -20 >> "$report"
note '```'

# --- Evaluation ---------------------------------------------------------------------------------
section "ddil eval of the shipped teacher (2,000 samples)"
data="$deps/data/fashion-mnist"
export DDIL_FASHION_MNIST_DIR="$data"
note "| steps | FID (evaluator features) | wall (s) | images/s |"
note "|---:|---:|---:|---:|"
for steps in 4 50; do
  t0=$(date +%s.%N)
  if "$ddil" eval --checkpoint "$here/resources/weights/fashion-mnist-teacher.pt" --steps "$steps" \
    --samples 2000 --device "$device" > "$build/eval-$steps.json" 2>> "$log"; then
    t1=$(date +%s.%N)
    "$python" - "$build/eval-$steps.json" "$t0" "$t1" "$steps" >> "$report" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"| {sys.argv[4]} | {d['metrics']['fid']:.3f} | {wall:.1f} | {2000 / wall:.0f} |")
PY
  else
    note "| $steps | failed (see the log) | | |"
  fi
done

# --- Training speed against the PyTorch reference -----------------------------------------------
section "Training step against the PyTorch reference"
batches="64 256 1024" compile_flag=(--compile) bf16_batches=256
[ "$device" = cpu ] && batches="64" compile_flag=() bf16_batches=64
bash "$here/benchmarks/reference/compare.sh" "$build" --device "$device" --batches "$batches" \
  --python "$python" "${compile_flag[@]}" >> "$report" 2>> "$log" \
  || note "compare.sh failed (see the log)."
note ""
bash "$here/benchmarks/reference/compare.sh" "$build" --device "$device" --batches "$bf16_batches" \
  --python "$python" --precision bf16 >> "$report" 2>> "$log" \
  || note "compare.sh with bf16 failed (see the log)."

# --- The LCM + DDIL preset ----------------------------------------------------------------------
section "configs/fashion-mnist/distill/lcm-ddil.json"
rm -rf "$build/runs"
preset_wall=$(timed "$ddil" run "$here/configs/fashion-mnist/distill/lcm-ddil.json" \
  --out "$build/runs/lcm-ddil" --device "$device" --quiet) || note "The preset run failed (see the log)."
if [ -f "$build/runs/lcm-ddil/metrics.jsonl" ]; then
  fid=$(grep -o '"eval/fid":[0-9.e+-]*' "$build/runs/lcm-ddil/metrics.jsonl" | tail -1 | cut -d: -f2)
  note "300 steps and the final evaluation in ${preset_wall:-?} s; FID (evaluator features) $fid."
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
ddp() { # RANKS BACKEND DEVICE
  local out="$build/runs/ddp-$1-$2" wall
  if wall=$(timed "$python" -m torch.distributed.run --standalone --nproc-per-node "$1" --no-python \
    "$ddil" run "$small" --out "$out" --device "$3" --quiet); then
    note "| $1 | $2 | $3 | $wall | $(grep -o "data parallel: [^)]*)" "$log" | tail -1) |"
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
