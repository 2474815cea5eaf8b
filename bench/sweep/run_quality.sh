#!/usr/bin/env bash
# cohort-sweep beside Optuna at equal budget, on the real task (issue 31,
# item 5). The objective is the Fashion-MNIST example on a fixed subset:
# MAX_TRAIN training images an epoch, EPOCHS epochs, 1 rank with 1 torch
# thread, val_accuracy on the last VAL training images after each epoch
# (the test set only after the last). Every sweep below gets the same
# space, TRIALS trials, CONCURRENT at a time, and TPE with the same number
# of random trials first; for each seed:
#   optuna-median        Optuna 3.1, TPESampler + MedianPruner (optuna_quality.py)
#   cohort-median        cohort-sweep, TPE + median stopping
#   cohort-none          cohort-sweep, TPE, no early termination
#   cohort-asha          cohort-sweep, TPE + ASHA (rungs at epochs 1 and 2);
#                        a promoted trial resumes from its checkpoint
#   cohort-asha-restart  the same, but a promoted trial starts again from
#                        step 0 (--resume never), as a tool without resume does
# Every training process runs under timed_rank.sh, the one meter for both
# tools: rank-seconds are the summed lifetimes of the training processes.
# Each (tool, seed) is one row of bench/sweep/results/quality.csv, written as
# soon as it is measured; a rerun skips the rows there. quality_table.py
# prints the tables.
#   bench/sweep/run_quality.sh [BUILD_DIR] [SEEDS] [TRIALS] [CONCURRENT]
#   (defaults: build "1 2 3" 24 2; 10-13 minutes a seed on 2 cores; RESULTS=FILE
#   writes elsewhere)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
seeds="${2:-1 2 3}"
trials="${3:-24}"
concurrent="${4:-2}"
# The objective; a smaller one (e.g. MAX_TRAIN=500 VAL=500 EPOCHS=2) only to try the script out.
max_train="${MAX_TRAIN:-3000}" val="${VAL:-2000}" epochs="${EPOCHS:-4}" startup=6
sweep="$build/bin/cohort-sweep"
example="$build/examples/fashion_mnist/fashion_mnist"
pack="$build/bin/cohort-pack"
for f in "$sweep" "$example" "$pack"; do
  [ -x "$f" ] || { echo "build it first: ninja -C $build cohort-sweep cohortrun fashion_mnist cohort-pack"; exit 1; }
done
here="$root/bench/sweep"
results="${RESULTS:-$here/results/quality.csv}"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_bench_quality.XXXXXX")"
trap 'pkill -f "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OMPI_MCA_rmaps_base_oversubscribe=1

data="$root/data/fashion-mnist"
if [ ! -f "$data/train/index.json" ] || [ ! -f "$data/test/index.json" ]; then
  "$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$data" --shard-mb 4 --force
fi
[ -f "$results" ] || echo "tool,seed,wall_s,rank_s,trials,completed,stopped,best_val,best_test,curve" >"$results"

# The space of examples/fashion_mnist/sweep.yaml, as JSON (which the sweep file's YAML reads as it is).
space='{"lr": {"type": "loguniform", "low": 0.005, "high": 0.3},
 "momentum": {"type": "uniform", "low": 0.8, "high": 0.97},
 "weight_decay": {"type": "loguniform", "low": 0.000001, "high": 0.001},
 "batch": {"type": "choice", "values": [32, 64, 128]},
 "conv1": {"type": "choice", "values": [16, 32]},
 "conv2": {"type": "choice", "values": [32, 64]},
 "hidden": {"type": "choice", "values": [128, 256]},
 "dropout": {"type": "uniform", "low": 0.0, "high": 0.5}}'
args() {  # args RESUME: the program and its arguments, ${name} for each parameter
  echo "$here/timed_rank.sh" "$example" --data "$data" --threads 1 --max-train "$max_train" --val "$val" \
    --epochs "$epochs" --resume "$1" --lr '${lr}' --momentum '${momentum}' --weight-decay '${weight_decay}' \
    --batch '${batch}' --conv1 '${conv1}' --conv2 '${conv2}' --hidden '${hidden}' --dropout '${dropout}'
}

cohort() {  # cohort SEED TOOL POLICY RESUME
  local dir="$work/$2-$1" a
  read -r -a a <<<"$(args "$4")"
  {
    echo "program: ${a[0]}"
    printf 'args: ['; printf '"%s", ' "${a[@]:1}" | sed 's/, $//'; echo ']'
    echo "metric: {name: val_accuracy, goal: maximize}"
    echo "space: $space" | tr '\n' ' '; echo
    echo "sampler: {type: tpe, seed: $1, n_startup_trials: $startup}"
    echo "limits: {max_trials: $trials, max_concurrent: $concurrent, trial_timeout: 900}"
    echo "policy: $3"
    echo "trial: {engine: local, nodes: 1, procs_per_node: 1}"
  } >"$dir.yaml"
  "$sweep" run "$dir.yaml" --dir "$dir" --quiet || [ $? = 1 ] || { echo "cohort-sweep ($2, seed $1) failed"; exit 1; }
}

optuna() {  # optuna SEED
  local a
  read -r -a a <<<"$(args auto)"
  mkdir "$work/optuna-median-$1"
  /usr/bin/python3 "$here/optuna_quality.py" "$space" val_accuracy "$trials" "$concurrent" "$1" "$startup" \
    "$work/optuna-median-$1" "$work/optuna-median-$1.json" -- "${a[@]}"
}

measure() {  # measure SEED TOOL
  grep -q "^$2,$1," "$results" && { echo "$2, seed $1: measured already"; return; }
  export COHORT_BENCH_SEGMENTS="$work/$2-$1.segments"
  local start end
  start=$(date +%s.%N)
  case "$2" in
    optuna-median) optuna "$1" ;;
    cohort-median) cohort "$1" "$2" median auto ;;
    cohort-none) cohort "$1" "$2" none auto ;;
    cohort-asha) cohort "$1" "$2" "{type: asha, min_resource: 1, reduction_factor: 2, max_resource: $epochs}" auto ;;
    cohort-asha-restart)
      cohort "$1" "$2" "{type: asha, min_resource: 1, reduction_factor: 2, max_resource: $epochs}" never ;;
  esac
  end=$(date +%s.%N)
  /usr/bin/python3 "$here/quality_row.py" "$2" "$1" "$work/$2-$1" "$COHORT_BENCH_SEGMENTS" "$start" "$end" >>"$results"
  tail -1 "$results" | cut -d, -f1-9
}

for seed in $seeds; do
  for tool in optuna-median cohort-median cohort-none cohort-asha cohort-asha-restart; do
    measure "$seed" "$tool"
  done
done
echo
echo "Fashion-MNIST example, $max_train training images x $epochs epochs a trial, val_accuracy on $val held-out"
echo "images, 1 rank each; $trials trials, $concurrent at a time, TPE ($startup random trials first) on both sides"
/usr/bin/python3 "$here/quality_table.py" "$results"
