#!/usr/bin/python3
"""One trial of the scikit-learn sweep (README.md beside this file): a
StandardScaler -> PCA -> RBF SVC pipeline on the handwritten digits that
Debian's python3-sklearn ships (sklearn.datasets.load_digits, no download).

  train.py --C C --gamma G --n-components K [--folds 10] [--seed 0]

A fixed stratified quarter of the data is held out as the test set. The rest
is split into --folds stratified folds; after fold k the running mean of the
fold accuracies is reported as `val_accuracy` at step k, so a sweep's
early-termination policy has one interval per fold. Then the pipeline is fit
on the whole training part, its `test_accuracy` is reported (at the last
fold's step; the sweep ignores it, the registry's lineage keeps it), and the
fitted pipeline goes to OUTPUTS/model/ (pipeline.joblib, model.json).

Under cohortrun, OUTPUTS and LOGS are $COHORT_OUTPUTS_DIR and $COHORT_LOGS_DIR;
outside it they are ./outputs and ./logs. Every metric line is also printed.
BLAS and OpenMP get one thread unless OMP_NUM_THREADS or OPENBLAS_NUM_THREADS
say otherwise."""
import argparse
import hashlib
import json
import os
import time

# Trials run side by side (limits.max_concurrent), one core each: BLAS threads
# of two trials spinning on the same 2 cores made each about 2.5x slower here.
# Set before numpy loads; a value already in the environment wins.
for threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(threads, "1")

import joblib
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

TEST_SEED = 0  # the held-out split never changes between trials
TEST_FRACTION = 0.25


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--C", type=float, default=10.0, help="SVC regularisation (default 10)")
    p.add_argument("--gamma", type=float, default=0.01, help="RBF kernel width (default 0.01)")
    p.add_argument("--n-components", type=int, default=32, help="PCA components, 1-64 (default 32)")
    p.add_argument("--folds", type=int, default=10, help="cross-validation folds (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the folds' shuffle (default 0)")
    a = p.parse_args()
    if not 1 <= a.n_components <= 64:
        p.error("--n-components must be within 1-64 (the digits have 64 pixels)")
    if a.folds < 2 or a.C <= 0 or a.gamma <= 0:
        p.error("--folds must be at least 2, --C and --gamma positive")
    return a


class Metrics:
    """Appends one JSON object per line to LOGS/metrics.jsonl (docs/sweep.md:
    Reporting the metric), each line whole and flushed at once."""

    def __init__(self, logs_dir):
        os.makedirs(logs_dir, exist_ok=True)
        self.path = os.path.join(logs_dir, "metrics.jsonl")

    def report(self, step, **values):
        line = json.dumps({"step": step, "time": round(time.time(), 3), **values})
        with open(self.path, "a") as f:
            f.write(line + "\n")
        print(line, flush=True)


def write_atomically(path, write):
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def main():
    a = parse_args()
    outputs = os.environ.get("COHORT_OUTPUTS_DIR", "outputs")
    metrics = Metrics(os.environ.get("COHORT_LOGS_DIR", "logs"))

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_FRACTION, stratify=y, random_state=TEST_SEED)
    pipeline = Pipeline([
        ("scale", StandardScaler()),
        ("pca", PCA(n_components=a.n_components, random_state=a.seed)),
        ("svc", SVC(C=a.C, gamma=a.gamma, kernel="rbf")),
    ])

    # Cross-validation: one interval per fold, the running mean as the metric.
    folds = StratifiedKFold(n_splits=a.folds, shuffle=True, random_state=a.seed)
    accuracies = []
    for k, (fit_rows, val_rows) in enumerate(folds.split(X_train, y_train), start=1):
        model = clone(pipeline).fit(X_train[fit_rows], y_train[fit_rows])
        accuracies.append(model.score(X_train[val_rows], y_train[val_rows]))
        metrics.report(k, val_accuracy=float(np.mean(accuracies)),
                       fold_accuracy=float(accuracies[-1]))

    # The model itself: fit on the whole training part, judged on the test set.
    pipeline.fit(X_train, y_train)
    test_accuracy = float(pipeline.score(X_test, y_test))
    metrics.report(a.folds, test_accuracy=test_accuracy)

    model_dir = os.path.join(outputs, "model")
    os.makedirs(model_dir, exist_ok=True)
    write_atomically(os.path.join(model_dir, "pipeline.joblib"),
                     lambda p: joblib.dump(pipeline, p))
    training_data = hashlib.sha256(X_train.tobytes() + y_train.tobytes()).hexdigest()
    card = {
        "architecture": "sklearn.Pipeline(StandardScaler, PCA, SVC rbf)",
        "metrics": {"val_accuracy": float(np.mean(accuracies)), "test_accuracy": test_accuracy},
        "dataset": "sha256:" + training_data,  # the training part of load_digits
        "config": {"C": a.C, "gamma": a.gamma, "n_components": a.n_components,
                   "folds": a.folds, "seed": a.seed, "test_fraction": TEST_FRACTION,
                   "test_seed": TEST_SEED, "sklearn": sklearn.__version__},
    }

    def dump_card(p):
        with open(p, "w") as f:
            json.dump(card, f, indent=2)
            f.write("\n")
    write_atomically(os.path.join(model_dir, "model.json"), dump_card)
    print(f"test accuracy {test_accuracy:.4f}; model written to {model_dir}", flush=True)


if __name__ == "__main__":
    main()
