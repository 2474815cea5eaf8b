#!/usr/bin/python3
"""The peer of run_quality.sh: Optuna (Debian's python3-optuna, 3.1) with
TPESampler and MedianPruner tunes the same program over the same space,
with the same trial budget and concurrency as cohort-sweep. Optuna cannot
import a C++ program, so, as its documentation shows for any external
program, each trial runs it as a subprocess (study.optimize with n_jobs
threads, CONCURRENT at a time).

Each trial runs PROGRAM ARGS... with ${name} replaced by the trial's values
and COHORT_OUTPUTS_DIR / COHORT_LOGS_DIR set to a folder of its own. While
it runs, the trial's LOGS/metrics.jsonl is followed: the k-th line that
holds METRIC is passed to trial.report(value, k), so the pruner compares
trials epoch by epoch, as cohort-sweep's intervals do (the example's own
step counts differ with the batch size). When should_prune() says so, the
program gets SIGTERM (SIGKILL after 20 s) and the trial is pruned. A
completed trial's value is its last point.

SPACE_JSON is the `space` mapping of a sweep file, as JSON: choice,
uniform, loguniform and randint (high excluded, as in the sweep file).
Writes OUT, one JSON object: every trial's number, state, value,
test_accuracy, start and end (seconds since the epoch) and parameters.

  optuna_quality.py SPACE_JSON METRIC TRIALS CONCURRENT SEED STARTUP WORK OUT -- PROGRAM [ARGS...]
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time

import optuna

space_text, metric, trials, concurrent, seed, startup, work, out = sys.argv[1:9]
if sys.argv[9:10] != ["--"]:
    sys.exit(__doc__)
program = sys.argv[10:]
space = json.loads(space_text)
trials, concurrent, seed, startup = int(trials), int(concurrent), int(seed), int(startup)
optuna.logging.set_verbosity(optuna.logging.WARNING)
records = []
records_lock = threading.Lock()


def suggest(trial, name, d):
    kind = d["type"]
    if kind == "choice":
        return trial.suggest_categorical(name, d["values"])
    if kind == "uniform":
        return trial.suggest_float(name, d["low"], d["high"])
    if kind == "loguniform":
        return trial.suggest_float(name, d["low"], d["high"], log=True)
    if kind == "randint":
        return trial.suggest_int(name, d.get("low", 0), d["high"] - 1)
    sys.exit(f"optuna_quality.py: no mapping for a {kind} parameter ({name})")


class Tail:
    """The whole lines appended to a file since the last read."""

    def __init__(self, path):
        self.path, self.offset = path, 0

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                text = f.read()
        except FileNotFoundError:
            return []
        whole = text[: text.rfind(b"\n") + 1]
        self.offset += len(whole)
        found = []
        for line in whole.splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict):
                found.append(doc)
        return found


def objective(trial):
    params = {name: suggest(trial, name, d) for name, d in space.items()}
    folder = os.path.join(work, f"trial-{trial.number:05d}")
    os.makedirs(f"{folder}/logs")
    env = dict(os.environ, COHORT_OUTPUTS_DIR=f"{folder}/outputs", COHORT_LOGS_DIR=f"{folder}/logs")
    args = [re.sub(r"\$\{(\w+)\}", lambda m: str(params[m.group(1)]), a) for a in program]
    start = time.time()
    with open(f"{folder}/console.log", "w") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        tail = Tail(f"{folder}/logs/metrics.jsonl")
        points, test, pruned = [], None, False
        while not pruned:
            ended = proc.poll() is not None
            for doc in tail.lines():
                if "test_accuracy" in doc:
                    test = doc["test_accuracy"]
                if metric not in doc:
                    continue
                value = doc[metric]
                points.append(float("nan") if value is None else float(value))
                trial.report(points[-1], len(points))
                if trial.should_prune():
                    pruned = True
                    proc.send_signal(signal.SIGTERM)
                    break
            if ended:
                break
            time.sleep(0.1)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    end = time.time()
    last = points[-1] if points else None
    ok = proc.returncode == 0 and last is not None and math.isfinite(last)
    state = "pruned" if pruned else ("completed" if ok else "failed")
    with records_lock:
        records.append({"trial": trial.number, "state": state, "value": last, "test_accuracy": test,
                        "start": start, "end": end, "params": params, "exit_status": proc.returncode})
    if pruned:
        raise optuna.TrialPruned()
    if not ok:
        raise RuntimeError(f"trial {trial.number} exited {proc.returncode}; see {folder}/console.log")
    return last


study = optuna.create_study(
    direction="maximize",
    sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup),
    pruner=optuna.pruners.MedianPruner(),
)
study.optimize(objective, n_trials=trials, n_jobs=concurrent, catch=(RuntimeError,))
with open(out, "w") as f:
    json.dump({"trials": sorted(records, key=lambda r: r["trial"])}, f, indent=1)
