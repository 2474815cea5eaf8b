#!/usr/bin/env bash
# Runs the data benchmarks: bench_data_throughput (ShardedLoader beside curl,
# from Azurite and from local disk) and bench_data_wait (the share of the
# Fashion-MNIST training step spent waiting for data, local and Azurite).
# Starts Azurite (installed by scripts/setup.sh) on a free port of 127.0.0.1
# and stops it at the end. Builds nothing: build bench_data_throughput,
# bench_data_wait and cohort-pack first.
#
#   bench/run_data.sh [BUILD_DIR]        (default BUILD_DIR: build; about 4 minutes)
#
# Environment: ONLY (throughput or wait: run one of the two), MB (data set size for the throughput run, default 256), ROUNDS
# (default 5 for throughput, 3 for the wait), STEPS (default 400), THREADS
# (reader threads / curl transfers, default 4).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
azurite=$here/../.deps/azurite/node_modules/.bin/azurite-blob
for bin in bench/bench_data_throughput bench/bench_data_wait bin/cohort-pack; do
  [[ -x $build/$bin ]] || { echo "no $build/$bin: build it first" >&2; exit 1; }
done
[[ -x $azurite ]] || { echo "no Azurite at $azurite: run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_bench_data.XXXXXX")
azurite_pid=
cleanup() {
  if [[ -n $azurite_pid ]]; then
    kill "$azurite_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$azurite_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$azurite_pid" 2>/dev/null || true  # Azurite can take minutes to close after heavy use
    wait "$azurite_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/azurite"
"$azurite" --blobHost 127.0.0.1 --blobPort "$port" --location "$work/azurite" --silent --skipApiVersionCheck \
  >"$work/azurite.log" 2>&1 &
azurite_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
endpoint="http://127.0.0.1:$port/devstoreaccount1"
# Azurite's published development key (its README), for the emulator only.
export COHORT_AZURE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 COHORT_DATA_THREADS=${THREADS:-4}

if [[ ${ONLY:-all} != wait ]]; then
echo "== loader throughput beside curl =="
"$build/bench/bench_data_throughput" --azure "$endpoint" --local "$work/local" --mb "${MB:-256}" \
  --rounds "${ROUNDS:-5}" --threads "${THREADS:-4}"
fi
[[ ${ONLY:-all} != throughput ]] || exit 0

echo
echo "== Fashion-MNIST training step: waiting for data with prefetch on =="
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/fm" --shard-mb 4 >/dev/null
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$endpoint/fmnist/set" \
  --shard-mb 4 --create-container >/dev/null
for data in "$work/fm/train" "$endpoint/fmnist/set/train"; do
  "$build/bench/bench_data_wait" --data "$data" --steps "${STEPS:-400}" --rounds "${ROUNDS_WAIT:-3}"
done
echo "floor: waiting under 1% of the steady-state step time"
