#!/usr/bin/env bash
# Data-parallel scaling on this machine: the same global batch trained by one process (1 and
# 2 threads) and by two torchrun ranks of one thread each. Prints the training time of each
# (the `elapsed` of its last metrics line) and its last loss. Usage:
#   benchmarks/ddp_scaling.sh [BUILD_DIR] [STEPS]
set -euo pipefail
build=${1:-build}
steps=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
ddil=$(cd "$build" && pwd)/app/ddil
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DDIL_SOURCE_DIR=$root

config() { # BATCH -> a Fashion-MNIST LCM + DDIL config with that per-rank batch
  cat > "$work/b$1.json" <<JSON
{ "schema_version": 1, "extends": "$root/configs/fashion-mnist/distill/lcm-ddil.json",
  "name": "ddp-scaling", "train": { "steps": $steps, "batch_size": $1, "log_every": 10,
  "checkpoint_every": 0 }, "eval": { "every": 0, "count": 1000 } }
JSON
  echo "$work/b$1.json"
}
report() { # LABEL RUN_DIR
  python3 - "$1" "$2/metrics.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[2])]
last = [l for l in lines if "train/loss" in l][-1]
print(f"| {sys.argv[1]} | {last['elapsed']:.1f} s | {last['train/loss']:.6f} |")
PY
}

echo "| launch ($steps steps, global batch 32) | training time | last loss |"
echo "|---|---|---|"
"$ddil" run "$(config 32)" --out "$work/one-1" --threads 1 --quiet > /dev/null
report "1 process, 1 thread" "$work/one-1"
"$ddil" run "$(config 32)" --out "$work/one-2" --threads 2 --quiet > /dev/null
report "1 process, 2 threads" "$work/one-2"
port=$((29000 + RANDOM % 1000))
"$(dirname "$0")/../scripts/ddil-torchrun" --no_python --nproc_per_node 2 --redirects 1 --tee 1 --master_port "$port" \
  "$ddil" run "$(config 16)" --out "$work/two" --threads 1 --quiet > /dev/null 2>&1
report "torchrun, 2 ranks x batch 16, 1 thread each" "$work/two"
