#!/usr/bin/env bash
# The Fashion-MNIST example's logs, end to end: trains 20 steps on 2 ranks
# (real Fashion-MNIST, packed by cohort-pack), then check_example_logs.py
# checks metrics.jsonl, decodes the TensorBoard file with an independent
# reader and checks each rank's timeline.
#   check_example_logs.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_example_logs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mpi_args=(-n 2 --oversubscribe --mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS=1)
[ "$(id -u)" -ne 0 ] || mpi_args+=(--allow-run-as-root)

"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 | tail -n 1
COHORT_LOGS_DIR="$work/logs" COHORT_OUTPUTS_DIR="$work/outputs" \
  mpirun "${mpi_args[@]}" "$build/examples/fashion_mnist/fashion_mnist" --data "$work/data" \
  --epochs 1 --max-train 1280 --batch 64 | grep -E '^epoch'
/usr/bin/python3 "$here/check_example_logs.py" "$work/logs" 2 20
