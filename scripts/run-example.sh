#!/usr/bin/env bash
# Installs what cohort needs, builds it, packs the Debian Fashion-MNIST files
# into a sharded data set (./data/fashion-mnist, once) with cohort-pack,
# trains the Fashion-MNIST example from it on 2 ranks of this machine under
# cohortrun (per-rank logs, a run record, the root cause if a rank fails),
# and registers the model it made as the next version of `fashion-mnist` in
# the model registry (./registry, unless COHORT_REGISTRY names another),
# with the run's lineage. Extra arguments go to the example, e.g.
#   scripts/run-example.sh --epochs 1 --max-train 6400
#   scripts/run-example.sh --data azure://ACCOUNT/CONTAINER/fashion-mnist   (packed there before)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COHORT_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
# The same build folder and type as scripts/test.sh, so each reuses the other's objects.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target fashion_mnist cohort-pack cohortrun cohort-model
tools="$build/bin"  # every tool: cohortrun, cohort-model, cohort-pack, ...

# The data set: HDF5 shards of about 4 MB and an index.json, for train/ and test/.
dataset="$root/data/fashion-mnist"
if [ ! -f "$dataset/train/index.json" ] || [ ! -f "$dataset/test/index.json" ]; then
  "$tools/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist \
    --to "$dataset" --shard-mb 4 --force
fi

# Checkpoints and the model go to COHORT_OUTPUTS_DIR and the metrics and every
# rank's log to COHORT_LOGS_DIR (defaults ./outputs and ./logs, here under
# the repository root); the registry is a folder under it too unless
# COHORT_REGISTRY says otherwise.
cd "$root"
export COHORT_OUTPUTS_DIR="${COHORT_OUTPUTS_DIR:-$root/outputs}"
export COHORT_LOGS_DIR="${COHORT_LOGS_DIR:-$root/logs}"
export COHORT_REGISTRY="${COHORT_REGISTRY:-$root/registry}"
console="$(mktemp)"  # what the terminal shows, to read the result from (LOGS/rank-0.log keeps it)
trap 'rm -f "$console"' EXIT

# A rank waiting in MPI yields its core (mpi_yield_when_idle): busy-polling
# ranks would take the few cores from the ones still computing (3x slower on 2 cores).
export OMPI_MCA_mpi_yield_when_idle=1
# Each run of this script trains afresh (--resume never; pass --resume auto to
# continue from the newest checkpoint in $COHORT_OUTPUTS_DIR/checkpoints).
"$tools/cohortrun" --procs-per-node 2 --outputs "$COHORT_OUTPUTS_DIR" --logs "$COHORT_LOGS_DIR" \
  --register fashion-mnist --env OMP_NUM_THREADS=1 -- \
  "$build/examples/fashion_mnist/fashion_mnist" --data "$dataset" --resume never "$@" 2>&1 | tee "$console"

version=$(grep -o "registered fashion-mnist:[0-9]*" "$console" | tail -n 1 | cut -d' ' -f2)
echo
echo "run-example: $(grep -o 'test accuracy: [0-9.]*' "$console" | tail -n 1)"
echo "run-example: model $version in the registry $COHORT_REGISTRY; checkpoints in $COHORT_OUTPUTS_DIR;"
echo "run-example: metrics, every rank's log and the run record in $COHORT_LOGS_DIR"
echo "Next, where the model came from, the model itself, and serving it (docs/serving.md):"
echo "  $tools/cohort-model --registry $COHORT_REGISTRY lineage $version"
echo "  $tools/cohort-model --registry $COHORT_REGISTRY download $version model-${version/:/-}"
echo "  $tools/cohort-model --registry $COHORT_REGISTRY alias $version prod"
echo "  $build/examples/fashion_mnist/fashion_mnist serve fashion-mnist@prod --registry $COHORT_REGISTRY"
