#!/usr/bin/env bash
# cohort-sweep's driver overhead beside Optuna's, in the same run: TRIALS
# trials of a program that works for SECONDS and reports one metric, 1 rank
# each, CONCURRENT at a time, random sampling on both sides. The ideal wall
# time is TRIALS x SECONDS / CONCURRENT; the ratios are wall / ideal (the
# floor is 1.10 for cohort-sweep). Optuna 3.1 (Debian's python3-optuna) runs
# the same program as a subprocess per trial, with its in-memory storage and
# with SQLite (its RDB storage, which a resumable study needs; cohort-sweep
# always keeps its SQLite store).
#   bench/sweep/run_overhead.sh [BUILD_DIR] [TRIALS] [SECONDS] [CONCURRENT]   (defaults: build 200 2 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
trials="${2:-200}"
seconds="${3:-2}"
concurrent="${4:-2}"
sweep="$build/bin/cohort-sweep"
[ -x "$sweep" ] || { echo "build cohort-sweep first (ninja -C $build cohort-sweep cohortrun)"; exit 1; }
here="$root/bench/sweep"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_bench_sweep.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

cat >"$work/overhead.yaml" <<YAML
program: /usr/bin/python3
args: [$here/work_trial.py, --x, "\${x}", --seconds, "$seconds"]
metric: {name: score, goal: maximize}
space:
  x: {type: uniform, low: 0, high: 1}
sampler: {type: random, seed: 1}
limits: {max_trials: $trials, max_concurrent: $concurrent}
YAML
s=$(now)
"$sweep" run "$work/overhead.yaml" --dir "$work/sweep" --quiet
cohort_s=$(elapsed "$s")
completed=$("$sweep" status "$work/sweep" --json | /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(sum(1 for t in d["trials"] if t["state"] == "completed"))')
[ "$completed" = "$trials" ] || { echo "cohort-sweep completed $completed of $trials trials"; exit 1; }
optuna_mem_s=$(/usr/bin/python3 "$here/optuna_overhead.py" "$trials" "$concurrent" memory \
  /usr/bin/python3 "$here/work_trial.py" --seconds "$seconds")
optuna_sql_s=$(/usr/bin/python3 "$here/optuna_overhead.py" "$trials" "$concurrent" "sqlite:///$work/optuna.db" \
  /usr/bin/python3 "$here/work_trial.py" --seconds "$seconds")

ideal=$(awk -v n="$trials" -v s="$seconds" -v c="$concurrent" 'BEGIN { printf "%.2f", n * s / c }')
ratio() { awk -v w="$1" -v i="$ideal" 'BEGIN { printf "%.3f", w / i }'; }
echo
echo "driver overhead: $trials trials x $seconds s, 1 rank each, $concurrent at a time (ideal $ideal s)"
printf '| %-32s | %-10s | %-12s |\n' driver "wall s" "wall / ideal"
printf '|%s|\n' "----------------------------------|------------|--------------"
printf '| %-32s | %-10s | %-12s |\n' "cohort-sweep (SQLite store)" "$cohort_s" "$(ratio "$cohort_s")"
printf '| %-32s | %-10s | %-12s |\n' "Optuna 3.1, in-memory storage" "$optuna_mem_s" "$(ratio "$optuna_mem_s")"
printf '| %-32s | %-10s | %-12s |\n' "Optuna 3.1, SQLite storage" "$optuna_sql_s" "$(ratio "$optuna_sql_s")"
