#!/usr/bin/env bash
# Installs what cohort needs, builds it, packs the Debian Fashion-MNIST files
# into a sharded data set (./data/fashion-mnist, once) with cohort-pack, and
# trains the Fashion-MNIST example from it on 2 ranks of this machine. Extra
# arguments go to the example, e.g.
#   scripts/run-example.sh --epochs 1 --max-train 6400
#   scripts/run-example.sh --data azure://ACCOUNT/CONTAINER/fashion-mnist   (packed there before)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COHORT_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
# The same build folder and type as scripts/test.sh, so each reuses the other's objects.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target fashion_mnist cohort-pack

# The data set: HDF5 shards of about 4 MB and an index.json, for train/ and test/.
dataset="$root/data/fashion-mnist"
if [ ! -f "$dataset/train/index.json" ] || [ ! -f "$dataset/test/index.json" ]; then
  "$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist \
    --to "$dataset" --shard-mb 4 --force
fi

# Checkpoints and the model go to COHORT_OUTPUTS_DIR and the metrics to COHORT_LOGS_DIR
# (defaults ./outputs and ./logs, here under the repository root).
cd "$root"
export COHORT_OUTPUTS_DIR="${COHORT_OUTPUTS_DIR:-$root/outputs}"
export COHORT_LOGS_DIR="${COHORT_LOGS_DIR:-$root/logs}"
mkdir -p "$COHORT_LOGS_DIR"
run_log="$COHORT_LOGS_DIR/fashion_mnist_run.log"

# A rank waiting in MPI yields its core (mpi_yield_when_idle): busy-polling
# ranks would take the few cores from the ones still computing (3x slower on 2 cores).
mpi_args=(-n 2 --oversubscribe --mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS=1)
[ "$(id -u)" -ne 0 ] || mpi_args+=(--allow-run-as-root)
# Each run of this script trains afresh (--resume never; pass --resume auto to
# continue from the newest checkpoint in $COHORT_OUTPUTS_DIR/checkpoints).
mpirun "${mpi_args[@]}" "$build/examples/fashion_mnist/fashion_mnist" --data "$dataset" --resume never "$@" \
  2>&1 | tee "$run_log"

echo
echo "run-example: $(grep '^test accuracy:' "$run_log")"
echo "run-example: model in $COHORT_OUTPUTS_DIR, metrics and this run's log in $COHORT_LOGS_DIR"
