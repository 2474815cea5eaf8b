#!/usr/bin/env bash
# The whole path of docs/registry.md with the real example: Fashion-MNIST is
# packed into a real Azurite, trained from there on 2 ranks under
# `cohortrun --register` with Azure credentials and a secret --env value;
# then the lineage must name the data set's location and index.json digest
# (recomputed here from the blob), the arguments the example ran with, the
# run, and the program's sha256; no credential may appear anywhere in the
# registry or in run.json; the model is aliased, downloaded, and loaded into
# the same network written in PyTorch, which must give the C++ model's test
# predictions; and verify says the data is unchanged, then changed once
# index.json is replaced.
#   check_lineage.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="$build/bin/cohort-model"
cohortrun="$build/bin/cohortrun"
example="$build/examples/fashion_mnist/fashion_mnist"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_lineage.XXXXXX")"
pids=()
source "$root/tests/common/servers.sh"
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_lineage: FAILED: $*"; exit 1; }
blobs() { /usr/bin/python3 "$root/tests/runlog/azure_blobs.py" "$@"; }

start_azurite azurite
export COHORT_AZURE_ACCOUNT_KEY="$azurite_key"
secret="not-for-any-record-$RANDOM$RANDOM"
data="$azurite_endpoint/data/fmnist"
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$data" --shard-mb 4 \
  --create-container | tail -n 1
export COHORT_REGISTRY="$work/registry"

echo "== train from Azurite under cohortrun --register"
"$cohortrun" --procs-per-node 2 --outputs "$work/run/outputs" --logs "$work/run/logs" --register fmnist \
  --env "API_TOKEN=$secret" --console-ranks 0 -- \
  "$example" --data "$data" --epochs 1 --max-train 1280 --batch 64 --threads 1 --predictions "$work/pred.txt" \
  >"$work/run.out" 2>&1 || fail "the run failed: $(tail -n 20 "$work/run.out")"
grep -q "registered fmnist:1" "$work/run.out" || fail "cohortrun did not register the model: $(tail "$work/run.out")"

echo "== the lineage names the data, the arguments, the run and the code"
"$model" lineage fmnist:1 --json >"$work/lineage.json"
blobs download "$azurite_endpoint" data fmnist/train "$work/train-blobs" >/dev/null
index_sha=$(sha256sum "$work/train-blobs/index.json" | cut -d' ' -f1)
program_sha=$(sha256sum "$example" | cut -d' ' -f1)
/usr/bin/python3 - "$work/lineage.json" "$data/train" "$index_sha" "$program_sha" "$example" <<'PY' || fail "the lineage is incomplete: $(head -c 3000 "$work/lineage.json")"
import json, sys
l = json.load(open(sys.argv[1]))
location, index_sha, program_sha, program = sys.argv[2:6]
train = [d for d in l["data"] if d["location"] == location]
assert train, ("no data set at", location, l["data"])
assert train[0]["index_sha256"] == index_sha, (train[0], index_sha)
assert train[0]["samples"] == 60000 and train[0]["shards"] > 1, train[0]
args = l["run"]["program"]
assert args[0] == program and "--max-train" in args and args[args.index("--max-train") + 1] == "1280", args
assert l["run"]["world_size"] == 2 and l["run"]["state"] == "succeeded" and l["run"]["engine"] == "mpirun", l["run"]
assert l["code"]["sha256"] == program_sha, l["code"]
assert l["results"]["best"]["test_accuracy"]["value"] > 0.5, l["results"]
assert l["results"]["checkpoint_step"] == 20, l["results"]["checkpoint_step"]
assert l["results"]["hyperparameters"]["configuration"]["global_batch"] == 64, l["results"]["hyperparameters"]
assert l["training_data_digest"] == train[0]["dataset"], (l["training_data_digest"], train[0])
assert l["model"]["version"] == 1 and l["model"]["tags"]["run_id"] == l["run"]["run_id"], l["model"]
PY
"$model" lineage fmnist:1 | grep -q "<- data     $data/train" || fail "lineage does not print the data set: $("$model" lineage fmnist:1)"

echo "== no credential anywhere"
for s in "$COHORT_AZURE_ACCOUNT_KEY" "$secret"; do
  ! grep -rqF "$s" "$work/registry" || fail "a secret is in the registry: $(grep -rlF "$s" "$work/registry")"
  ! grep -qF "$s" "$work/run/logs/run.json" || fail "a secret is in run.json"
done

echo "== alias, download, and load it in PyTorch"
"$model" alias fmnist:1 production >/dev/null
"$model" download fmnist@production "$work/model" >/dev/null
/usr/bin/python3 "$root/tests/example/check_export.py" "$work/model" "$work/pred.txt" /usr/share/datasets/fashion-mnist ||
  fail "the registered model does not reproduce the predictions in PyTorch"

echo "== verify: the data unchanged, then changed"
"$model" verify fmnist@production >"$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"
grep -q "data $data/train: unchanged" "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"
echo >>"$work/train-blobs/index.json"  # the same data set, another digest
blobs put "$azurite_endpoint" data fmnist/train/index.json "$work/train-blobs/index.json"
set +e
"$model" verify fmnist@production >"$work/verify2.txt" 2>&1; rc=$?
set -e
[ $rc -eq 3 ] || fail "verify exited $rc after the data changed: $(cat "$work/verify2.txt")"
grep -q "data $data/train: changed since training" "$work/verify2.txt" || fail "verify: $(cat "$work/verify2.txt")"
echo "check_lineage: passed"
