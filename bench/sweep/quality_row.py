#!/usr/bin/python3
"""One row of bench/sweep/results/quality.csv (run_quality.sh), from what a
sweep left: Optuna's trials (optuna_quality.py's JSON) or cohort-sweep's
store (sweep.db, and each trial's logs/metrics.jsonl for its test
accuracy), and the segments timed_rank.sh wrote.

rank_s is every training process's lifetime, summed. A tool's best is its
best completed trial (cut, paused or pruned ones do not count). `curve`
holds, for each completed trial in the order they ended, the rank-seconds
used by then (running trials' partial time included) and its value, as
"RANK_S:VALUE;..."; quality_table.py reads from it the compute a tool
needed to reach a given accuracy.

  quality_row.py TOOL SEED DIR SEGMENTS START END
"""
import glob
import json
import math
import os
import sqlite3
import sys

tool, seed, where, segments_file, start, end = sys.argv[1:7]
segments = [tuple(map(float, line.split())) for line in open(segments_file) if line.strip()]


def used_by(t):
    return sum(max(0.0, min(e, t) - s) for s, e in segments)


def last_test(metrics_path):
    test = None
    if os.path.exists(metrics_path):
        for line in open(metrics_path):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and "test_accuracy" in doc:
                test = doc["test_accuracy"]
    return test


if tool.startswith("optuna"):
    trials = json.load(open(where + ".json"))["trials"]
    done = [(t["end"], t["value"], t["test_accuracy"]) for t in trials if t["state"] == "completed"]
    stopped = sum(1 for t in trials if t["state"] == "pruned")
    count = len(trials)
else:
    db = sqlite3.connect(f"file:{where}/sweep.db?mode=ro", uri=True)
    rows = db.execute("SELECT id, state, ended FROM trials").fetchall()
    done = []
    for trial, state, ended in rows:
        if state != "completed":
            continue
        value = db.execute("SELECT value FROM metrics WHERE trial = ? ORDER BY step DESC LIMIT 1",
                           (trial,)).fetchone()[0]
        folder = [f for f in glob.glob(f"{where}/trials/*") if int(os.path.basename(f)) == trial]
        done.append((ended, value, last_test(folder[0] + "/logs/metrics.jsonl") if folder else None))
    stopped = sum(1 for r in rows if r[1] in ("cut", "paused"))
    count = len(rows)

done = sorted((e, v, t) for e, v, t in done if v is not None and math.isfinite(v))
best = max(done, key=lambda d: d[1]) if done else (0, float("nan"), None)
curve = ";".join(f"{used_by(e):.1f}:{v:.4f}" for e, v, _ in done)
test = f"{best[2]:.4f}" if best[2] is not None else ""
print(f"{tool},{seed},{float(end) - float(start):.1f},{used_by(math.inf):.1f},{count},{len(done)},{stopped},"
      f"{best[1]:.4f},{test},{curve}")
