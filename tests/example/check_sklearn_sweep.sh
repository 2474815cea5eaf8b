#!/usr/bin/env bash
# examples/sklearn_sweep end to end with the real cohort-sweep and cohortrun:
# its sweep.yaml cut to 4 trials, 2 at a time, run from a temporary folder
# (so the program's path must not depend on the working folder):
#   - every trial completed, reporting val_accuracy at steps 1..10 and a
#     test_accuracy line, every line of every metrics.jsonl valid JSON;
#   - `best --json` above 0.95, and the best trial's saved pipeline, loaded
#     again, scores the held-out digits as its model.json says;
#   - the best trial registered, its lineage naming train.py and the trial;
#   - train.py run outside cohort writes ./outputs and ./logs;
#   - the temporary folder is gone at the end.
# Skips (77) when Debian's python3-sklearn is missing (scripts/setup.sh installs it).
#   check_sklearn_sweep.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
example="$root/examples/sklearn_sweep"
sweep="$build/bin/cohort-sweep"
model="$build/bin/cohort-model"
py=/usr/bin/python3

if ! "$py" -c "import sklearn, joblib" 2>/dev/null; then
  echo "skipped: no scikit-learn for $py (apt-get install python3-sklearn)"
  exit 77
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_sklearn_sweep.XXXXXX")"
cleanup() {
  local rc=$?
  [ -n "${KEEP:-}" ] && { echo "kept $work"; return; }
  rm -rf "$work"
  if [ -e "$work" ]; then
    echo "check_sklearn_sweep: FAILED: $work is still there"
    exit 1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # timeout's SIGTERM: the driver stops its trials, then cleanup runs
fail() { echo "check_sklearn_sweep: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
cd "$work"

step "the example's sweep, cut to 4 trials, 2 at a time, with its own registry"
# Each replaced line must be there exactly once, so a reworded sweep.yaml fails here.
for key in program limits registry; do
  [ "$(grep -c "^$key:" "$example/sweep.yaml")" = 1 ] || fail "sweep.yaml has no single '$key:' line"
done
sed -e "s|^program:.*|program: $example/train.py|" \
    -e "s|^limits:.*|limits: {max_trials: 4, max_concurrent: 2, trial_timeout: 60}|" \
    -e "s|^registry:.*|registry: {name: sklearn-digits, url: $work/registry}|" \
    "$example/sweep.yaml" >small.yaml
start=$(date +%s.%N)
timeout -k 5 90 "$sweep" run small.yaml --dir sweep --quiet || fail "cohort-sweep run exited $?: $(cat sweep/driver.log)"
echo "the sweep took $("$py" -c "import sys, time; print(round(time.time() - float(sys.argv[1]), 1))" "$start") s"
"$sweep" status sweep
"$sweep" status sweep --json >status.json
"$sweep" best sweep --json -n 1 >best.json
"$sweep" report sweep -o report.html >/dev/null
[ -s report.html ] || fail "no report"

step "every trial completed, its metrics valid, the best above 0.95 and its model as good as it says"
"$py" - status.json best.json "$work/sweep" <<'PY' || fail "the sweep's results (above)"
import json, os, sys
import joblib
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

status, best = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))[0]
trials = status["trials"]
assert len(trials) == 4, f"{len(trials)} trials, not 4"
for t in trials:
    assert t["state"] == "completed", f"trial {t['trial']}: {t['state']} ({t['reason']})"
    lines = [json.loads(l) for l in open(os.path.join(t["logs"], "metrics.jsonl"))]
    assert all(isinstance(l["step"], int) for l in lines), f"trial {t['trial']}: a step is not whole"
    val = [l for l in lines if "val_accuracy" in l]
    test = [l for l in lines if "test_accuracy" in l]
    assert [l["step"] for l in val] == list(range(1, 11)), f"trial {t['trial']}: steps {val}"
    assert len(test) == 1 and 0 <= test[0]["test_accuracy"] <= 1, f"trial {t['trial']}: {test}"
    assert abs(val[-1]["val_accuracy"] - t["value"]) < 1e-12, f"trial {t['trial']}: value {t['value']}"
    assert os.path.exists(os.path.join(t["outputs"], "model", "pipeline.joblib"))

assert best["trial"] == status["best"], (best["trial"], status["best"])
assert best["value"] == max(t["value"] for t in trials), best
assert best["value"] > 0.95, f"best val_accuracy {best['value']} is not above 0.95"

# The saved pipeline, on the held-out split train.py keeps aside (fixed seed).
card = json.load(open(os.path.join(best["outputs"], "model", "model.json")))
pipeline = joblib.load(os.path.join(best["outputs"], "model", "pipeline.joblib"))
X, y = load_digits(return_X_y=True)
_, X_test, _, y_test = train_test_split(X, y, test_size=card["config"]["test_fraction"],
                                        stratify=y, random_state=card["config"]["test_seed"])
score = pipeline.score(X_test, y_test)
assert abs(score - card["metrics"]["test_accuracy"]) < 1e-12, (score, card["metrics"])
assert score > 0.95, f"test accuracy {score}"
print(f"best: trial {best['trial']}, val_accuracy {best['value']:.4f}, test_accuracy {score:.4f}")
PY

step "the best trial registered, with train.py and the trial in its lineage"
"$model" --registry "$work/registry" lineage sklearn-digits:1 --json >lineage.json || fail "nothing registered"
"$py" - lineage.json best.json "$example/train.py" <<'PY' || fail "the lineage"
import json, sys
lineage, best = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))[0]
assert lineage["links"]["trial"] == best["trial"], lineage["links"]
assert lineage["code"]["program"] == sys.argv[3], lineage["code"]
assert lineage["results"]["hyperparameters"]["trial"] == best["params"], lineage["results"]
assert lineage["results"]["final"]["test_accuracy"]["value"] > 0.95, lineage["results"]["final"]
PY

step "train.py outside cohort: ./outputs and ./logs"
mkdir plain
(cd plain && env -u COHORT_OUTPUTS_DIR -u COHORT_LOGS_DIR "$example/train.py" --folds 3 >out.txt 2>&1) ||
  fail "train.py alone: $(cat plain/out.txt)"
for f in pipeline.joblib model.json; do [ -f "plain/outputs/model/$f" ] || fail "no ./outputs/model/$f"; done
[ "$(grep -c val_accuracy plain/logs/metrics.jsonl)" = 3 ] || fail "not 3 folds in ./logs/metrics.jsonl"
echo "check_sklearn_sweep: all checks passed"
