#!/usr/bin/env python3
"""The regime map of docs/results.md: where DDIL changes 2-D students, and how much covariate
shift those students show.

  regime_map.py collect [--merge CSV] RUN_DIR...
                                        one CSV line per finished map run (stdout), after
                                        the lines of CSV whose runs are not among RUN_DIR
  regime_map.py report RUNS_CSV OUT_DIR map.md, effect-<method>.svg, shift-<method>.svg
  regime_map.py promising RUNS_CSV      the cell where DDIL helps most (Holm p < 0.05): its
                                        method, then two lines of `ddil sweep --set` settings
                                        (the base method's, then DDIL's); nothing if none
  regime_map.py self-test               the statistics against hand-computed examples

A cell is (method, student steps N, guidance w, beta, student rollouts). Its effect is the
difference of the final sliced Wasserstein distance to data (lower is better) to the cell
trained on data states alone (beta = (1, 0, 0)) with the same method, N and w, paired by
training seed (the evaluation's noise and real sample are drawn from the seed, so the same seed
shares its evaluation), with a paired t interval and Holm's adjustment over every cell of the
map. Its shift is how far the states the student visits lie from the forward-diffused data
states a data-only student is trained on, beyond the floor of two data draws: sw(S_k, F_k) -
sw(F'_k, F_k) from eval.shift_diagnostics, mean over the student's steps k = N-1 ... 1 (k = N
is the noise itself) and over seeds. Standard library only.
"""

import csv
import json
import math
import os
import sys
from xml.sax.saxutils import escape

FIELDS = ["method", "steps", "guidance", "beta", "rollouts", "seed", "sw", "mmd", "shift",
          "loss_gap", "elapsed", "folder", "sw_teacher", "shift_teacher"]

# What a map is drawn against: the data (the distance of the final samples to data, the shift
# of the student's states from the forward-diffused data states), or the teacher (the distance
# to the teacher's own samples from the same noise, the shift of the student's states from the
# teacher's trajectory). With guidance the teacher's distribution is not the data's: there the
# teacher is the student's target, and the data-side shift holds the guidance's own.
TARGETS = {"data": ("sw", "shift", "", "sliced W1 to data",
                    "the states the student visits from the forward-diffused data states"),
           "teacher": ("sw_teacher", "shift_teacher", "-teacher",
                       "sliced W1 to the teacher's samples",
                       "the states the student visits from the teacher's trajectory")}


# --- statistics (the same definitions as core/metrics/statistics.cpp) -------------------------

def _beta_cf(a, b, x):
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
                   -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            step = d * c
            h *= step
        if abs(step - 1.0) < eps:
            break
    return h


def _incomplete_beta(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1 - x) / b


def t_cdf(t, df):
    tail = 0.5 * _incomplete_beta(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return 0.5 * (lo + hi)


def paired(a, b, confidence=0.95):
    """mean(a - b), its t interval, two-sided p and standard error; None below 2 pairs or
    without spread."""
    d = [x - y for x, y in zip(a, b)]
    n = len(d)
    if n < 2:
        return None
    m = sum(d) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1))
    if not sd > 0:
        return None
    se = sd / math.sqrt(n)
    half = t_quantile(0.5 + 0.5 * confidence, n - 1) * se
    return {"diff": m, "low": m - half, "high": m + half, "se": se, "n": n,
            "p": 2 * t_cdf(-abs(m / se), n - 1)}


def holm(pvalues):
    """Holm's step-down adjustment; None (no test) stays None and is not counted."""
    order = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    out = [None] * len(pvalues)
    running, m = 0.0, len(order)
    for j, (p, i) in enumerate(order):
        running = max(running, min(1.0, (m - j) * p))
        out[i] = running
    return out


def self_test():
    # The hand examples of tests/core/tst_statistics.cpp.
    r = paired([2, 3, 4, 5, 6.5], [1.5, 2.4, 3.9, 4.1, 6])
    assert abs(r["diff"] - 0.52) < 1e-12, r
    assert abs(r["low"] - 0.164442) < 1e-5 and abs(r["high"] - 0.875558) < 1e-5, r
    t = 0.52 / r["se"]
    cdf4 = 0.5 + t * (t * t + 6) / (2 * (t * t + 4) ** 1.5)  # Student t at 4 df, closed form
    assert abs(r["p"] - 2 * (1 - cdf4)) < 1e-9, r
    assert abs(t_quantile(0.975, 10) - 2.228139) < 1e-5
    h = holm([0.01, 0.04, None, 0.03, 0.005])
    assert h[2] is None
    assert all(abs(x - y) < 1e-12 for x, y in zip([h[0], h[1], h[3], h[4]], [0.03, 0.06, 0.06, 0.02])), h
    assert paired([1], [2]) is None and paired([3, 4], [2, 3]) is None
    print("regime_map self-test: ok")


# --- collect ----------------------------------------------------------------------------------

def beta_text(beta):
    return "/".join(f"{b:g}" for b in beta)


def collect(dirs, merge=None):
    """Rows of the finished runs in `dirs`, after the rows of `merge` (a runs CSV written
    before: runs whose folders are gone, e.g. on another machine, keep their line) that no
    folder replaces."""
    rows = {}
    if merge and os.path.exists(merge):
        with open(merge) as f:
            for r in csv.DictReader(f):
                rows[r["folder"]] = [r.get(k) or "" for k in FIELDS]
    for folder in dirs:
        folder = folder.rstrip("/")
        try:
            with open(os.path.join(folder, "state.json")) as f:
                if json.load(f).get("status") != "finished":
                    continue
            with open(os.path.join(folder, "config.json")) as f:
                config = json.load(f)
            with open(os.path.join(folder, "metrics.jsonl")) as f:
                lines = [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as e:
            print(f"regime_map: {folder}: skipped ({e})", file=sys.stderr)
            continue
        evals = [line for line in lines if "eval/sliced_wasserstein" in line]
        if not evals:
            continue
        # The final evaluation and the shift diagnostics logged at its step.
        last = {}
        for line in lines:
            if line.get("step") == evals[-1]["step"]:
                last.update(line)
        d = config["distill"]
        n = d["student_steps"]
        ks = range(1, n)
        excess = [last[f"shift/sw_sf/k{k}"] - last[f"shift/sw_floor/k{k}"] for k in ks]
        excess_teacher = [last[f"shift/sw_st/k{k}"] - last[f"shift/sw_floor/k{k}"] for k in ks
                          if f"shift/sw_st/k{k}" in last]
        gaps = [last[f"shift/loss_gap/k{k}"] for k in ks if f"shift/loss_gap/k{k}" in last]
        beta = d["ddil"]["beta"]
        rollouts = "-" if beta[1] == 0 and beta[2] == 0 else d["ddil"].get("student_rollouts", "buffered")
        if beta[2] == 0 and rollouts != "-":
            rollouts = "teacher-buffer"
        guidance = d["lcm"]["w_min"] if d["method"] == "lcm" else d["guidance"]["scale"]
        rows[os.path.basename(folder)] = [
            d["method"], n, f"{guidance:g}", beta_text(beta), rollouts, config["seed"],
            f"{last['eval/sliced_wasserstein']:.6g}", f"{last['eval/mmd']:.6g}",
            f"{sum(excess) / len(excess):.6g}" if excess else "",
            f"{sum(gaps) / len(gaps):.6g}" if gaps else "",
            f"{last.get('elapsed', 0):.1f}", os.path.basename(folder),
            f"{last['eval/sw_to_teacher']:.6g}" if "eval/sw_to_teacher" in last else "",
            f"{sum(excess_teacher) / len(excess_teacher):.6g}" if excess_teacher else ""]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(FIELDS)
    for name in sorted(rows):
        writer.writerow(rows[name])


# --- report -----------------------------------------------------------------------------------

ARMS = [("0/0/1", "fresh"), ("0/0/1", "buffered"), ("0.5/0.25/0.25", "fresh"),
        ("0.5/0.25/0.25", "buffered"), ("0/0.5/0.5", "fresh"), ("0/0.5/0.5", "buffered")]


def arm_title(arm):
    beta, rollouts = arm
    return f"β {beta}, {'on-policy' if rollouts == 'fresh' else 'buffer R=50'}"


def colour(value, scale):
    """Diverging blue (negative: DDIL better) - white - red (worse)."""
    if value is None or scale <= 0:
        return "#eeeeee"
    x = max(-1.0, min(1.0, value / scale))
    if x < 0:
        r, g, b = 255 + x * (255 - 49), 255 + x * (255 - 130), 255 + x * (255 - 189)
    else:
        r, g, b = 255 - x * (255 - 214), 255 - x * (255 - 96), 255 - x * (255 - 77)
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def sequential(value, top):
    if value is None or top <= 0:
        return "#eeeeee"
    x = max(0.0, min(1.0, value / top))
    r, g, b = 255 - x * (255 - 117), 255 - x * (255 - 107), 255 - x * (255 - 177)
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def svg(title, rows, columns, cells, subtitle):
    """cells[r][c] = (fill, text)."""
    cw, ch, left, top = 118, 30, 92, 78
    width, height = left + cw * len(columns) + 10, top + ch * len(rows) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="DejaVu Sans, sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<text x="8" y="{height - 12}" fill="#555">{escape(subtitle)}</text>']
    for c, name in enumerate(columns):
        x = left + c * cw + cw / 2
        for i, part in enumerate(name.split(", ")):
            out.append(f'<text x="{x}" y="{top - 30 + 13 * i}" text-anchor="middle">{escape(part)}</text>')
    for r, name in enumerate(rows):
        y = top + r * ch
        out.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4}" text-anchor="end">{escape(name)}</text>')
        for c in range(len(columns)):
            fill, text = cells[r][c]
            out.append(f'<rect x="{left + c * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                       f'fill="{fill}"/>')
            out.append(f'<text x="{left + c * cw + cw / 2 - 1}" y="{y + ch / 2 + 3}" '
                       f'text-anchor="middle">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def read_cells(runs_csv, effect="sw"):
    """The runs of each cell by seed, and every non-data cell's paired comparison of `effect`
    (a runs.csv column) with the data-only cell: {(method, steps, guidance, (beta, rollouts)):
    (result, holm p, pairs)}."""
    with open(runs_csv) as f:
        runs = list(csv.DictReader(f))
    cells = {}
    for r in runs:
        key = (r["method"], int(r["steps"]), r["guidance"], r["beta"], r["rollouts"])
        cells.setdefault(key, {})[int(r["seed"])] = r
    comparisons = []
    for (method, steps, guidance, beta, rollouts), arm_runs in sorted(cells.items()):
        if beta == "1/0/0":
            continue
        base = cells.get((method, steps, guidance, "1/0/0", "-"), {})
        seeds = sorted(s for s in set(arm_runs) & set(base)
                       if arm_runs[s].get(effect) and base[s].get(effect))
        result = paired([float(arm_runs[s][effect]) for s in seeds],
                        [float(base[s][effect]) for s in seeds])
        comparisons.append(((method, steps, guidance, (beta, rollouts)), result, len(seeds)))
    adjusted = holm([c[1]["p"] if c[1] else None for c in comparisons])
    return runs, cells, comparisons, {c[0]: (c[1], a, c[2]) for c, a in zip(comparisons, adjusted)}


def promising(runs_csv):
    """The `ddil sweep` settings of the cell where DDIL lowers the distance most among those
    whose Holm-adjusted p stays below 0.05 (method first, then --set arguments); nothing when no
    cell does."""
    _, _, _, found = read_cells(runs_csv)
    helped = [(v[0]["diff"], k) for k, v in found.items()
              if v[0] and v[1] is not None and v[1] < 0.05 and v[0]["diff"] < 0]
    if not helped:
        return
    _, (method, steps, guidance, (beta, rollouts)) = min(helped)
    sets = [f"distill.student_steps={steps}", f"distill.guidance.scale={guidance}"]
    if method == "lcm":
        sets += [f"distill.lcm.w_min={guidance}", f"distill.lcm.w_max={guidance}"]
    print(method)
    print(" ".join(sets))
    print(f"distill.ddil.beta=[{beta.replace('/', ',')}] distill.ddil.student_rollouts={rollouts}")


def report(runs_csv, out_dir):
    """map.md and, per method, the effect and shift heat maps against the data
    (effect-<method>.svg, shift-<method>.svg) and against the teacher (effect-teacher-...,
    shift-teacher-...)."""
    lines = ["# Regime map: where DDIL changes 2-D students, and where they shift", ""]
    for target, (effect, shift_field, suffix, effect_text, shift_text) in TARGETS.items():
        lines += report_target(runs_csv, out_dir, target, effect, shift_field, suffix,
                               effect_text, shift_text)
    with open(os.path.join(out_dir, "map.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def report_target(runs_csv, out_dir, target, effect, shift_field, suffix, effect_text,
                  shift_text):
    runs, cells, comparisons, found = read_cells(runs_csv, effect)
    methods = sorted({k[0] for k in cells})
    settings = sorted({(k[1], float(k[2])) for k in cells})

    def mean_of(key, field):
        values = [float(r[field]) for r in cells.get(key, {}).values() if r.get(field)]
        return sum(values) / len(values) if values else None

    lines = [f"## Against the {target}", "",
             f"{len(runs)} finished runs (checkerboard, `configs/toy/distill/map/`), "
             f"{len(comparisons)} cells compared with data-only training (β = 1/0/0) at the same "
             f"method, N and guidance: Δ {effect_text} (lower is better), paired by seed, 95% "
             "t interval; * the interval excludes 0; † Holm-adjusted p < 0.05 over all "
             f"{sum(1 for c in comparisons if c[1])} tested cells. Shift: the sliced W1 of "
             f"{shift_text}, beyond the floor of two data draws, mean over its steps k = N-1…1 "
             "and over seeds (× 1000).", ""]
    for method in methods:
        rows = [f"N={n}, w={g:g}" for n, g in settings]
        effect_cells, shift_cells = [], []
        diffs = [abs(v[0]["diff"]) for k, v in found.items() if k[0] == method and v[0]]
        scale = max(diffs) if diffs else 0
        shifts = [mean_of(k, shift_field) for k in cells if k[0] == method]
        top = max([s for s in shifts if s is not None] or [0])
        lines += [f"### {method.upper()}, against the {target}", "",
                  f"| N, w | data-only {effect_text} (× 1000) | "
                  + " | ".join(arm_title(a) for a in ARMS) + " |",
                  "|---|---:|" + "---:|" * len(ARMS)]
        for n, g in settings:
            gtext = f"{g:g}"
            base_key = (method, n, gtext, "1/0/0", "-")
            base_value = mean_of(base_key, effect)
            row_effect, row_shift, md = [], [], []
            base_shift = mean_of(base_key, shift_field)
            row_shift.append((sequential(base_shift, top),
                              f"{1000 * base_shift:.1f}" if base_shift is not None else "–"))
            for arm in ARMS:
                result, p_holm, count = found.get((method, n, gtext, arm), (None, None, 0))
                shift = mean_of((method, n, gtext) + arm, shift_field)
                row_shift.append((sequential(shift, top),
                                  f"{1000 * shift:.1f}" if shift is not None else "–"))
                if not result:
                    row_effect.append(("#eeeeee", "–"))
                    md.append("–" if count == 0 else f"n = {count}: no interval")
                    continue
                mark = (" *" if result["low"] > 0 or result["high"] < 0 else "") + \
                       (" †" if p_holm is not None and p_holm < 0.05 else "")
                row_effect.append((colour(result["diff"], scale),
                                   f"{1000 * result['diff']:+.1f}{mark}"))
                shift_md = f"; shift {1000 * shift:.1f}" if shift is not None else ""
                md.append(f"{1000 * result['diff']:+.1f} [{1000 * result['low']:+.1f}, "
                          f"{1000 * result['high']:+.1f}]{mark}, n = {result['n']}{shift_md}")
            effect_cells.append(row_effect)
            shift_cells.append(row_shift)
            value_text = f"{1000 * base_value:.1f}" if base_value is not None else "–"
            base_text = f"{value_text}; shift {1000 * base_shift:.1f}" \
                if base_shift is not None else value_text
            lines.append(f"| N={n}, w={gtext} | {base_text} | " + " | ".join(md) + " |")
        with open(os.path.join(out_dir, f"effect{suffix}-{method}.svg"), "w") as f:
            f.write(svg(f"{method.upper()}: Δ {effect_text} vs data-only (× 1000)", rows,
                        [arm_title(a) for a in ARMS], effect_cells,
                        "blue: lower (better) than data-only; red: higher. * interval excludes 0; "
                        "† Holm p < 0.05"))
        with open(os.path.join(out_dir, f"shift{suffix}-{method}.svg"), "w") as f:
            f.write(svg(f"{method.upper()}: the student's shift from the {target} (× 1000)",
                        rows, ["β 1/0/0, data only"] + [arm_title(a) for a in ARMS], shift_cells,
                        f"sw(S_k, {'F_k' if target == 'data' else 'T_k'}) - floor, mean over "
                        "k = N-1…1 and seeds; darker: more shift"))
        lines += ["", f"![effect](effect{suffix}-{method}.svg) "
                  f"![shift](shift{suffix}-{method}.svg)", ""]
    return lines


def main(argv):
    if len(argv) >= 2 and argv[1] == "self-test":
        self_test()
    elif len(argv) >= 4 and argv[1] == "collect" and argv[2] == "--merge":
        collect(argv[4:], argv[3])
    elif len(argv) >= 2 and argv[1] == "collect":
        collect(argv[2:])
    elif len(argv) == 3 and argv[1] == "promising":
        promising(argv[2])
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
