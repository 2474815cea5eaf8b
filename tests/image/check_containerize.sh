#!/usr/bin/env bash
# cohort-model containerize against real components (servers on 127.0.0.1,
# free ports, stopped at the end):
#   - two versions of a TorchScript MLP saved by PyTorch, registered;
#   - the image of mlp@prod: every blob matches its descriptor (read here from
#     index.json down, and by skopeo inspect), its labels name the version's
#     digest, and a second build into another folder gives the same digest;
#   - umoci unpacks it (checking every blob), and the server runs from the
#     unpacked root alone (chroot, as the image's user, with the image's
#     command line and environment and nothing else): its answers equal
#     PyTorch's forward within 1e-5 and name the version and digest; SIGTERM
#     ends it with exit 0; a model file changed in the unpacked root is
#     refused at start, naming the file;
#   - the example trained briefly and its image built with its own binary
#     (--server fashion_mnist --server-arg serve): run the same way, its
#     answers equal PyTorch's on the same weights (h5py);
#   - pushed to Debian's docker-registry with skopeo (--push) and copied
#     back: the manifest digest is kept;
#   - the next version rebuilt into the same folder keeps the server layer
#     and drops the old model layer; a damaged kept layer is written again;
#   - refusals: a folder that is not an image layout, an unknown model, a
#     missing server program, a registry nobody listens on; no debris.
# The server runs as a container runtime would run it: in a mount namespace
# of its own with /proc and /dev mounted in the root (and nothing else from
# the host). Needs root (chroot, umoci unpack, mounts), umoci, skopeo and
# docker-registry; without them it skips (exit 77), saying why.
#   check_containerize.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
skip() { echo "check_containerize: SKIPPED: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (chroot, umoci unpack)"
for tool in umoci skopeo docker-registry chroot unshare; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh installs it)"
done
unshare --mount true 2>/dev/null || skip "cannot make a mount namespace (unshare --mount) for /proc and /dev"
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_image.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do stop_pid "$p"; done; rm -rf "$work"' EXIT
fail() { echo "check_containerize: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
source "$root/tests/common/servers.sh"
cd "$work"
registry=$work/registry
model() { "$build/bin/cohort-model" --registry "$registry" "$@"; }
field() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
check_image() { "$py" "$root/tests/image/image_check.py" "$@"; }

step "two versions of a TorchScript MLP saved by PyTorch, registered; mlp@prod is version 1"
for v in 1 2; do
  mkdir -p "mlp$v/outputs/model"
  "$py" - "mlp$v/outputs/model" "$v" <<'PY'
import json, sys, torch
torch.manual_seed(int(sys.argv[2]))
net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)).eval()
torch.jit.save(torch.jit.script(net), sys.argv[1] + "/model.pt")
json.dump({"architecture": "mlp-784-256-10", "framework": "torchscript"}, open(sys.argv[1] + "/model.json", "w"))
PY
  model register mlp --from "mlp$v/outputs" >/dev/null 2>&1
done
model alias mlp:1 prod >/dev/null

step "containerize mlp@prod: every blob matches its descriptor; the labels name the version"
model --json containerize mlp@prod --to img >build1.json || fail "containerize: $(cat build1.json)"
digest=$(check_image layout img) || fail "$digest"
[ "$digest" = "$(field build1.json 'd["manifest_digest"]')" ] || fail "the digest printed is not the index's"
sha=$(field build1.json 'd["model_sha256"]')
skopeo inspect "oci:img:mlp-1" >inspect.json || fail "skopeo inspect: $(cat inspect.json)"
[ "$(field inspect.json 'd["Digest"]')" = "$digest" ] || fail "skopeo sees another digest"
[ "$(field inspect.json 'd["Labels"]["cohort.model.sha256"]')" = "$sha" ] || fail "labels: $(cat inspect.json)"
[ "$(field inspect.json 'd["Labels"]["cohort.model.version"]')" = 1 ] || fail "labels: $(cat inspect.json)"
echo "first build: $(field build1.json 'round(d["seconds"], 1)') s, $(field build1.json 'round(d["compressed_bytes"]/1e6)') MB compressed, $(field build1.json 'round(d["unpacked_bytes"]/1e6)') MB unpacked"

step "a second build into another folder gives the same digest"
model --json containerize mlp:1 --to img2 >build2.json || fail "containerize: $(cat build2.json)"
[ "$(field build2.json 'd["manifest_digest"]')" = "$digest" ] || fail "two builds, two digests"
rm -rf img2

step "umoci unpacks it; the server runs from the unpacked root alone (chroot) and answers as PyTorch does"
umoci unpack --image img:mlp-1 bundle >umoci.out 2>&1 || fail "umoci unpack: $(cat umoci.out)"
port=$(free_port)
mapfile -t command < <(check_image run bundle "$port")
"${command[@]}" >chroot.out 2>&1 &
server=$!
pids+=("$server")
wait_port "$port" || fail "the server in the image did not start: $(cat chroot.out)"
check_image infer "$port" mlp1/outputs/model/model.pt 1 "$sha" || fail "$(cat chroot.out)"
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" = 0 ] || fail "SIGTERM: the server exited $status: $(cat chroot.out)"
grep -q "stopped; 0 request(s) dropped" bundle/rootfs/srv/logs/serve.log || fail "no serve.log in /srv/logs"

step "a model file changed in the unpacked image is refused at start, naming it"
echo tampered >>bundle/rootfs/registry/models/mlp/versions/00000001/files/model.pt
status=0
timeout 60 "${command[@]}" >tampered.out 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "model.pt" tampered.out || fail "a tampered image served ($status): $(cat tampered.out)"

step "the example, trained briefly, in an image with its own binary (--server fashion_mnist --server-arg serve)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to data --shard-mb 4 >/dev/null
"$build/bin/cohortrun" --procs-per-node 1 --outputs fm/outputs --logs fm/logs -- \
  "$build/examples/fashion_mnist/fashion_mnist" --data "$work/data" --epochs 1 --max-train 2048 \
  >fm.out 2>&1 || fail "training: $(tail -n 20 fm.out)"
model register fm --from fm/outputs >/dev/null 2>&1
model --json containerize fm:1 --to fm-image --server "$build/examples/fashion_mnist/fashion_mnist" \
  --server-arg serve >fm-build.json || fail "containerize: $(cat fm-build.json)"
check_image layout fm-image >/dev/null
umoci unpack --image fm-image:fm-1 fm-bundle >umoci.out 2>&1 || fail "umoci unpack: $(cat umoci.out)"
port=$(free_port)
mapfile -t command < <(check_image run fm-bundle "$port")
"${command[@]}" >fm-chroot.out 2>&1 &
server=$!
pids+=("$server")
wait_port "$port" || fail "the example's image did not start: $(cat fm-chroot.out)"
"$py" "$root/tests/serve/serve_client.py" example "$port" "$(field fm-build.json 'd["model_sha256"]')" \
  "$work/fm/outputs/model" /usr/share/datasets/fashion-mnist || fail "the example's image (above)"
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" = 0 ] || fail "SIGTERM: the example's image exited $status: $(cat fm-chroot.out)"

step "pushed to docker-registry on 127.0.0.1 with --push, and copied back: the digest is kept"
regport=$(free_port)
cat >registry.yml <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry-data}}
http: {addr: 127.0.0.1:$regport}
YML
docker-registry serve registry.yml >registry.out 2>&1 &
pids+=("$!")
wait_port "$regport" || fail "docker-registry did not start: $(cat registry.out)"
model containerize mlp@prod --to img --push "127.0.0.1:$regport/cohort/mlp:1" --push-insecure >push.out 2>&1 ||
  fail "push: $(cat push.out)"
skopeo inspect --tls-verify=false "docker://127.0.0.1:$regport/cohort/mlp:1" >remote.json
[ "$(field remote.json 'd["Digest"]')" = "$digest" ] || fail "the registry holds another digest: $(cat remote.json)"
skopeo copy --quiet --preserve-digests --src-tls-verify=false "docker://127.0.0.1:$regport/cohort/mlp:1" oci:back:mlp-1
[ "$(check_image layout back)" = "$digest" ] || fail "the copy back has another digest"

step "the next version, rebuilt into the same folder, keeps the server layer"
model --json containerize mlp:2 --to img >build3.json || fail "containerize: $(cat build3.json)"
[ "$(field build3.json 'd["layers"][0]["kept"]')" = True ] || fail "the server layer was written again"
[ "$(field build3.json 'd["layers"][1]["kept"]')" = False ] || fail "the model layer was kept"
[ "$(field build3.json 'd["manifest_digest"]')" != "$digest" ] || fail "a new version, the same digest"
check_image layout img >/dev/null
[ "$(ls img/blobs/sha256 | wc -l)" = 4 ] || fail "the old image's blobs were left: $(ls img/blobs/sha256)"
echo "rebuilt in $(field build3.json 'round(d["seconds"], 1)') s"
server_blob=img/blobs/sha256/$(field build3.json 'd["layers"][0]["digest"][7:]')
printf 'x' | dd of="$server_blob" bs=1 seek=1000 conv=notrunc 2>/dev/null
model --json containerize mlp:2 --to img >build4.json || fail "containerize: $(cat build4.json)"
[ "$(field build4.json 'd["layers"][0]["kept"]')" = False ] || fail "a damaged server layer was kept"
check_image layout img >/dev/null

step "refusals: no layout, an unknown model, no server program, no registry; no debris"
mkdir notimage && echo keep >notimage/file
expect() {  # expect STATUS TEXT COMMAND...
  local want=$1 text=$2 status=0
  shift 2
  "$@" >refused.out 2>&1 || status=$?
  [ "$status" = "$want" ] && grep -q -- "$text" refused.out || fail "$* exited $status: $(cat refused.out)"
}
expect 2 "is not an OCI image layout" model containerize mlp:1 --to notimage
[ "$(cat notimage/file)" = keep ] && [ "$(ls -A notimage)" = file ] || fail "notimage was touched"
expect 2 "has no model 'nope'" model containerize nope:1 --to other
expect 2 "/nonexistent/serve" model containerize mlp:1 --to other --server /nonexistent/serve
expect 1 "skopeo could not push" model containerize mlp:2 --to img --push "127.0.0.1:$(free_port)/x:1" --push-insecure
expect 2 "needs --to" model containerize mlp:1
expect 2 "is not a valid image tag" model containerize mlp:1 --to other --tag 'a:b/../c'
[ ! -e other ] || fail "a refused build left the folder 'other'"
leftovers=$(ls -A "$work" | grep -E '\.model\.' || true; ls -A img/blobs/sha256 | grep '^\.' || true)
[ -z "$leftovers" ] || fail "debris: $leftovers"
echo "check_containerize: OK"
