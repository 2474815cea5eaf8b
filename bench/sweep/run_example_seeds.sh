#!/usr/bin/env bash
# The Fashion-MNIST example as scripts/run-example.sh runs it (2 ranks on
# this machine), with the configuration a sweep found, for several seeds:
# one row per seed in bench/sweep/results/example_seeds.csv as soon as it is
# measured (a rerun skips the seeds there): test and validation accuracy,
# and the wall time of the whole run (start, training, evaluations, export).
#   bench/sweep/run_example_seeds.sh [SEEDS] -- EXAMPLE OPTIONS...
#   (default seeds "1 2 3"; about 4-5 minutes a seed on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seeds="${1:-1 2 3}"
shift || true
[ "${1:-}" = "--" ] && shift
results="$root/bench/sweep/results/example_seeds.csv"
[ -f "$results" ] || echo "seed,test_accuracy,val_accuracy,wall_s,options" >"$results"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_bench_seeds.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
  grep -q "^$seed," "$results" && { echo "seed $seed: measured already"; continue; }
  start=$(date +%s.%N)
  COHORT_OUTPUTS_DIR="$work/s$seed/outputs" COHORT_LOGS_DIR="$work/s$seed/logs" \
    COHORT_REGISTRY="$work/registry" "$root/scripts/run-example.sh" --seed "$seed" "$@" >"$work/s$seed.log" 2>&1
  end=$(date +%s.%N)
  test_acc=$(grep -o 'test accuracy: [0-9.]*' "$work/s$seed.log" | tail -n 1 | awk '{print $3}')
  val_acc=$(grep -o 'val_accuracy [0-9.]*' "$work/s$seed.log" | tail -1 | awk '{print $2}')
  echo "$seed,$test_acc,$val_acc,$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'),\"$*\"" >>"$results"
  tail -1 "$results"
done
