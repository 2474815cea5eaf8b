#!/usr/bin/env python3
"""A sweep trial not linked with cohort: it reports `score` through
LOGS/metrics.jsonl as docs/sweep.md says, one line per step, and resumes
from OUTPUTS/state.json (written at every step and on SIGTERM), as a trial
must for asha's promotions.

  toy_trial.py --x X [--steps N] [--sleep S] [--crash-at K] [--nan-at K] [--inf-at K] [--silent]

score(step) = (1 - (x - 0.3)^2) * step / N: trials nearer x = 0.3 score
higher at every step, so a policy's decisions can be predicted. In a trial
of several ranks, rank 0 reports and keeps the state; every rank prints the
host it runs on. --nan-at and --inf-at report float("nan") and
float("inf") at step K, which json.dumps writes as the bare tokens NaN and
Infinity, as a diverged Python trainer's would."""
import argparse, json, math, os, signal, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument("--x", type=float, required=True)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--sleep", type=float, default=0.1)
p.add_argument("--crash-at", type=int, default=-1)
p.add_argument("--nan-at", type=int, default=-1)
p.add_argument("--inf-at", type=int, default=-1)
p.add_argument("--silent", action="store_true")
a = p.parse_args()

outputs, logs = os.environ["COHORT_OUTPUTS_DIR"], os.environ["COHORT_LOGS_DIR"]
assert os.environ.get("COHORT_SWEEP_ID") and os.environ.get("COHORT_TRIAL_ID")
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
print(f"rank {rank} of {world} on {socket.gethostname()}", flush=True)
state_path = os.path.join(outputs, "state.json")
step = 0
if os.path.exists(state_path):
    step = json.load(open(state_path))["step"]
    print(f"resuming from step {step}", flush=True)

def save():
    if rank != 0:
        return
    tmp = state_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"step": step, "x": a.x}, f)
    os.replace(tmp, state_path)

def on_term(signum, frame):
    save()
    print(f"stopped at step {step}", flush=True)
    sys.exit(143)

signal.signal(signal.SIGTERM, on_term)
while step < a.steps:
    time.sleep(a.sleep)
    step += 1
    if step == a.crash_at:
        raise RuntimeError(f"toy trial crashed at step {step}")
    score = (1 - (a.x - 0.3) ** 2) * step / a.steps
    value = math.nan if step == a.nan_at else math.inf if step == a.inf_at else score
    if not a.silent and rank == 0:
        with open(os.path.join(logs, "metrics.jsonl"), "a") as f:
            f.write(json.dumps({"step": step, "time": time.time(), "score": value}) + "\n")
    save()
if rank != 0:
    sys.exit(0)
os.makedirs(os.path.join(outputs, "model"), exist_ok=True)
with open(os.path.join(outputs, "model", "model.json"), "w") as f:
    json.dump({"architecture": "toy", "x": a.x}, f)
