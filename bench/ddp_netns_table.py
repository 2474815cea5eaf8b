#!/usr/bin/env python3
"""The table of bench/run_ddp_netns.sh: samples/s medians over rounds, the
ratios to the peers (each the median of the ratios inside one round), and the
floors of the cross-machine issue.

    /usr/bin/python3 bench/ddp_netns_table.py bench/results/ddp_netns.csv
"""
import csv
import statistics
import sys
from collections import defaultdict

CONFIGS = ["cohort", "cohort-bf16", "torch", "torch-fp16", "torch-psgd", "no-dp", "comm",
           "comm-bf16"]
SAMPLES_PER_STEP = 2 * 128  # 2 ranks x batch 128
PARAMS = {2048: "5.8 M", 4608: "25 M"}
# (numerator, denominator, floor, which widths it applies to; None: all)
FLOORS = [("cohort", "torch", 1.2, None), ("cohort-bf16", "torch-fp16", 1.1, None),
          ("cohort-bf16", "cohort", 1.7, {4608})]


def main(path):
    rows = defaultdict(dict)  # (rate, hidden) -> {(round, config): samples/s}
    with open(path) as f:
        for row in csv.DictReader(f):
            rows[(row["rate"], int(row["hidden"]))][(int(row["round"]), row["config"])] = float(
                row["samples_per_s"])
    for (rate, hidden), runs in sorted(rows.items()):
        rounds = sorted({r for r, _ in runs})
        print(f"\n{rate}, MLP 784-{hidden}-{hidden}-10 ({PARAMS.get(hidden, '?')} parameters), "
              f"2 hosts x 1 rank, {len(rounds)} round(s)")
        print(f"{'configuration':>13} | {'samples/s':>9} | {'x PyTorch DDP':>13}")
        for c in CONFIGS:
            values = [runs[(r, c)] for r in rounds if (r, c) in runs]
            if not values:
                continue
            ratios = [runs[(r, c)] / runs[(r, "torch")] for r in rounds
                      if (r, c) in runs and (r, "torch") in runs]
            ratio = f"{statistics.median(ratios):13.3f}" if ratios else f"{'-':>13}"
            print(f"{c:>13} | {statistics.median(values):9.1f} | {ratio}")
        # Overlap: the step time against max(compute, communication), each
        # measured alone in the same round.
        for step, comm in (("cohort", "comm"), ("cohort-bf16", "comm-bf16")):
            shares = []
            for r in rounds:
                if all((r, c) in runs for c in (step, comm, "no-dp")):
                    t = {c: SAMPLES_PER_STEP / runs[(r, c)] for c in (step, comm, "no-dp")}
                    shares.append((t[step], t["no-dp"], t[comm]))
            if shares:
                t_step = statistics.median(s[0] for s in shares)
                t_compute = statistics.median(s[1] for s in shares)
                t_comm = statistics.median(s[2] for s in shares)
                ideal = statistics.median(max(s[1], s[2]) / s[0] for s in shares)
                print(f"{step}: step {1000 * t_step:.0f} ms, compute {1000 * t_compute:.0f} ms, "
                      f"communication {1000 * t_comm:.0f} ms: max(compute, communication) / step "
                      f"= {ideal:.2f}")
        if rate != "1gbit":
            continue
        for num, den, floor, widths in FLOORS:
            if widths is not None and hidden not in widths:
                continue
            ratios = [runs[(r, num)] / runs[(r, den)] for r in rounds
                      if (r, num) in runs and (r, den) in runs]
            if not ratios:
                continue
            m = statistics.median(ratios)
            print(f"floor {num} / {den} >= {floor}: {'met' if m >= floor else 'MISSED'} ({m:.3f})")


if __name__ == "__main__":
    main(sys.argv[1])
