#!/usr/bin/env python3
"""docs/results.md from its template, docs/results.md.in, and what the `table` stage of
scripts/reproduce-results.sh writes to docs/results/ (the `ddil table --group-seeds` CSVs, the
regime map's runs.csv, the seed-0 diagnoses, compute.txt).

    results_page.py [RESULTS_DIR [TEMPLATE]] > docs/results.md
    results_page.py self-test

The template is Markdown with {{block}} and {{block ARG...}} placeholders (list: BLOCKS). Every
number and every verdict in a placeholder comes from those files: a verdict is a rule applied to
a comparison's interval and its Holm-adjusted p over every comparison the page prints, scoped to
the regime it was measured in (student steps, guidance, training steps, data). A table not yet
made renders as "not measured yet", so a partial reproduction still gives a page that says what
it lacks. Standard library only; the statistics (Holm) are regime_map.py's, which are tested
against the same hand examples as core/metrics/statistics.cpp.
"""

import csv
import datetime
import glob
import json
import math
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regime_map  # noqa: E402  (the map's cells, paired intervals and Holm)

# metric: (label, which direction is better, decimals)
METRICS = {"fid": ("FID", "lower", 2), "coverage": ("coverage", "higher", 3),
           "imitation_rmse": ("imitation RMSE", "lower", 4)}
DATA = "Fashion-MNIST"


def number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


class Table:
    """One `ddil table --group-seeds --csv` file: its rows, and per compared metric the
    difference to the baseline with its interval (the CSV repeats "baseline" once per compared
    metric, so it is read by position)."""

    def __init__(self, name, path):
        self.name = name
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        header, self.rows = rows[0], []
        baseline_of, last = {}, None
        for i, title in enumerate(header):
            if title.endswith("_diff"):
                last = title[:-len("_diff")]
            elif title == "baseline" and last:
                baseline_of[last] = i
        for values in rows[1:]:
            row = {title: values[i] for i, title in enumerate(header) if title != "baseline"}
            row["baselines"] = {m: values[i] for m, i in baseline_of.items()}
            row["name"] = short(row["run"])
            if row.get("method") == "teacher":
                row["name"] = f"teacher ({row.get('student_steps', '?')} steps)"
            self.rows.append(row)
        self.compared = list(baseline_of)

    def row(self, name):
        return next((r for r in self.rows if r["name"] == name), None)


def short(run):
    return re.sub(r"^fashion-mnist-", "", run)


class Comparison:
    def __init__(self, table, row, metric):
        g = lambda key: number(row.get(f"{metric}_diff_{key}"))  # noqa: E731
        self.table, self.row, self.metric = table, row, metric
        self.run, self.baseline = row["name"], short(row["baselines"].get(metric, ""))
        self.diff, self.low, self.high = number(row.get(f"{metric}_diff")), g("low"), g("high")
        self.kind = row.get(f"{metric}_diff_interval", "")
        self.pairs = row.get(f"{metric}_diff_pairs", "")
        self.p, self.detectable = g("p"), g("detectable")
        self.detectable_low, self.detectable_high = g("detectable_low"), g("detectable_high")
        self.n = int(number(row.get("n")) or 0)
        self.holm = None

    @property
    def key(self):
        return (self.run, self.baseline, self.metric)

    def excludes_zero(self):
        return self.low is not None and (self.low > 0 or self.high < 0)


def in_family(c):
    return c.metric in ("fid", "coverage") and "steps=0" not in c.run


class Page:
    def __init__(self, results):
        self.results = results
        self.tables = {}
        for path in sorted(glob.glob(os.path.join(results, "*.csv"))):
            name = os.path.splitext(os.path.basename(path))[0]
            self.tables[name] = Table(name, path)
        # Every comparison the page prints with an interval, once (the same pair of arms can sit
        # in several tables), and Holm's adjustment over the family the page reads as findings:
        # FID and coverage (the paper's claims) of every arm against its baseline, except the
        # step-0 rows (the untrained student: a reference, not a hypothesis). Imitation is
        # descriptive (its p is printed, unadjusted).
        self.comparisons = {}
        for table in self.tables.values():
            for row in table.rows:
                for metric in table.compared:
                    c = Comparison(table.name, row, metric)
                    if c.diff is not None and c.baseline != c.run and c.p is not None:
                        self.comparisons.setdefault(c.key, c)
        family = [c for c in self.comparisons.values() if in_family(c)]
        for c, adjusted in zip(family, regime_map.holm([c.p for c in family])):
            c.holm = adjusted
        self.family = len(family)

    def comparison(self, table, run, metric):
        t = self.tables.get(table)
        row = t.row(run) if t else None
        if row is None:
            return None
        c = Comparison(table, row, metric)
        return self.comparisons.get(c.key, c if c.diff is not None else None)

    def path(self, folder, name):
        """A file of a summary folder the CSV names (relative to the repository, or absolute)."""
        root = os.path.dirname(os.path.dirname(os.path.abspath(self.results)))
        return os.path.join(root, folder, name)

    def config(self, row):
        folders = row.get("folders", "").split()
        if not folders:
            return {}
        path = self.path(folders[0], "config.json")
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def regime(self, row):
        """Where a row was measured, as its verdict is scoped: "4 steps, w = 2, 300 training
        steps, Fashion-MNIST"."""
        config = self.config(row)
        distill = config.get("distill", {})
        parts = [f"{row.get('student_steps', '?')} steps"]
        lcm = distill.get("lcm", {})
        if distill.get("method") == "lcm" and "w_min" in lcm:
            lo, hi = lcm["w_min"], lcm.get("w_max", lcm["w_min"])
            parts.append(f"w = {lo:g}" if lo == hi else f"w ~ U[{lo:g}, {hi:g}]")
        elif "guidance" in distill:
            parts.append(f"w = {distill['guidance'].get('scale', 1):g}")
        if row.get("training_steps"):
            parts.append(f"{row['training_steps']} training steps")
        parts.append(DATA)
        return ", ".join(parts)


def fmt(value, decimals, sign=False):
    if value is None:
        return "–"
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def fmt_p(p):
    if p is None:
        return "–"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def mean_sd(row, metric, decimals):
    mean, sd = number(row.get(metric)), number(row.get(f"{metric}_sd"))
    if mean is None:
        return "–"
    return f"{mean:.{decimals}f}" + (f" ± {sd:.{decimals}f}" if sd is not None and
                                     int(number(row.get('n')) or 0) > 1 else "")


def interval(c, decimals):
    """'+0.18 [-0.12, +0.47] (paired)'"""
    if c is None or c.diff is None:
        return "–"
    if c.low is None:
        return f"{c.diff:+.{decimals}f} (one seed: no interval)"
    kind = "paired" if c.kind == "paired" else "Welch"
    return f"{c.diff:+.{decimals}f} [{c.low:+.{decimals}f}, {c.high:+.{decimals}f}] ({kind})"


def holm_cell(c):
    """The page's Holm-adjusted p († below 0.05), or the unadjusted p of a comparison outside
    the family."""
    if c is None or c.p is None:
        return "–"
    if c.holm is None:
        return f"({fmt_p(c.p)}, unadjusted)"
    return fmt_p(c.holm) + (" †" if c.holm < 0.05 else "")


def direction(c):
    lower_better = METRICS[c.metric][1] == "lower"
    return "better" if (c.diff < 0) == lower_better else "worse"


def verdict(page, c, regime):
    """The rule every verdict on the page follows."""
    if c is None:
        return "not measured yet"
    if c.low is None:
        return f"one seed at {regime}: a reading, not a comparison"
    label = METRICS[c.metric][0]
    if c.holm is not None and c.holm < 0.05:
        return f"**{direction(c)}** at {regime} (p_Holm {fmt_p(c.holm)})"
    if c.excludes_zero():
        return (f"{direction(c)} by its own interval, but not after Holm's adjustment over the "
                f"page's {page.family} comparisons (p_Holm {fmt_p(c.holm)}): not established at "
                f"{regime}")
    return f"no difference in {label} detected at {regime}"


def detectable(c, decimals):
    if c is None or c.detectable is None:
        return "–"
    text = f"{c.detectable:.{decimals}f}"
    if c.detectable_low is not None and c.detectable_high is not None:
        text += f" [{c.detectable_low:.{decimals}f}, {c.detectable_high:.{decimals}f}]"
    return text


# --- blocks ------------------------------------------------------------------------------------

# The 2-step guidance-4 arms as `ddil sweep` names them (the preset's name, then each --set).
LCM_2STEP_DDIL = "lcm-ddil-student_steps=2-scale=4-w_min=3-w_max=5"
DMD2_2STEP_DDIL = "dmd2-ddil-student_steps=2-scale=4"
# DMD2 + DDIL with the GAN term (table gan-ddil, against DMD2 with it), made when its seed 0 helped.
DMD2_DDIL_GAN = "dmd2-ddil-gan=true"

# (claim, [(table, run, metric), ...]) in the order of DDIL.md section 5.
CLAIMS = [
    ("DDIL improves PD (FID)", [("main", "pd-ddil", "fid")]),
    ("DDIL improves LCM (FID)", [("main", "lcm-ddil", "fid"),
                                 ("two-step-guidance4", LCM_2STEP_DDIL, "fid"),
                                 ("equal-wall-clock", "lcm-ddil", "fid")]),
    ("DDIL improves DMD2 (FID)", [("main", "dmd2-ddil", "fid"),
                                  ("main", "dmd2-ddil-critic-student", "fid"),
                                  ("two-step-guidance4", DMD2_2STEP_DDIL, "fid"),
                                  ("gan-ddil", DMD2_DDIL_GAN, "fid")]),
    ("DDIL improves diversity (coverage)", [
        ("main", "pd-ddil", "coverage"), ("main", "lcm-ddil", "coverage"),
        ("main", "dmd2-ddil", "coverage"), ("main", "dmd2-ddil-critic-student", "coverage"),
        ("two-step-guidance4", LCM_2STEP_DDIL, "coverage"),
        ("two-step-guidance4", DMD2_2STEP_DDIL, "coverage"),
        ("gan-ddil", DMD2_DDIL_GAN, "coverage")]),
    ("reflection helps (FID)", [
        ("main", "pd-reflected", "fid"), ("main", "lcm-reflected", "fid"),
        ("main", "dmd2-reflected", "fid"), ("reflection", "pd-ddil-reflected", "fid"),
        ("reflection", "lcm-ddil-reflected", "fid"), ("reflection", "dmd2-ddil-reflected", "fid")]),
]


def comparison_title(page, c):
    return f"{c.run} vs {c.baseline}" if c else "–"


def block_verdicts(page):
    lines = ["| paper's claim (DDIL.md §5) | comparison | means ± sd (n) | Δ [95% CI] | p, p_Holm "
             "| verdict | smallest detectable [95% CI] |", "|---|---|---|---|---|---|---|"]
    for claim, items in CLAIMS:
        first = True
        for table, run, metric in items:
            c = page.comparison(table, run, metric)
            t = page.tables.get(table)
            row = t.row(run) if t else None
            decimals = METRICS[metric][2]
            regime = page.regime(row) if row else "–"
            if c is None:
                cells = [f"{run} ({table})", "–", "–", "–", "not measured yet", "–"]
            else:
                base = t.row(c.baseline)
                means = (f"{mean_sd(base, metric, decimals) if base else '?'} → "
                         f"{mean_sd(row, metric, decimals)} ({c.n})")
                cells = [comparison_title(page, c), means, interval(c, decimals),
                         f"{fmt_p(c.p)}, {fmt_p(c.holm)}", verdict(page, c, regime),
                         detectable(c, decimals)]
            lines.append(f"| {claim if first else ''} | " + " | ".join(cells) + " |")
            first = False
    lines.append(f"| DDIL corrects covariate shift | see *Where the shift is* (2-D, 10 seeds "
                 f"per cell) and *Covariate shift along the trajectory* ({DATA}, seed 0) | "
                 f"| | | {map_verdict(page)} | |")
    return "\n".join(lines)


def scoped_verdict(page, table, run, metric):
    """(comparison, its verdict scoped to the row's regime, its interval) of a table's row against
    its baseline, or None while either is not measured."""
    c = page.comparison(table, run, metric)
    t = page.tables.get(table)
    row = t.row(run) if t else None
    if c is None or row is None:
        return None
    return c, verdict(page, c, page.regime(row)), interval(c, METRICS[metric][2])


def block_in_short(page):
    out = []
    for claim, items in CLAIMS:
        parts = []
        for table, run, metric in items:
            v = scoped_verdict(page, table, run, metric)
            if v is None:
                parts.append(f"{run}: not measured yet")
                continue
            c, said, within = v
            parts.append(f"{comparison_title(page, c)}: {said}, Δ {within}")
        out.append(f"- **{claim}**: " + "; ".join(parts) + ".")
    out.append(f"- **DDIL corrects covariate shift**: {map_verdict(page)}.")
    return "\n".join(out)


def block_table(page, name, *metrics):
    """A table's rows: every compared metric's mean ± sd, Δ with its interval and the page's
    Holm-adjusted p; then recall and the wall time."""
    t = page.tables.get(name)
    if t is None:
        return f"*Not measured yet: `docs/results/{name}.csv` is made by the `table` stage once " \
               "its runs have finished.*"
    metrics = metrics or tuple(m for m in METRICS if m in t.compared)
    head = ["run", "β data/teacher/student", "n"]
    for m in metrics:
        label = METRICS[m][0]
        head += [label, f"Δ {label} [95% CI]", "p_Holm"]
    head += ["recall", "wall time (min)"]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (len(head) - 2)]
    for row in t.rows:
        beta = "/".join(f"{number(row.get(k)) or 0:.2g}" for k in
                        ("beta_data", "beta_teacher", "beta_student"))
        cells = [row["name"], beta if row.get("method") != "teacher" else "–", row.get("n", "")]
        for m in metrics:
            decimals = METRICS[m][2]
            c = page.comparison(name, row["name"], m)
            base = row["baselines"].get(m)
            is_base = base is not None and short(base) == row["name"]
            cells += [mean_sd(row, m, decimals),
                      "baseline" if is_base else interval(c, decimals) if c else "–",
                      "" if is_base else holm_cell(c)]
        recall = number(row.get("recall"))
        cells += [fmt(recall, 3), row.get("wall_minutes") or "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def block_eval_noise(page):
    path = os.path.join(page.results, "main.md")
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("Evaluation noise:"):
                return line.strip()
    return "*Not measured yet (the `table` stage's `--eval-noise` run).*"


def block_family(page):
    return str(page.family)


def map_rows(page):
    path = os.path.join(page.results, "map", "runs.csv")
    return path if os.path.exists(path) else None


def map_association(page, target="data"):
    """Per method: Spearman's rank correlation, over the map's (N, w) settings, between the
    data-only student's shift and DDIL's effect there (the mean over the setting's DDIL cells:
    the cells of one setting share its shift, so the settings, not the cells, are the
    independent points); and how many cells improve or worsen (Holm) among the settings with
    the most and the least shift."""
    path = map_rows(page)
    if path is None:
        return None
    effect, shift_field = regime_map.TARGETS[target][:2]
    runs, cells, comparisons, found = regime_map.read_cells(path, effect)
    out = {}
    for method in sorted({k[0] for k in cells}):
        def shift_of(key):
            values = [number(r.get(shift_field)) for r in cells.get(key, {}).values()]
            values = [v for v in values if v is not None]
            return sum(values) / len(values) if values else None
        points = []
        for (m, n, g, arm), (result, p_holm, _count) in found.items():
            if m != method or not result:
                continue
            base_shift = shift_of((m, n, g, "1/0/0", "-"))
            if base_shift is not None:
                points.append((base_shift, result["diff"], p_holm))
        settings = {}
        for shift, diff, _ in points:
            settings.setdefault(shift, []).append(diff)
        if len(settings) < 4:
            continue
        xs = sorted(settings)
        rho = spearman(xs, [sum(settings[x]) / len(settings[x]) for x in xs])
        half = sorted(points)[len(points) // 2:]
        low = sorted(points)[:len(points) // 2]
        count = lambda pts, sign: sum(1 for p in pts if p[2] is not None and p[2] < 0.05  # noqa
                                      and (p[1] < 0) == (sign < 0))
        out[method] = {"rho": rho, "n": len(xs), "cells": len(points),
                       "interval": fisher_interval(rho, len(xs)),
                       "high": (count(half, -1), count(half, 1), len(half)),
                       "low": (count(low, -1), count(low, 1), len(low)),
                       "runs": sum(1 for r in runs if r["method"] == method)}
    return out


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def fisher_interval(rho, n):
    """95% interval of a Spearman correlation: Fisher's z with Fieller's standard error
    1.06 / sqrt(n - 3)."""
    if n <= 3 or abs(rho) >= 1:
        return None
    z, se = math.atanh(rho), 1.06 / math.sqrt(n - 3)
    return math.tanh(z - 1.96 * se), math.tanh(z + 1.96 * se)


def map_verdict(page):
    parts = []
    for target in regime_map.TARGETS:
        found = map_association(page, target)
        if found:
            parts.append(f"against the {target}: " + map_target_verdict(found))
    return "; ".join(parts) if parts else "not measured yet (the regime map)"


def map_target_verdict(found):
    parts = []
    for method, a in found.items():
        ci = a["interval"]
        ci_text = f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""
        if ci and ci[1] < 0:
            reading = "the more the data-only student shifts, the more DDIL lowers its distance"
        elif ci and ci[0] > 0:
            reading = "the more the data-only student shifts, the less DDIL helps"
        else:
            reading = "no association between shift and DDIL's effect detected"
        parts.append(f"{method.upper()} on 2-D data: Spearman ρ(shift, mean Δ) = "
                     f"{a['rho']:+.2f}{ci_text} over {a['n']} (N, w) settings, {reading}; of "
                     f"the {a['cells']} DDIL cells, in the half with "
                     f"the most shift DDIL is better in {a['high'][0]} and worse in "
                     f"{a['high'][1]} of {a['high'][2]} (Holm), in the other half "
                     f"{a['low'][0]} and {a['low'][1]} of {a['low'][2]}")
    return "; ".join(parts)


def block_map_summary(page):
    return map_verdict(page)


def block_map(page):
    path = os.path.join(page.results, "map", "map.md")
    if not os.path.exists(path):
        return "*Not measured yet: the `map` stage, then `table`.*"
    lines = open(path).read().splitlines()
    body = [l for l in lines[1:]]  # the page gives the section title
    out = []
    for line in body:
        line = re.sub(r"^(#+) ", r"#\1 ", line)  # one level under the page's section
        line = line.replace("](effect-", "](results/map/effect-").replace(
            "](shift-", "](results/map/shift-")
        out.append(line)
    return "\n".join(out).strip()


def block_promising(page):
    path = map_rows(page)
    if path is None:
        return "*Not measured yet (the regime map).*"
    cell = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__),
                                                        "regime_map.py"), "promising", path],
                          capture_output=True, text=True, check=True).stdout.split("\n")
    if len(cell) < 3 or not cell[0]:
        return ("The map names no cell where DDIL lowers the distance after Holm's adjustment, "
                "so there is no cell to carry over to " + DATA + ".")
    text = (f"The map's most promising cell is {cell[0].upper()} with `{cell[1]}` and DDIL's "
            f"`{cell[2]}`. On {DATA}, data-only against that mixture"
            + (f", {seeds_each(page, 'promising-cell')}" if "promising-cell" in page.tables else "")
            + " (`docs/results/promising-cell.md`)")
    if cell[0] == "dmd2":
        text += (". The map's reference, data-only training (β = 1/0/0), is DMD2 without "
                 "backward simulation, not DMD2 as its authors run it (β = 0/0/1 on-policy), so "
                 "a difference here measures adding the teacher's and the student's states to "
                 "data-only training, as *DMD2's own rollouts against data states* does at 4 steps")
    text += ":\n\n" + block_table(page, "promising-cell", "fid", "coverage")
    t = page.tables.get("promising-cell")
    for row in t.rows[1:] if t else []:
        v = scoped_verdict(page, "promising-cell", row["name"], "fid")
        if v is not None:
            text += f"\n\nThe mixture against data-only training: {v[1]} (FID Δ {v[2]})."
    return text


def seeds_each(page, name):
    """"5 seeds each", or the fewest and most seeds of a table's rows while its runs are partial."""
    ns = sorted({row.get("n", "?") for row in page.tables[name].rows})
    return f"{ns[0]} seeds each" if len(ns) == 1 else f"{ns[0]}–{ns[-1]} seeds per row"


def block_gan(page):
    t = page.tables.get("main")
    gan = t.row("dmd2-gan-seed=0") if t else None
    base = t.row("dmd2") if t else None
    if gan is None or base is None:
        return "*Not measured yet: seed 0 of `dmd2-gan` and of `dmd2`.*"
    seed0 = first_seed_fid(page, base)
    text = (f"Seed 0 of DMD2 with its GAN term (`dmd2-gan.json`): FID {fmt(number(gan['fid']), 2)} "
            f"against {fmt(seed0, 2)} for seed 0 of DMD2 without it. ")
    if "gan" not in page.tables:
        return text + "It did not help, so the 5-seed arms run without it."
    text += (f"It helped, so DMD2 and DMD2 + DDIL were run with it, {seeds_each(page, 'gan')}. "
             "The GAN term against DMD2 without it (`docs/results/gan.md`):\n\n"
             + block_table(page, "gan", "fid", "coverage") + "\n\n")
    v = scoped_verdict(page, "gan", "dmd2-gan", "fid")
    if v is not None:
        text += (f"At {v[0].n} seeds, DMD2 with its GAN term against DMD2 without it: "
                 f"{v[1]} (FID Δ {v[2]}). ")
    return text + ("DDIL on top of DMD2 with its GAN term, against DMD2 with it "
                   "(`docs/results/gan-ddil.md`; its verdicts are in the table above):\n\n"
                   + block_table(page, "gan-ddil", "fid", "coverage"))


def first_seed_fid(page, row):
    for folder in row.get("folders", "").split():
        if re.search(r"seed=0(/|-|$)", folder):
            path = page.path(folder, "metrics.jsonl")
            if os.path.exists(path):
                lines = [json.loads(l) for l in open(path) if '"eval/fid"' in l]
                return lines[-1]["eval/fid"] if lines else None
    return None


def diagnosis(page, arm):
    for path in glob.glob(os.path.join(page.results, "runs", arm, "*-seed=0", "diagnose.json")):
        with open(path) as f:
            return json.load(f)
    return None


def block_shift_dmd2(page):
    """The last student state's distance to the data, DMD2 against DMD2 + DDIL (seed 0)."""
    out = []
    for arm in ("dmd2", "dmd2-ddil", "dmd2-ddil-critic-student"):
        d = diagnosis(page, arm)
        if d is None:
            out.append(f"{arm}: not diagnosed yet")
            continue
        last = min(d["shift"], key=lambda s: s["k"])
        out.append(f"{arm}: FD S₁–F₁ {last['fd']['sf']:.2f} (teacher T₁–F₁ "
                   f"{last['fd']['tf']:.2f}, floor {last['fd']['floor']:.2f}), loss gap "
                   f"{100 * last['loss']['gap'] / last['loss']['f']:+.0f}%")
    return "; ".join(out)


def block_on_policy(page):
    """DMD2 on forward-diffused data states alone against DMD2 on its own rollouts."""
    c = page.comparison("main", "dmd2-no-backward-simulation", "fid")
    t = page.tables.get("main")
    if c is None or t is None:
        return "not measured yet (`dmd2-no-backward-simulation` against `dmd2`)."
    row, base = t.row(c.run), t.row(c.baseline)
    return (f"trained on forward-diffused data states alone (β = 1/0/0), DMD2 reaches FID "
            f"{mean_sd(row, 'fid', 2)} (n = {c.n}) against {mean_sd(base, 'fid', 2)} on its own "
            f"on-policy rollouts, Δ {interval(c, 2)}: data states alone are "
            f"{verdict(page, c, page.regime(row))}. That is the DAgger argument for the student "
            "source, measured for DMD2; it is not a test of DDIL's mixture, which adds data and "
            "teacher states to those rollouts (the verdicts above).")


def block_compute(page):
    path = os.path.join(page.results, "compute.txt")
    return open(path).read().strip() if os.path.exists(path) else "*Not measured yet.*"


def block_generated(page):
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=os.path.dirname(os.path.abspath(__file__))
                                ).stdout.strip()
    except OSError:
        commit = ""
    day = datetime.date.today().isoformat()
    return f"{day}" + (f", at commit {commit}" if commit else "")


BLOCKS = {"verdicts": block_verdicts, "in-short": block_in_short, "table": block_table,
          "eval-noise": block_eval_noise, "family": block_family, "map": block_map,
          "map-summary": block_map_summary, "promising": block_promising, "gan": block_gan,
          "shift-dmd2": block_shift_dmd2, "on-policy": block_on_policy, "compute": block_compute,
          "generated": block_generated}


def render(template, page):
    def replace(match):
        words = match.group(1).split()
        if not words or words[0] not in BLOCKS:
            raise SystemExit(f"unknown placeholder {{{{{match.group(1)}}}}} in the template")
        return BLOCKS[words[0]](page, *words[1:])
    return re.sub(r"\{\{([^}]*)\}\}", replace, template)


def self_test():
    assert ranks([3, 1, 2, 2]) == [4, 1, 2.5, 2.5]
    assert abs(spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12
    assert abs(spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12
    # Hand example: ranks x 1..5, y (2, 1, 4, 3, 5): d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4/120 = 0.8
    assert abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12
    lo, hi = fisher_interval(0.8, 12)
    assert abs(math.atanh(lo) - (math.atanh(0.8) - 1.96 * 1.06 / 3)) < 1e-12 and hi < 1
    c = Comparison("t", {"name": "a", "baselines": {"fid": "b"}, "fid_diff": "0.5",
                         "fid_diff_low": "0.1", "fid_diff_high": "0.9", "fid_diff_p": "0.02",
                         "n": "5"}, "fid")
    assert c.excludes_zero() and direction(c) == "worse"
    c.holm = 0.3
    page = type("P", (), {"family": 7})()
    assert "not after Holm" in verdict(page, c, "4 steps") and "7 comparisons" in verdict(
        page, c, "4 steps")
    c.holm = 0.01
    assert verdict(page, c, "4 steps").startswith("**worse** at 4 steps")
    c.low, c.high = -0.1, 0.9
    c.holm = 0.6
    assert verdict(page, c, "4 steps") == "no difference in FID detected at 4 steps"
    # A page from a two-method table as `ddil table --csv` writes it: Holm over the family (FID
    # and coverage; imitation is outside it), {0.01, 0.03} -> {0.02, 0.03}.
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        head = ["run", "method", "student_steps", "beta_data", "beta_teacher", "beta_student",
                "n"]
        for m in ("fid", "imitation_rmse"):
            head += [m, f"{m}_sd"] + [f"{m}_diff{k}" for k in (
                "", "_low", "_high", "_df", "_interval", "_pairs", "_p", "_p_holm",
                "_detectable", "_detectable_low", "_detectable_high")] + ["baseline"]
        head += ["training_steps", "folders"]

        def line(run, base, fid, diff=None, p=None):
            row = [run, "PD", "4", "1", "0", "0", "5"]
            for _ in range(2):
                stats = ["", "", "", "", "", "", "", "", "", "", ""] if diff is None else [
                    str(diff), str(diff - 0.2), str(diff + 0.2), "4", "paired", "5", str(p),
                    str(p), "0.3", "0.2", "0.9"]
                row += [str(fid), "0.1"] + stats + [base]
            return row + ["300", ""]
        with open(os.path.join(tmp, "main.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            w.writerows([line("fashion-mnist-pd", "fashion-mnist-pd", 1.6),
                         line("fashion-mnist-pd-ddil", "fashion-mnist-pd", 2.1, 0.5, 0.01),
                         line("fashion-mnist-lcm", "fashion-mnist-lcm", 2.4),
                         line("fashion-mnist-lcm-ddil", "fashion-mnist-lcm", 2.5, 0.1, 0.03)])
        page = Page(tmp)
        assert page.family == 2, page.family
        pd = page.comparison("main", "pd-ddil", "fid")
        assert abs(pd.holm - 0.02) < 1e-12 and pd.kind == "paired"
        assert page.comparison("main", "pd-ddil", "imitation_rmse").holm is None
        text = render("{{verdicts}}", page)
        assert "| pd-ddil vs pd | 1.60 ± 0.10 → 2.10 ± 0.10 (5) | +0.50 [+0.30, +0.70] " \
               "(paired) | 0.01, 0.02 | **worse** at 4 steps" in text, text
        assert "better by its own interval" not in text
        try:
            render("{{no-such-block}}", page)
            raise AssertionError("an unknown placeholder was rendered")
        except SystemExit as e:
            assert "no-such-block" in str(e)
    print("results_page self-test: ok")


def main(argv):
    if len(argv) == 2 and argv[1] == "self-test":
        self_test()
        return 0
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = argv[1] if len(argv) > 1 else os.path.join(here, "docs", "results")
    template = argv[2] if len(argv) > 2 else os.path.join(here, "docs", "results.md.in")
    with open(template) as f:
        sys.stdout.write(render(f.read(), Page(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
