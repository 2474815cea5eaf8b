#!/usr/bin/env bash
# cohort-model against one storage backend, end to end:
#   local     a folder
#   azurite   a real Azurite (started here on a free port)
#   webhdfs   the WebHDFS fixture (a stand-in for HDFS: no HDFS server exists here)
# Each check: 8 registrations at once get 8 distinct versions, none lost; a
# registration killed with SIGKILL halfway leaves nothing list/show/download
# see, and the next one succeeds; a byte flipped in a stored file makes
# download and verify fail naming the file; alias moves are kept in the
# history; bad input (names, versions, --from, an unreachable registry,
# refused credentials, a missing container) gets a clear error, a non-zero
# exit and nothing half-written; `check` fails where the registry cannot be
# written; a damaged record is named while list shows the rest; `gc` finds
# and removes what a killed registration left; a failed registration leaves
# nothing; a symbolic link in a local registry is refused.
#   check_registry.sh BUILD_DIR BACKEND
set -euo pipefail
build="$1"
backend="$2"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="$build/bin/cohort-model"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_registry.XXXXXX")"
pids=()
source "$root/tests/common/servers.sh"
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_registry[$backend]: FAILED: $*"; exit 1; }
step() { echo "== [$backend] $*"; }
export COHORT_DATA_RETRIES=2 COHORT_DATA_TIMEOUT_S=10
blobs() { /usr/bin/python3 "$root/tests/runlog/azure_blobs.py" "$@"; }

# The backend: REG is the registry's URL; stored_get / stored_put / stored_rm
# read, replace and remove one stored object (for the tampering checks); stored_list lists the
# objects under a prefix (for the crash check).
case "$backend" in
  local)
    REG="$work/registry"
    stored_get() { cp "$REG/$1" "$2"; }
    stored_put() { cp "$2" "$REG/$1"; }
    stored_rm() { rm "$REG/$1"; }
    stored_list() { (cd "$REG" 2>/dev/null && find "$1" -type f 2>/dev/null) || true; }
    ;;
  azurite)
    start_azurite azurite
    export COHORT_AZURE_ACCOUNT_KEY="$azurite_key"
    REG="$azurite_endpoint/models/registry"
    stored_get() { mkdir -p "$work/get"; blobs download "$azurite_endpoint" models "registry/$(dirname "$1")" "$work/get" >/dev/null; cp "$work/get/$(basename "$1")" "$2"; rm -rf "$work/get"; }
    stored_put() { blobs put "$azurite_endpoint" models "registry/$1" "$2"; }
    stored_rm() { blobs delete "$azurite_endpoint" models "registry/$1"; }
    stored_list() {  # the blobs under the prefix $1, or the blob $1 itself
      blobs list "$azurite_endpoint" models "registry/$1" 2>/dev/null || true
      blobs list "$azurite_endpoint" models "registry/$(dirname "$1")" 2>/dev/null | grep -Fx "$(basename "$1")" || true
    }
    ;;
  webhdfs)
    start_webhdfs hdfs
    export COHORT_HDFS_USER=cohort
    REG="hdfs://127.0.0.1:$webhdfs_namenode/user/cohort/registry"
    stored_get() { cp "$work/hdfs/user/cohort/registry/$1" "$2"; }
    stored_put() { cp "$2" "$work/hdfs/user/cohort/registry/$1"; }
    stored_rm() { rm "$work/hdfs/user/cohort/registry/$1"; }
    stored_list() { (cd "$work/hdfs/user/cohort/registry" 2>/dev/null && find "$1" -type f 2>/dev/null) || true; }
    ;;
  *) fail "unknown backend $backend" ;;
esac
export COHORT_REGISTRY="$REG"

# A run's outputs: a model of several files (one of 4 MiB, so copies take a while).
make_run() {  # make_run DIR FILES
  mkdir -p "$1/outputs/model/extra" "$1/logs"
  head -c 4194304 /dev/urandom >"$1/outputs/model/weights.h5"
  echo '{"architecture": "test.Net", "metrics": {"test_accuracy": 0.9}}' >"$1/outputs/model/model.json"
  for i in $(seq "$2"); do echo "part $i $RANDOM" >"$1/outputs/model/extra/part-$i.txt"; done
  printf '{"step":1,"epoch":0,"time":1,"loss":0.9}\n{"step":2,"epoch":0,"time":2,"test_accuracy":0.91}\n' >"$1/logs/metrics.jsonl"
}
make_run "$work/run" 3

step "register, list, show, download: the files come back byte for byte"
"$model" register fmnist --from "$work/run/outputs" --tag owner=test >"$work/reg1.txt" 2>&1 || fail "register: $(cat "$work/reg1.txt")"
grep -q "registered fmnist:1 (5 files" "$work/reg1.txt" || fail "unexpected: $(cat "$work/reg1.txt")"
"$model" list | grep -q "^fmnist  *1  *1 " || fail "list: $("$model" list)"
"$model" show fmnist:1 | grep -q "owner=test" || fail "show: $("$model" show fmnist:1)"
"$model" download fmnist "$work/down1" >/dev/null || fail "download failed"
diff -r "$work/run/outputs/model" "$work/down1" || fail "the downloaded files differ"
"$model" lineage fmnist --json >"$work/lineage.json"
/usr/bin/python3 - "$work/lineage.json" <<'PY' || fail "the lineage lacks what the run left"
import json, sys
l = json.load(open(sys.argv[1]))
assert l["schema"] == "cohort.lineage/1", l["schema"]
assert l["model"]["name"] == "fmnist" and l["model"]["version"] == 1, l["model"]
assert l["results"]["best"]["test_accuracy"]["value"] == 0.91, l["results"]
assert l["results"]["final"]["loss"]["value"] == 0.9, l["results"]
assert l["architecture"] == "test.Net"
PY

step "8 registrations at once: 8 distinct versions, none lost"
writers=()
for i in $(seq 8); do
  "$model" register race --from "$work/run/outputs" --tag writer="$i" >"$work/race-$i.txt" 2>&1 &
  writers+=($!)
done
wait "${writers[@]}" || true  # (not a bare wait: the servers are children too)
for i in $(seq 8); do grep -q "registered race:" "$work/race-$i.txt" || fail "writer $i: $(cat "$work/race-$i.txt")"; done
"$model" list race --json >"$work/race.json"
/usr/bin/python3 - "$work/race.json" <<'PY' || fail "the concurrent registrations lost or shared versions"
import json, sys
versions = json.load(open(sys.argv[1]))
assert sorted(v["version"] for v in versions) == list(range(1, 9)), [v["version"] for v in versions]
assert sorted(v["tags"]["writer"] for v in versions) == [str(i) for i in range(1, 9)], versions
PY

step "kill -9 halfway through a registration: nothing visible, the next one succeeds"
make_run "$work/big" 150
"$model" register crash --from "$work/run/outputs" >/dev/null
"$model" register crash --from "$work/big/outputs" >"$work/crash.txt" 2>&1 &
victim=$!
for _ in $(seq 600); do [ -n "$(stored_list models/crash/versions/00000002/files/extra)" ] && break; sleep 0.05; done
kill -KILL "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
[ -z "$(stored_list models/crash/committed/00000002.json)" ] ||
  fail "the registration finished before it could be killed (make the model larger)"
[ -n "$(stored_list models/crash/claims/00000002)" ] || fail "the registration was killed before it claimed a version"
"$model" list crash --json | /usr/bin/python3 -c 'import json,sys; v=[x["version"] for x in json.load(sys.stdin)]; assert v == [1], v' ||
  fail "a killed registration is visible"
"$model" show crash:2 >"$work/show2.txt" 2>&1 && fail "show of the killed version succeeded"
grep -q "has no version 2" "$work/show2.txt" || fail "unexpected: $(cat "$work/show2.txt")"
"$model" download crash "$work/down-crash" >/dev/null || fail "download after the crash failed"
diff -r "$work/run/outputs/model" "$work/down-crash" || fail "the newest visible version is not version 1"
"$model" register crash --from "$work/run/outputs" | grep -q "registered crash:3" || fail "the next registration did not succeed"

step "a flipped byte in a stored file: download and verify fail and name the file"
stored_get models/fmnist/versions/00000001/files/weights.h5 "$work/w.h5"
/usr/bin/python3 -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[1000] ^= 1; open(p, 'wb').write(b)" "$work/w.h5"
stored_put models/fmnist/versions/00000001/files/weights.h5 "$work/w.h5"
set +e
"$model" verify fmnist:1 >"$work/verify.txt" 2>&1; rc=$?
"$model" download fmnist:1 "$work/down-bad" >"$work/down-bad.txt" 2>&1; rc2=$?
set -e
[ $rc -eq 1 ] || fail "verify exited $rc on a damaged file: $(cat "$work/verify.txt")"
grep -q "weights.h5 does not match its sha256" "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"
[ $rc2 -ne 0 ] || fail "download of a damaged file succeeded"
grep -q "weights.h5 of fmnist:1 (.*) does not match its xxh128" "$work/down-bad.txt" ||
  fail "download does not name the file: $(cat "$work/down-bad.txt")"
[ ! -e "$work/down-bad" ] || fail "a refused download left $work/down-bad"
[ -z "$(find "$work" -maxdepth 1 -name '.down-bad*')" ] || fail "a refused download left its staging folder"
# A record made before files had an xxh128: download checks the sha256.
stored_get models/fmnist/committed/00000001.json "$work/record.json"
/usr/bin/python3 -c "
import json, sys; p = sys.argv[1]; r = json.load(open(p))
assert all(len(f['xxh128']) == 32 for f in r['files']), r
for f in r['files']: del f['xxh128']
json.dump(r, open(p, 'w'))" "$work/record.json"
stored_put models/fmnist/committed/00000001.json "$work/record.json"
"$model" download fmnist:1 "$work/down-bad" >"$work/down-bad.txt" 2>&1 && fail "download of a damaged file (sha256 only) succeeded"
grep -q "weights.h5 of fmnist:1 (.*) does not match its sha256" "$work/down-bad.txt" ||
  fail "download (sha256 only): $(cat "$work/down-bad.txt")"
[ ! -e "$work/down-bad" ] || fail "a refused download left $work/down-bad"

step "a missing stored file: download names it in the registry's words, never a data set's"
# (See Note [Storage messages]: storage speaks of objects; the registry adds its advice.)
gone=models/fmnist/versions/00000001/files/model.json
stored_get "$gone" "$work/gone.json"
stored_rm "$gone"
"$model" download fmnist:1 "$work/down-gone" >"$work/down-gone.txt" 2>&1 && fail "download of a version missing a file succeeded"
grep -q "the stored file model.json of fmnist:1 (.*) is missing" "$work/down-gone.txt" ||
  fail "download does not name the missing file: $(cat "$work/down-gone.txt")"
grep -q "register the model again" "$work/down-gone.txt" || fail "download gives no registry advice: $(cat "$work/down-gone.txt")"
grep -qi "cohort-pack\|index.json\|data set" "$work/down-gone.txt" && fail "a registry download speaks of data sets: $(cat "$work/down-gone.txt")"
[ ! -e "$work/down-gone" ] || fail "a refused download left $work/down-gone"
stored_put "$gone" "$work/gone.json"

step "aliases: moves and removals are kept in the history"
"$model" alias race:3 production >/dev/null
"$model" alias race:5 production >/dev/null
"$model" alias race:2 staging >/dev/null
"$model" alias --remove race staging >/dev/null
"$model" show race@production --json >"$work/alias.json"
/usr/bin/python3 - "$work/alias.json" <<'PY' || fail "the alias history is wrong"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == 5 and j["aliases"] == ["production"], j
h = [(e["alias"], e["from"], e["to"]) for e in j["alias_history"]]
assert h == [("production", None, 3), ("production", 3, 5), ("staging", None, 2), ("staging", 2, None)], h
assert all("@" in e["by"] and e["at"] > 0 for e in j["alias_history"])
PY
"$model" download race@production "$work/down-prod" >/dev/null || fail "download by alias failed"

step "bad input: a clear error, a non-zero exit, nothing half-written"
before=$(stored_list models | sort)
refused() {  # refused STATUS PATTERN ARGS...: exits STATUS and says PATTERN
  local want="$1" pattern="$2"; shift 2
  set +e
  "$model" "$@" >"$work/bad.txt" 2>&1
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, not $want: $(cat "$work/bad.txt")"
  grep -q -- "$pattern" "$work/bad.txt" || fail "'$*' does not say '$pattern': $(cat "$work/bad.txt")"
  grep -q "what to do" "$work/bad.txt" || fail "'$*' does not say what to do: $(cat "$work/bad.txt")"
}
refused 2 "has no model 'nosuch'" show nosuch
refused 2 "has no version 99" show fmnist:99
refused 2 "not a whole number" show fmnist:zero
refused 2 "has no alias 'gone'" show fmnist@gone
refused 2 "holds '/'" register a/b --from "$work/run/outputs"
refused 2 'holds ".."' register a..b --from "$work/run/outputs"
refused 2 "holds a space" register "a b" --from "$work/run/outputs"
refused 2 "holds a control character" register "$(printf 'a\tb')" --from "$work/run/outputs"
refused 2 "longer than 128" register "$(printf 'm%.0s' $(seq 300))" --from "$work/run/outputs"
refused 2 "holds no model" register empty --from "$work/run/logs"
refused 2 "is not a folder" register empty --from "$work/nowhere"
refused 2 "is all digits" alias fmnist:1 123
refused 2 "no alias 'never'" alias --remove fmnist never
[ "$(stored_list models | sort)" = "$before" ] || fail "bad input changed the registry"
case "$backend" in
  local)
    echo "not a folder" >"$work/file"
    refused 1 "cannot create" register x --registry "$work/file/registry" --from "$work/run/outputs"
    ;;
  azurite)
    COHORT_AZURE_ACCOUNT_KEY="$(printf 'x%.0s' $(seq 64) | base64 -w0)" \
      refused 1 "HTTP 403" list
    refused 1 "HTTP 404" list --registry "$azurite_endpoint/nosuchcontainer/registry"
    port=$(free_port)
    refused 1 "127.0.0.1:$port" list --registry "http://127.0.0.1:$port/devstoreaccount1/models/registry"
    ;;
  webhdfs)
    port=$(free_port)
    refused 1 "127.0.0.1:$port" list --registry "hdfs://127.0.0.1:$port/user/cohort/registry"
    ;;
esac
[ "$(stored_list models | sort)" = "$before" ] || fail "a refused command changed the registry"

step "check: the registry can be written, or exit 1 naming it"
"$model" check >"$work/check.txt" 2>&1 || fail "check of a sound registry: $(cat "$work/check.txt")"
case "$backend" in
  local)
    refused 1 "the model registry $work/file cannot be written" check --registry "$work/file"
    refused 1 "cannot be written" check --registry /proc/cohort-registry
    ;;
  azurite)
    COHORT_AZURE_ACCOUNT_KEY="$(printf 'x%.0s' $(seq 64) | base64 -w0)" refused 1 "HTTP 403" check
    ;;
  webhdfs)
    refused 1 "127.0.0.1:$port" check --registry "hdfs://127.0.0.1:$port/user/cohort/registry"
    ;;
esac
[ "$(stored_list models | sort)" = "$before" ] || fail "check changed the registry"

step "gc: lists what the killed registration left, removes it only when asked"
"$model" gc >"$work/gc.txt" 2>&1 || fail "gc: $(cat "$work/gc.txt")"
grep -q "nothing left" "$work/gc.txt" || fail "gc took a registration of the last 24 hours as dead: $(cat "$work/gc.txt")"
"$model" gc --older-than 0 --json >"$work/gc.json" || fail "gc --older-than 0 failed"
/usr/bin/python3 - "$work/gc.json" "$backend" <<'PY' || fail "gc did not find the killed registration: $(cat "$work/gc.json")"
import json, sys
left = json.load(open(sys.argv[1]))
assert [(l["name"], l["version"]) for l in left] == [("crash", 2)], left
assert left[0]["objects"][-1] == "models/crash/claims/00000002", left
# A local registry: everything under the version's folder, the copy cut short included.
assert sys.argv[2] != "local" or left[0]["bytes"] > 0, left
assert not left[0]["files_unknown"] and not left[0]["removed"], left
PY
[ -n "$(stored_list models/crash/claims/00000002)" ] || fail "gc without --remove removed the claim"
"$model" gc --older-than 0 --remove >"$work/gc.txt" || fail "gc --remove: $(cat "$work/gc.txt")"
grep -q "removed 1 unfinished" "$work/gc.txt" || fail "gc --remove: $(cat "$work/gc.txt")"
[ -z "$(stored_list models/crash/claims/00000002)" ] || fail "gc --remove left the claim"
if [ "$backend" != azurite ]; then  # (stored_list of a folder lists only its blobs there)
  [ -z "$(stored_list models/crash/versions/00000002)" ] || fail "gc --remove left: $(stored_list models/crash/versions/00000002)"
fi
"$model" gc --older-than 0 | grep -q "nothing left" || fail "gc found more after --remove"
if [ "$backend" = local ]; then
  # A registration whose claim gc removes under it (--older-than 0) fails rather than commit.
  "$model" register inflight --from "$work/big/outputs" >"$work/inflight.txt" 2>&1 &
  victim=$!
  for _ in $(seq 600); do [ -n "$(stored_list models/inflight/versions/00000001/files/extra)" ] && break; sleep 0.05; done
  "$model" gc inflight --older-than 0 --remove >/dev/null 2>&1 || true
  set +e; wait "$victim"; rc=$?; set -e
  [ $rc -eq 1 ] || fail "a registration whose claim gc removed exited $rc: $(cat "$work/inflight.txt")"
  # (Its claim found gone before the commit, or a file of its gc removed mid-copy.)
  grep -q "what to do" "$work/inflight.txt" || fail "inflight: $(cat "$work/inflight.txt")"
  [ -z "$(stored_list models/inflight)" ] || fail "the stopped registration left: $(stored_list models/inflight)"
fi
"$model" list crash --json | /usr/bin/python3 -c 'import json,sys; v=[x["version"] for x in json.load(sys.stdin)]; assert v == [1, 3], v' ||
  fail "gc touched a committed version"

step "a damaged version record and alias event: list shows the rest and names them"
"$model" register dmg --from "$work/run/outputs" >/dev/null
"$model" register dmg --from "$work/run/outputs" >/dev/null
"$model" alias dmg:2 good >/dev/null
echo "not json" >"$work/garbage"
stored_put models/dmg/committed/00000001.json "$work/garbage"
echo '{"alias": 7, "from": null}' >"$work/event"
stored_put models/dmg/events/00000002.json "$work/event"
"$model" list >"$work/list.txt" 2>"$work/list.err" || fail "list with a damaged record: $(cat "$work/list.txt" "$work/list.err")"
grep -q "^fmnist  *1 " "$work/list.txt" || fail "list lost the other models: $(cat "$work/list.txt")"
grep -q "^dmg  *1 (+1 damaged)  *2 .*good=2" "$work/list.txt" || fail "list: $(cat "$work/list.txt")"
grep -q "models/dmg/committed/00000001.json is not a version record" "$work/list.err" || fail "list does not name the record: $(cat "$work/list.err")"
grep -q "models/dmg/events/00000002.json is not an alias event: 'alias' is missing or not a string" "$work/list.err" ||
  fail "list does not name the event: $(cat "$work/list.err")"
grep -q "json.exception" "$work/list.txt" "$work/list.err" && fail "list quotes the JSON library: $(cat "$work/list.err")"
"$model" list dmg --json 2>/dev/null >"$work/dmg.json" || fail "list dmg failed"
/usr/bin/python3 - "$work/dmg.json" <<'PY' || fail "list dmg --json: $(cat "$work/dmg.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert [x["version"] for x in v] == [1, 2], v
assert v[0]["damaged"]["record"].endswith("models/dmg/committed/00000001.json"), v[0]
assert "files" in v[1] and "damaged" not in v[1], v[1]
PY
"$model" show dmg:2 >/dev/null 2>&1 || fail "show of the sound version failed"
refused 1 "models/dmg/committed/00000001.json is not a version record" show dmg:1

if [ "$backend" = local ]; then
  step "a failed registration leaves no name, claim or file"
  mkdir -p "$REG/models/fails"
  echo "in the way" >"$REG/models/fails/versions"
  refused 1 "versions/00000001/files" register fails --from "$work/run/outputs"
  [ ! -e "$REG/names/fails" ] || fail "a failed registration left its name"
  [ -z "$(find "$REG/models/fails" -type f ! -path "$REG/models/fails/versions")" ] ||
    fail "a failed registration left: $(find "$REG/models/fails" -type f)"
  rm "$REG/models/fails/versions"

  step "a symbolic link in the registry is refused, not followed"
  cp "$REG/models/fmnist/committed/00000001.json" "$work/record-copy.json"
  ln -sf "$work/record-copy.json" "$REG/models/dmg/committed/00000003.json"
  "$model" list dmg 2>"$work/link.err" >/dev/null || fail "list with a link: $(cat "$work/link.err")"
  grep -q "00000003.json is a symbolic link" "$work/link.err" || fail "list: $(cat "$work/link.err")"
  refused 1 "is a symbolic link" show dmg:3
  cp "$REG/models/race/versions/00000001/files/weights.h5" "$work/weights-copy.h5"
  ln -sf "$work/weights-copy.h5" "$REG/models/race/versions/00000001/files/weights.h5"
  refused 1 "weights.h5 is a symbolic link" download race:1 "$work/down-link"
  [ ! -e "$work/down-link" ] || fail "a refused download left $work/down-link"
  mv "$REG/models/race/versions" "$work/race-versions"
  ln -s "$work/race-versions" "$REG/models/race/versions"
  refused 1 "models/race/versions is a symbolic link" download race:2 "$work/down-link"
fi
echo "check_registry[$backend]: passed"
