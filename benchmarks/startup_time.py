#!/usr/bin/env python3
"""Seconds from `ddil run CONFIG` starting to its training loop (config resolved, teacher and data
loaded, the trainer built) and to the end of its first optimiser step, REPEATS times; the run is
killed after its first step. Prints one JSON object.

    benchmarks/startup_time.py BUILD_DIR/app/ddil CONFIG [REPEATS]
"""
import json
import re
import signal
import subprocess
import sys
import tempfile
import time


def measure(ddil, config):
    with tempfile.TemporaryDirectory() as folder:
        start = time.monotonic()
        process = subprocess.Popen(
            [ddil, "run", config, "--out", folder + "/run"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        loop = first = None
        for line in process.stdout:
            now = time.monotonic() - start
            if loop is None and line.startswith("training "):
                loop = now
            elif loop is not None and re.search(r"\b1/\d+\b", line):
                first = now
                break
        process.send_signal(signal.SIGKILL)
        process.wait()
        if loop is None or first is None:
            sys.exit("ddil run did not reach its first step")
        return loop, first


def main():
    ddil, config = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    runs = [measure(ddil, config) for _ in range(repeats)]
    print(json.dumps({
        "config": config,
        "to_training_loop_s": [round(loop, 3) for loop, _ in runs],
        "to_first_step_done_s": [round(first, 3) for _, first in runs],
    }, indent=2))


if __name__ == "__main__":
    main()
