#!/usr/bin/env python3
"""The numbers behind docs/shift.png as Markdown: one table of the per-step shift (Fréchet
distances in evaluator features and of raw states, the relative loss gap) and one of the
intervention sweep (the teacher taking over steps of the student's sampling), from the
diagnose.json of each run folder given (`ddil diagnose` output; folders without one are skipped).

    scripts/diagnosis-tables.py RUN_DIR... > docs/results/shift.md
"""
import json
import os
import re
import sys


def fmt(value, decimals=2, sign=False):
    if value is None:
        return "–"
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def load(run_dir):
    path = os.path.join(run_dir, "diagnose.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        diagnosis = json.load(f)
    if "shift" not in diagnosis:
        sys.exit(f"{path}: not the output of `ddil diagnose` (no \"shift\")")
    name = os.path.basename(os.path.normpath(run_dir))
    config = os.path.join(run_dir, "config.json")
    if os.path.exists(config):
        with open(config) as f:
            name = json.load(f).get("name", name)
    return re.sub(r"-seed=\d+", "", name.removeprefix("fashion-mnist-")), diagnosis


def main(run_dirs):
    runs = [r for r in (load(d) for d in run_dirs) if r]
    if not runs:
        sys.exit("no diagnose.json in the folders given")
    print("| student | k | τ | FD S–F | FD S–T | FD T–F | floor | raw FD S–F | raw FD S–T | "
          "raw floor | loss gap (rel.) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, d in runs:
        for step in d["shift"]:
            if step["k"] == d["student_steps"]:
                continue  # pure noise: S = T = F by construction
            fd, raw, loss = step.get("fd", {}), step.get("rawfd", {}), step.get("loss")
            gap = loss["gap"] / abs(loss["f"]) if loss and loss.get("f") else None
            print(f"| {name} | {step['k']} | {step['tau']:.2f} | {fmt(fd.get('sf'))} | "
                  f"{fmt(fd.get('st'))} | {fmt(fd.get('tf'))} | {fmt(fd.get('floor'))} | "
                  f"{fmt(raw.get('sf'))} | {fmt(raw.get('st'))} | {fmt(raw.get('floor'))} | "
                  f"{fmt(gap, 3, sign=True)} |")
    swept = [(name, d) for name, d in runs if d.get("intervention")]
    if not swept:
        return
    print()
    print("| student | teacher takes | teacher share of steps | FID | coverage | Δ FID vs student |")
    print("|---|---|---:|---:|---:|---:|")
    for name, d in swept:
        alone = next((e for e in d["intervention"]
                      if e.get("teacher_share", 1) == 0 and "fid" in e), None)
        for e in d["intervention"]:
            if "first_steps" in e:
                what = f"first {e['first_steps']} step(s)"
            else:
                what = f"each step with p = {e['p_teach']:.2f}"
            delta = e["fid"] - alone["fid"] if alone and "fid" in e else None
            print(f"| {name} | {what} | {e['teacher_share']:.2f} | {fmt(e.get('fid'))} | "
                  f"{fmt(e.get('coverage'), 3)} | {fmt(delta, 2, sign=True)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
