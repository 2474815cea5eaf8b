#!/usr/bin/env python3
"""The driver-overhead benchmark's trial: works (a busy loop) for --seconds,
then reports one value of `score`. Under cohort-sweep it appends the line to
$COHORT_LOGS_DIR/metrics.jsonl (docs/sweep.md: Reporting the metric); run by
the Optuna peer it prints the value instead.

  work_trial.py --x X [--seconds 2]"""
import argparse, json, os, time

p = argparse.ArgumentParser()
p.add_argument("--x", type=float, required=True)
p.add_argument("--seconds", type=float, default=2.0)
a = p.parse_args()
end = time.monotonic() + a.seconds
n = 0
while time.monotonic() < end:
    n += 1
score = 1 - (a.x - 0.3) ** 2
logs = os.environ.get("COHORT_LOGS_DIR")
if logs:
    with open(os.path.join(logs, "metrics.jsonl"), "a") as f:
        f.write(json.dumps({"step": 1, "time": time.time(), "score": score}) + "\n")
else:
    print(score)
