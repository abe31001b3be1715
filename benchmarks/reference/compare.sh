#!/usr/bin/env bash
# The C++ training step against the PyTorch reference (train_step.py: the same UNet, loss,
# AdamW, clipping and EMA) on this machine, the same batch and thread count: one Markdown row per
# batch with both rates and their ratio (C++ / PyTorch, above 1: C++ faster).
#
#   benchmarks/reference/compare.sh BUILD_DIR [--device cpu|cuda] [--threads T] [--steps N]
#       [--batches "64 256 1024"] [--python PYTHON] [--compile] [--precision fp32|bf16]
#
# Defaults: the CPU, every core, 20 steps after 3 warm-up steps, batches 64 256 1024, the first of
# python3 and /usr/bin/python3 that has torch (Debian: python3-torch).
# --compile adds torch.compile's rate (PyTorch 2.x) as a third column; --precision bf16 autocasts
# the forward pass on both sides (runtime.precision).
set -euo pipefail
build=${1:?usage: compare.sh BUILD_DIR [--device D] [--threads T] [--steps N] [--batches "B..."]}
shift
here=$(cd "$(dirname "$0")" && pwd)
device=cpu threads=$(nproc) steps=20 batches="64 256 1024" python= compile=0 precision=fp32
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --compile) compile=1; shift ;;
    --precision) precision=$2; shift 2 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import torch' 2> /dev/null; then python=$p; break; fi
  done
  [ -n "$python" ] || { echo "compare.sh: no python3 with torch (Debian: python3-torch)" >&2; exit 1; }
fi
bench="$build/benchmarks/ddil_bench_throughput"
[ -x "$bench" ] || { echo "compare.sh: $bench not built (make build)" >&2; exit 1; }
config=$(mktemp --suffix=.json)
trap 'rm -f "$config"' EXIT
# The teacher preset on the requested device.
sed "s/\"device\": \"auto\"/\"device\": \"$device\"/" \
  "$here/../../configs/fashion-mnist/teacher.json" > "$config"
rate() { "$1" -c 'import json, sys; print("%.1f" % json.load(sys.stdin)["images_per_second"])'; }
echo "$("$python" -c 'import torch; print("PyTorch", torch.__version__)'), $device, $threads threads, $steps steps, $precision:"
echo
header="| batch | C++ images/s | PyTorch eager images/s | C++ / eager |"
rule="|---:|---:|---:|---:|"
[ "$compile" = 1 ] && header="$header torch.compile images/s | C++ / compiled |" && rule="$rule---:|---:|"
echo "$header"; echo "$rule"
for b in $batches; do
  cpp=$(OMP_WAIT_POLICY=PASSIVE "$bench" "$config" --batch "$b" --train-steps "$steps" \
    --threads "$threads" --train-only --precision "$precision" | awk -F'|' '/training, batch/ { gsub(/ /, "", $3); print $3 }')
  ref=$("$python" "$here/train_step.py" "$config" --batch "$b" --steps "$steps" \
    --threads "$threads" --device "$device" --precision "$precision" | rate "$python")
  row="| $b | $cpp | $ref | $(awk -v a="$cpp" -v b="$ref" 'BEGIN { printf "%.2f×", a / b }') |"
  if [ "$compile" = 1 ]; then
    comp=$("$python" "$here/train_step.py" "$config" --batch "$b" --steps "$steps" \
      --threads "$threads" --device "$device" --precision "$precision" --compile | rate "$python")
    row="$row $comp | $(awk -v a="$cpp" -v b="$comp" 'BEGIN { printf "%.2f×", a / b }') |"
  fi
  echo "$row"
done
