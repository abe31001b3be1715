#!/usr/bin/env python3
"""The summaries of scripts/reproduce-results.sh's Fashion-MNIST runs, docs/results/runs/ARM/RUN/:
what `ddil table` and the results page read. They are in git, so a reproduction that takes many
sittings carries over from one machine to the next: a run whose summary was trained by the
same training code is not trained again.

  run_summary.py code-id REPO DDIL THREADS   the id of the code that trains (stdout): the git
                                             tree of core/, app/, cmake/, configs/,
                                             resources/weights/ and CMakeLists.txt at HEAD, the
                                             `ddil --version` line without its build stamp, and
                                             the threads per run; nothing (exit 1) when those
                                             paths have uncommitted changes
  run_summary.py write RUN_DIR SUMMARY_DIR [CODE_ID]
                                             RUN_DIR's summary in SUMMARY_DIR (see below)
  run_summary.py trusted SUMMARY_DIR CODE_ID exit 0 when SUMMARY_DIR was trained by CODE_ID
  run_summary.py reproduced SUMMARY_DIR CODE_ID
                                             exit 0 when it also ended at the final evaluation
                                             of the summary it replaced
  run_summary.py self-test

A summary holds config.json, state.json, metrics.jsonl (the last training line and every
evaluation line), diagnose.json once diagnosed, and code.txt: the code id that trained it, then,
when the summary it replaced (trained by other code) ended at the same final evaluation (every
eval/ number to 1e-4, relative), a line `reproduces BUILD_ID` naming that summary's build. A run
trained with uncommitted training code gets no code.txt: nothing trusts it. Standard library only.
"""

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

CODE_PATHS = ["core", "app", "cmake", "configs", "resources/weights", "CMakeLists.txt"]


def code_id(repo, ddil, threads):
    git = ["git", "-C", repo]
    status = subprocess.run(git + ["status", "--porcelain", "--"] + CODE_PATHS,
                            capture_output=True, text=True, check=True).stdout
    if status.strip():
        return None
    tree = subprocess.run(git + ["ls-tree", "HEAD", "--"] + CODE_PATHS,
                          capture_output=True, text=True, check=True).stdout
    version = subprocess.run([ddil, "--version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    version = re.sub(r" \([^)]*\)", "", version)  # the build stamp: commit and date
    return f"{hashlib.sha1(tree.encode()).hexdigest()[:12]}, {version}, {threads} thread(s)"


def final_evaluation(metrics_path):
    """The eval/ numbers of the last evaluation line, or None."""
    try:
        with open(metrics_path) as f:
            lines = [json.loads(l) for l in f if '"eval/' in l]
    except (OSError, ValueError):
        return None
    if not lines:
        return None
    return {k: v for k, v in lines[-1].items()
            if k.startswith("eval/") and isinstance(v, (int, float))}


def same_evaluation(new, old):
    return (new is not None and old is not None and old.keys() <= new.keys()
            and all(math.isclose(new[k], v, rel_tol=1e-4, abs_tol=1e-9) for k, v in old.items()))


def read_code(summary):
    try:
        with open(os.path.join(summary, "code.txt")) as f:
            return [l.rstrip("\n") for l in f]
    except OSError:
        return []


def trusted(summary, code):
    lines = read_code(summary)
    return bool(code) and bool(lines) and lines[0] == code \
        and final_evaluation(os.path.join(summary, "metrics.jsonl")) is not None


def reproduced(summary, code):
    return trusted(summary, code) and any(l.startswith("reproduces ") for l in read_code(summary)[1:])


def write(run, summary, code):
    """run's summary in summary; an earlier summary is compared with, then replaced."""
    metrics = os.path.join(run, "metrics.jsonl")
    if code and trusted(summary, code):
        code_lines = read_code(summary)  # trained by this code before: keeps what it said
    elif code:
        code_lines = [code]
        old = final_evaluation(os.path.join(summary, "metrics.jsonl"))
        if same_evaluation(final_evaluation(metrics), old):
            try:
                with open(os.path.join(summary, "state.json")) as f:
                    build = json.load(f).get("build_id", "unknown build")
            except (OSError, ValueError):
                build = "unknown build"
            code_lines.append(f"reproduces {build}")
    else:
        code_lines = []
    with open(metrics) as f:
        lines = f.readlines()
    train = [l for l in lines if '"train/loss"' in l][-1:]
    evals = [l for l in lines if '"eval/' in l]
    os.makedirs(summary, exist_ok=True)
    for name in ("config.json", "state.json", "diagnose.json"):
        if os.path.exists(os.path.join(run, name)):
            shutil.copyfile(os.path.join(run, name), os.path.join(summary, name))
    with open(os.path.join(summary, "metrics.jsonl.part"), "w") as f:
        f.writelines(train + evals)
    os.replace(os.path.join(summary, "metrics.jsonl.part"), os.path.join(summary, "metrics.jsonl"))
    if code_lines:
        with open(os.path.join(summary, "code.txt"), "w") as f:
            f.write("".join(l + "\n" for l in code_lines))
    elif os.path.exists(os.path.join(summary, "code.txt")):
        os.remove(os.path.join(summary, "code.txt"))


def self_test():
    def run_folder(root, name, fid, elapsed=10.0):
        path = os.path.join(root, name)
        os.makedirs(path)
        for n in ("config.json", "state.json"):
            with open(os.path.join(path, n), "w") as f:
                json.dump({"build_id": f"{name} build"}, f)
        with open(os.path.join(path, "metrics.jsonl"), "w") as f:
            for step in (10, 20):
                f.write(json.dumps({"step": step, "elapsed": elapsed * step / 20,
                                    "train/loss": 0.5}) + "\n")
            f.write(json.dumps({"step": 20, "eval/fid": fid, "eval/coverage": 0.8}) + "\n")
        return path

    with tempfile.TemporaryDirectory() as root:
        summary = os.path.join(root, "summary")
        old = run_folder(root, "old", 2.0)
        write(old, summary, None)  # uncommitted code: a summary nothing trusts
        assert not os.path.exists(os.path.join(summary, "code.txt"))
        assert not trusted(summary, "A") and not trusted(summary, "")
        with open(os.path.join(summary, "metrics.jsonl")) as f:
            kept = [json.loads(l) for l in f]
        assert [l["step"] for l in kept] == [20, 20] and "train/loss" in kept[0]
        assert kept[0]["elapsed"] == 10.0 and kept[1]["eval/fid"] == 2.0

        # Code A reproduces the old summary (FID within 1e-4 relative), code B does not.
        write(run_folder(root, "a", 2.0 * (1 + 5e-5)), summary, "A")
        assert trusted(summary, "A") and reproduced(summary, "A")
        assert read_code(summary) == ["A", "reproduces old build"]
        assert not trusted(summary, "B")
        write(run_folder(root, "a-again", 2.0), summary, "A")  # the same code again keeps its line
        assert read_code(summary) == ["A", "reproduces old build"]
        write(run_folder(root, "b", 2.0 * (1 + 3e-4)), summary, "B")
        assert trusted(summary, "B") and not reproduced(summary, "B") and not trusted(summary, "A")

        # A summary whose run has no final evaluation is trusted by nobody.
        with open(os.path.join(summary, "metrics.jsonl"), "w") as f:
            f.write('{"step": 20, "train/loss": 0.5}\n')
        assert not trusted(summary, "B")

        assert same_evaluation({"eval/fid": 1.0, "eval/kid": 2.0}, {"eval/fid": 1.00005})
        assert not same_evaluation({"eval/kid": 2.0}, {"eval/fid": 1.0})
        assert not same_evaluation(None, {"eval/fid": 1.0})
    print("run_summary self-test: ok")


def main(argv):
    if argv[1:] == ["self-test"]:
        self_test()
        return 0
    if len(argv) == 5 and argv[1] == "code-id":
        code = code_id(argv[2], argv[3], argv[4])
        if code is None:
            return 1
        print(code)
        return 0
    if len(argv) in (4, 5) and argv[1] == "write":
        write(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
        return 0
    if len(argv) == 4 and argv[1] in ("trusted", "reproduced"):
        return 0 if (trusted if argv[1] == "trusted" else reproduced)(argv[2], argv[3]) else 1
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
