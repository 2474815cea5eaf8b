#!/usr/bin/env bash
# cohort-serve end to end, against the real registry, PyTorch and HTTP
# clients (servers on 127.0.0.1, free ports, stopped at the end):
#   - the example trained briefly, registered, aliased prod and served by
#     its own binary (`fashion_mnist serve fm@prod`): its answers equal
#     PyTorch's forward on the same weights read with h5py, within 1e-5;
#     every answer names the version and digest; the lineage endpoint
#     answers the registry's record; /metrics names the model and its sha256;
#   - a TorchScript 784-2048-2048-10 MLP saved by PyTorch, registered and
#     served by cohort-serve: answers equal PyTorch's within 1e-5;
#   - malformed requests (wrong shape, wrong datatype, NaN, truncated JSON,
#     10 MB of nesting, a body over --max-body-mb) get 400 or 413 naming the
#     field or the setting, and the server answers the next request;
#   - SIGTERM under load from 8 keep-alive clients: every request answered
#     200 or 503-with-Retry-After, none dropped, exit 0; SIGTERM while a
#     2,048-row request runs: readiness 503 at once, that request answered;
#   - --follow: the alias moved under load from version 1 to 2 (every
#     answer 200 and equal to its version's PyTorch forward), then to a
#     tampered version 3 (refused, logged, version 2 still serving);
#   - --canary mlp@staging=30% --follow: about 30% of 600 answers from
#     version 2, each equal to its version's forward; staging moved to the
#     tampered 3 (refused, 2 still the canary), then to 4 (the canary now);
#   - cohort-serve fm@prod: the example's architecture built by cohort-serve
#     itself (cohort/models), its answers equal PyTorch's;
#   - a tampered registered file, and an architecture cohort-serve cannot
#     build (a scikit-learn pipeline), are refused at start (exit 1) naming
#     the file or saying what to do.
#   check_serve.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_serve.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do stop_pid "$p"; done; rm -rf "$work"' EXIT
fail() { echo "check_serve: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
source "$root/tests/common/servers.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$work"
registry=$work/registry
model() { "$build/bin/cohort-model" --registry "$registry" "$@"; }

# serve NAME PROGRAM ARGS...: starts a server on a free port; sets port and server_pid.
serve() {
  local name=$1
  shift
  "$@" --port 0 >"$name.out" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 300); do
    port=$(grep -oE 'on http://127\.0\.0\.1:[0-9]+' "$name.out" | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "$name did not start: $(cat "$name.out")"
    sleep 0.1
  done
  fail "$name did not say where it listens: $(cat "$name.out")"
}

step "the example, trained on 2,048 images and registered as fm@prod"
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to data --shard-mb 4 >/dev/null
"$build/bin/cohortrun" --procs-per-node 1 --outputs fm/outputs --logs fm/logs -- \
  "$build/examples/fashion_mnist/fashion_mnist" --data "$work/data" --epochs 1 --max-train 2048 \
  >fm.out 2>&1 || fail "training: $(tail -n 20 fm.out)"
model register fm --from fm/outputs >/dev/null
model alias fm:1 prod >/dev/null

step "a TorchScript 784-2048-2048-10 MLP saved by PyTorch, registered as mlp"
mkdir -p mlp/outputs/model
"$py" - mlp/outputs/model <<'PY'
import json, sys, torch
torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Linear(784, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                          torch.nn.ReLU(), torch.nn.Linear(2048, 10)).eval()
torch.jit.save(torch.jit.script(net), sys.argv[1] + "/model.pt")
json.dump({"architecture": "mlp-784-2048-2048-10", "framework": "torchscript"},
          open(sys.argv[1] + "/model.json", "w"))
PY
model register mlp --from mlp/outputs >/dev/null

step "fashion_mnist serve fm@prod: answers equal PyTorch's on the same weights"
serve fm "$build/examples/fashion_mnist/fashion_mnist" serve fm@prod --registry "$registry" --max-body-mb 1
sha=$(grep -oE 'sha256 [0-9a-f]{64}' fm.out | cut -d' ' -f2)
"$py" "$root/tests/serve/serve_client.py" example "$port" "$sha" "$work/fm/outputs/model" \
  /usr/share/datasets/fashion-mnist || fail "the example's server (above)"

step "malformed requests: 400 or 413 naming the field or the setting; the server goes on"
"$py" "$root/tests/serve/serve_client.py" malformed "$port" || fail "malformed requests (above)"

step "SIGTERM under load: nothing dropped, exit 0"
"$py" "$root/tests/serve/serve_client.py" drain "$port" "$server_pid" || fail "the drain (above)"
wait "$server_pid" && status=0 || status=$?
[ "$status" = 0 ] || fail "the server exited $status after SIGTERM: $(tail -n 5 fm.out)"
grep -q "stopped; 0 request(s) dropped" fm.out || fail "the server dropped requests: $(tail -n 5 fm.out)"
grep -qE "^[0-9T:.-]+Z INFO cohort-serve: stopped; 0 request\(s\) dropped" logs/serve.log ||
  fail "cohort-serve's log ./logs/serve.log does not say how it stopped: $(tail -n 3 logs/serve.log)"

step "cohort-serve mlp: TorchScript, answers equal PyTorch's"
serve mlp "$build/bin/cohort-serve" mlp --registry "$registry"
"$py" "$root/tests/serve/serve_client.py" torchscript "$port" "$work/mlp/outputs/model/model.pt" ||
  fail "the TorchScript server (above)"

step "SIGTERM while a large request runs: readiness 503 at once, the request answered"
"$py" "$root/tests/serve/serve_client.py" ready-while-draining "$port" "$server_pid" ||
  fail "readiness while draining (above)"
wait "$server_pid" || fail "cohort-serve exited $? after SIGTERM"
grep -q "stopped; 0 request(s) dropped" mlp.out || fail "cohort-serve dropped requests: $(tail -n 5 mlp.out)"

step "--follow: the alias moved under load to version 2, then to a tampered version 3"
mkdir -p mlp2/outputs/model mlp3/outputs/model
"$py" - mlp2/outputs/model mlp3/outputs/model <<'PY'
import json, sys, torch
for seed, folder in ((2, sys.argv[1]), (3, sys.argv[2])):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(784, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                              torch.nn.ReLU(), torch.nn.Linear(2048, 10)).eval()
    torch.jit.save(torch.jit.script(net), folder + "/model.pt")
    json.dump({"architecture": "mlp-784-2048-2048-10"}, open(folder + "/model.json", "w"))
PY
model register mlp --from mlp2/outputs >/dev/null
model register mlp --from mlp3/outputs >/dev/null
stored3=$(find "$registry/models/mlp/versions/00000003" -name model.pt)
printf 'x' | dd of="$stored3" bs=1 seek=200 conv=notrunc 2>/dev/null
model alias mlp:1 prod >/dev/null
serve follow "$build/bin/cohort-serve" mlp@prod --follow --follow-seconds 1 --registry "$registry"
"$py" "$root/tests/serve/serve_client.py" load "$port" "$work/stop-load" "$work/mlp/outputs/model/model.pt" \
  "$work/mlp2/outputs/model/model.pt" &
loader=$!
for _ in $(seq 600); do [ -e "$work/stop-load.started" ] && break; sleep 0.1; done
[ -e "$work/stop-load.started" ] || fail "the load never got an answer"
sleep 0.5
model alias mlp:2 prod >/dev/null
for _ in $(seq 150); do grep -q "now serving version 2" follow.out && break; sleep 0.1; done
grep -q "now serving version 2" follow.out || fail "the move to version 2 was not picked up: $(tail -n 5 follow.out)"
sleep 1
model alias mlp:3 prod >/dev/null
for _ in $(seq 150); do grep -q "version 3 of mlp, which mlp@prod names, cannot be served" follow.out && break; sleep 0.1; done
refusal=$(sed -n '/version 3 of mlp, which mlp@prod names, cannot be served/,/still serving version 2/p' follow.out)
grep -q "model.pt" <<<"$refusal" && grep -q "still serving version 2" <<<"$refusal" ||
  fail "the tampered version 3 was not refused naming model.pt: $(tail -n 5 follow.out)"
sleep 1
touch "$work/stop-load"
wait "$loader" || fail "answers while the alias moved (above)"
kill -TERM "$server_pid"
wait "$server_pid" || fail "cohort-serve --follow exited $? after SIGTERM"

step "--canary mlp@staging=30% --follow: 30% of the answers from version 2, each its own version's; the canary follows its alias"
model alias mlp:2 staging >/dev/null
serve canary "$build/bin/cohort-serve" mlp:1 --canary mlp@staging=30% --follow --follow-seconds 1 --registry "$registry"
grep -q "30% of the requests go to version 2" canary.out || fail "no canary: $(cat canary.out)"
"$py" "$root/tests/serve/serve_client.py" load "$port" "$work/stop-canary" "$work/mlp/outputs/model/model.pt" \
  "$work/mlp2/outputs/model/model.pt" 0.3 || fail "the canary (above)"
curl -s "http://127.0.0.1:$port/metrics" | grep -q 'role="canary"' || fail "/metrics does not name the canary"
model alias mlp:3 staging >/dev/null
for _ in $(seq 150); do grep -q "still serving version 2 as the canary" canary.out && break; sleep 0.1; done
refusal=$(sed -n '/version 3 of mlp, which mlp@staging names, cannot be served/,/still serving version 2 as the canary/p' canary.out)
grep -q "model.pt" <<<"$refusal" && grep -q "still serving version 2 as the canary" <<<"$refusal" ||
  fail "the tampered version 3 was not refused with version 2 kept as the canary: $(tail -n 5 canary.out)"
model register mlp --from mlp2/outputs >/dev/null # version 4: version 2's files
model alias mlp:4 staging >/dev/null
for _ in $(seq 150); do grep -q "now serving version 4 of mlp as the canary" canary.out && break; sleep 0.1; done
grep -q "now serving version 4 of mlp as the canary" canary.out || fail "the canary did not follow: $(tail -n 5 canary.out)"
curl -s "http://127.0.0.1:$port/metrics" | grep 'role="canary"' | grep -q 'version="4"' || fail "/metrics: no canary 4"
version=$(curl -s -D - -o /dev/null -d '{"inputs":[{"name":"x","shape":[1,784],"datatype":"FP32","data":['"$(seq -s, 784 | sed 's/[0-9]*/0/g')"']}]}' \
  "http://127.0.0.1:$port/v2/models/mlp/versions/4/infer" | tr -d '\r' | sed -n 's/^Cohort-Model-Version: //p')
[ "$version" = 4 ] || fail "a request naming version 4 was answered by '$version'"
kill -TERM "$server_pid"
wait "$server_pid" || fail "cohort-serve --canary exited $? after SIGTERM"

step "cohort-serve fm@prod: the example's architecture, built by cohort-serve itself, answers as PyTorch does"
serve fm-by-cohort-serve "$build/bin/cohort-serve" fm@prod --registry "$registry"
"$py" "$root/tests/serve/serve_client.py" example "$port" "$sha" "$work/fm/outputs/model" \
  /usr/share/datasets/fashion-mnist || fail "cohort-serve serving the example's architecture (above)"
kill -TERM "$server_pid"
wait "$server_pid" || fail "cohort-serve fm@prod exited $? after SIGTERM"

step "refused at start: an architecture cohort-serve cannot build, and a tampered file"
mkdir -p sk/outputs/model
echo '{"architecture": "sklearn.pipeline.Pipeline", "framework": "scikit-learn"}' >sk/outputs/model/model.json
printf 'pickled' >sk/outputs/model/model.pkl
model register sk --from sk/outputs >/dev/null 2>&1
if "$build/bin/cohort-serve" sk:1 --registry "$registry" --port 0 >refused.out 2>&1; then
  fail "cohort-serve served an architecture it cannot build"
fi
grep -q "sklearn.pipeline.Pipeline' is neither TorchScript" refused.out || fail "$(cat refused.out)"
grep -q "cohort::serve::run" refused.out || fail "no advice: $(cat refused.out)"
stored=$(find "$registry/models/mlp/versions/00000001" -name model.pt)
printf 'x' | dd of="$stored" bs=1 seek=100 conv=notrunc 2>/dev/null
if "$build/bin/cohort-serve" mlp:1 --registry "$registry" --port 0 >tampered.out 2>&1; then
  fail "cohort-serve served a tampered file"
fi
grep -q "model.pt" tampered.out || fail "the refusal does not name model.pt: $(cat tampered.out)"
ls /tmp | grep -q "^cohort-serve-" && fail "a download folder was left in /tmp: $(ls /tmp | grep cohort-serve-)"
echo "check_serve: all checks passed"
