#!/usr/bin/env python3
"""The peer of cohort-sweep's driver-overhead benchmark: Optuna (Debian's
python3-optuna) runs TRIALS trials of the same program as subprocesses,
CONCURRENT at a time (study.optimize with n_jobs threads), with the random
sampler as cohort-sweep's side uses, and the storage given: in memory, or an
SQLite file (Optuna's RDB storage, as a resumable study needs). Prints the
wall time in seconds.

  optuna_overhead.py TRIALS CONCURRENT memory|sqlite:///PATH PROGRAM [ARGS...]"""
import subprocess, sys, time

import optuna

trials, concurrent, storage = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
program = sys.argv[4:]
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    out = subprocess.run(program + ["--x", repr(x)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


start = time.monotonic()
study = optuna.create_study(
    direction="maximize",
    sampler=optuna.samplers.RandomSampler(seed=1),
    storage=None if storage == "memory" else storage,
)
study.optimize(objective, n_trials=trials, n_jobs=concurrent)
assert len(study.trials) == trials, len(study.trials)
print(f"{time.monotonic() - start:.2f}")
