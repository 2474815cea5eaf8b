#!/usr/bin/env bash
# The Fashion-MNIST example reads its data set from Azure Blob Storage (a real
# Azurite) and from HDFS (the WebHDFS fixture, a stand-in): packs it to both
# with cohort-pack, trains one short epoch on 2 ranks from each, and checks that
# both runs end with the same loss and accuracy as a run from a local folder
# (the order of the samples depends on the seed only, never on the storage).
#   check_example_remote.sh BUILD_DIR
set -euo pipefail
build="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$build/bin/cohort-pack"
example="$build/examples/fashion_mnist/fashion_mnist"
azurite="$root/.deps/azurite/node_modules/.bin/azurite-blob"
[ -x "$azurite" ] || { echo "no Azurite at $azurite: run scripts/setup.sh"; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_example_remote.XXXXXX")"
pids=()
# stop PID: SIGTERM, and SIGKILL if it is still there after 3 s (Azurite can
# take minutes to close after heavy use).
stop() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]}"; do stop "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on 127.0.0.1:$1"; exit 1
}
az_port=$(free_port); nn_port=$(free_port); dn_port=$(free_port)
"$azurite" --blobHost 127.0.0.1 --blobPort "$az_port" --location "$work/azurite" --silent --skipApiVersionCheck \
  >"$work/azurite.log" 2>&1 &
pids+=($!)
/usr/bin/python3 "$root/tests/data/webhdfs_fixture.py" --root "$work/hdfs" --namenode-port "$nn_port" \
  --datanode-port "$dn_port" >"$work/webhdfs.log" 2>&1 &
pids+=($!)
wait_port "$az_port"; wait_port "$nn_port"; wait_port "$dn_port"

export COHORT_AZURE_ENDPOINT="http://127.0.0.1:$az_port/devstoreaccount1"
# Azurite's published development key (its README), for the emulator only.
export COHORT_AZURE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export COHORT_HDFS_USER=cohort COHORT_OUTPUTS_DIR="$work/outputs" COHORT_LOGS_DIR="$work/logs"
mpi_args=(-n 2 --oversubscribe --mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS=1)
[ "$(id -u)" -ne 0 ] || mpi_args+=(--allow-run-as-root)

locations=("$work/local" "azure://devstoreaccount1/fmnist/set" "hdfs://127.0.0.1:$nn_port/user/cohort/fmnist")
"$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "${locations[1]}" --shard-mb 4 --create-container | tail -n 1
for location in "${locations[0]}" "${locations[2]}"; do
  "$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$location" --shard-mb 4 | tail -n 1
done
results=()
for location in "${locations[@]}"; do
  out=$(mpirun "${mpi_args[@]}" "$example" --data "$location" --epochs 1 --max-train 6400 --resume never 2>&1) ||
    { echo "$out"; echo "check_example_remote: training from $location failed"; exit 1; }
  line=$(grep '^epoch 1/1' <<<"$out" | sed 's/, [0-9]* samples\/s.*//')
  echo "$location: $line"
  results+=("$line")
done
if [ "${results[0]}" != "${results[1]}" ] || [ "${results[0]}" != "${results[2]}" ]; then
  echo "check_example_remote: FAILED: the three storages gave different training results"
  exit 1
fi
echo "check_example_remote: passed"
