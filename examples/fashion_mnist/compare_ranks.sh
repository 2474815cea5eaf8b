#!/usr/bin/env bash
# Trains the Fashion-MNIST example on 1 rank and on 2 ranks with the same
# global batch and seed, and prints their test accuracies and times side by
# side. With the same global batch the 2 ranks average the gradients the one
# rank computes, so the accuracies should agree within 0.5 points; the script
# fails if they do not, or if either run's accuracy is below MIN_ACCURACY
# (default 0.90). Both read the same data set, packed here from the Debian
# Fashion-MNIST files with cohort-pack. Extra arguments go to both runs, e.g. --epochs 1.
#   examples/fashion_mnist/compare_ranks.sh [build dir] [example options]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build="$1"; shift; fi
example="$build/examples/fashion_mnist/fashion_mnist"
pack="$build/bin/cohort-pack"
[ -x "$example" ] || { echo "compare_ranks: no $example; build it first (scripts/run-example.sh does)" >&2; exit 1; }
[ -x "$pack" ] || { echo "compare_ranks: no $pack; build it first (scripts/run-example.sh does)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_compare.XXXXXX")"
min_accuracy="${MIN_ACCURACY:-0.90}"
"$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" --shard-mb 4 >/dev/null
# A rank waiting in MPI yields its core (mpi_yield_when_idle): busy-polling
# ranks would take the few cores from the ones still computing (3x slower on 2 cores).
mpi_args=(--oversubscribe --mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS=1)
[ "$(id -u)" -ne 0 ] || mpi_args+=(--allow-run-as-root)

# train RANKS: runs the example on RANKS ranks (1 torch thread each) and
# records its accuracy and wall time in $work.
train() {
  local ranks="$1" dir="$work/ranks$1" start end
  mkdir -p "$dir"
  start="$(date +%s.%N)"
  COHORT_OUTPUTS_DIR="$dir/outputs" COHORT_LOGS_DIR="$dir/logs" \
    mpirun "${mpi_args[@]}" -n "$ranks" "$example" --data "$work/data" --threads 1 "${@:2}" >"$dir/run.log" 2>&1 ||
    { cat "$dir/run.log" >&2; echo "compare_ranks: the $ranks-rank run failed" >&2; exit 1; }
  end="$(date +%s.%N)"
  grep '^test accuracy:' "$dir/run.log" | awk '{print $3}' >"$dir/accuracy"
  awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f\n", e - s}' >"$dir/seconds"
  grep '^fashion_mnist:' "$dir/run.log"
}

train 1 "$@"
train 2 "$@"

echo
printf '%-6s %-14s %-10s\n' ranks "test accuracy" "wall s"
for r in 1 2; do
  printf '%-6s %-14s %-10s\n' "$r" "$(cat "$work/ranks$r/accuracy")" "$(cat "$work/ranks$r/seconds")"
done
verdict=0
awk -v a="$(cat "$work/ranks1/accuracy")" -v b="$(cat "$work/ranks2/accuracy")" \
    -v s1="$(cat "$work/ranks1/seconds")" -v s2="$(cat "$work/ranks2/seconds")" \
    -v least="$min_accuracy" 'BEGIN {
  diff = (b - a) * 100; if (diff < 0) diff = -diff
  printf "difference: %.2f points (limit 0.5); speed-up of 2 ranks over 1: %.2fx\n", diff, s1 / s2
  bad = diff > 0.5
  if (a < least || b < least) { printf "an accuracy is below %.2f\n", least; bad = 1 }
  exit bad }' || verdict=1
if [ "$verdict" -eq 0 ]; then
  rm -rf "$work"
  echo "compare_ranks: passed"
else
  echo "compare_ranks: FAILED; logs in $work"
fi
exit "$verdict"
