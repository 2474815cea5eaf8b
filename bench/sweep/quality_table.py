#!/usr/bin/python3
"""The tables of run_quality.sh, from bench/sweep/results/quality.csv:
every row, then medians over the seeds of
  - each cohort-sweep policy beside Optuna: the best validation accuracy
    (floor: Optuna's minus 0.2 points) and the rank-seconds needed to reach
    Optuna's best (floor: at most 0.7x Optuna's own; a seed where cohort
    never reaches it counts as infinite);
  - median stopping against no early termination (floor: at least 25% less
    compute, the best within 0.2 points);
  - ASHA resuming promoted trials from their checkpoints against ASHA
    restarting them from step 0.

  quality_table.py RESULTS_CSV
"""
import csv
import math
import statistics
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
by = {(r["tool"], r["seed"]): r for r in rows}
seeds = sorted({r["seed"] for r in rows}, key=int)


def curve(row):
    return [tuple(map(float, p.split(":"))) for p in row["curve"].split(";") if p]


def to_reach(row, target):
    """Rank-seconds used when the first completed trial at or above target ended."""
    return next((rank_s for rank_s, value in curve(row) if value >= target - 1e-9), math.inf)


def median(values):
    return statistics.median(values) if values else math.nan


def ratio(a, b):
    return a / b if b > 0 else math.nan


print("| tool | seed | wall s | rank-s | trials | completed | cut/pruned | best val_accuracy | its test_accuracy |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in sorted(rows, key=lambda r: (int(r["seed"]), r["tool"])):
    print(f"| {r['tool']} | {r['seed']} | {float(r['wall_s']):.0f} | {float(r['rank_s']):.0f} | {r['trials']} | "
          f"{r['completed']} | {r['stopped']} | {float(r['best_val']):.4f} | {r['best_test'] or '-'} |")

for tool in ("cohort-median", "cohort-asha"):
    pairs = [(by[("optuna-median", s)], by[(tool, s)]) for s in seeds
             if ("optuna-median", s) in by and (tool, s) in by]
    if not pairs:
        continue
    print(f"\n{tool} beside optuna-median (TPE + MedianPruner), seed by seed:\n")
    print("| seed | Optuna best | cohort best | difference, points | Optuna rank-s to its best | "
          "cohort rank-s to Optuna's best | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    diffs, ratios = [], []
    for o, c in pairs:
        target = float(o["best_val"])
        mine, theirs = to_reach(c, target), to_reach(o, target)
        diffs.append(100 * (float(c["best_val"]) - target))
        ratios.append(ratio(mine, theirs))
        shown = f"{mine:.0f}" if math.isfinite(mine) else "not reached"
        print(f"| {o['seed']} | {target:.4f} | {float(c['best_val']):.4f} | {diffs[-1]:+.2f} | {theirs:.0f} | "
              f"{shown} | {ratios[-1]:.2f} |")
    print(f"| median | | | {median(diffs):+.2f} (floor -0.20) | | | {median(ratios):.2f} (floor 0.70) |")


def compare(a_tool, b_tool, title, floor=""):
    pairs = [(by[(a_tool, s)], by[(b_tool, s)]) for s in seeds if (a_tool, s) in by and (b_tool, s) in by]
    if not pairs:
        return
    print(f"\n{title}:\n")
    print(f"| seed | {a_tool} rank-s | {b_tool} rank-s | compute saved | {a_tool} best | {b_tool} best | "
          "difference, points |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    saved, diffs = [], []
    for a, b in pairs:
        saved.append(100 * (1 - ratio(float(a["rank_s"]), float(b["rank_s"]))))
        diffs.append(100 * (float(a["best_val"]) - float(b["best_val"])))
        print(f"| {a['seed']} | {float(a['rank_s']):.0f} | {float(b['rank_s']):.0f} | {saved[-1]:.0f}% | "
              f"{float(a['best_val']):.4f} | {float(b['best_val']):.4f} | {diffs[-1]:+.2f} |")
    print(f"| median | | | {median(saved):.0f}%{floor} | | | {median(diffs):+.2f} |")


compare("cohort-median", "cohort-none", "median stopping against no early termination (cohort-sweep)",
        " (floor 25%)")
compare("cohort-asha", "cohort-asha-restart",
        "ASHA resuming promoted trials from their checkpoints against restarting them from step 0")
