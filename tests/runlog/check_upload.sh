#!/usr/bin/env bash
# Upload to a real Azurite (started here on a free port), checked with an
# independent client (azure_blobs.py): cohort-upload copies a logs and an
# outputs folder byte for byte (a file in blocks), copies only what changed
# the second time, goes on from its last block after kill -9, refuses wrong
# credentials with a clear message that holds no secret; cohortrun --upload
# copies a checkpoint during the run and everything at the end with the key
# in no process argument, log or run.json; and when the storage goes away
# mid-run, the job's files stay local and cohortrun exits 6. The same folders
# also go to HDFS through the WebHDFS fixture (a stand-in).
#   check_upload.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upload="$build/bin/cohort-upload"
cohortrun="$build/bin/cohortrun"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_upload.XXXXXX")"
pids=()
source "$root/tests/common/servers.sh"
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_upload: FAILED: $*"; exit 1; }
step() { echo "== $*"; }

start_azurite azurite
port=$azurite_port
endpoint=$azurite_endpoint
export COHORT_AZURE_ACCOUNT_KEY="$azurite_key"
key="$COHORT_AZURE_ACCOUNT_KEY"
blobs() { /usr/bin/python3 "$here/azure_blobs.py" "$@"; }
same() {  # same LOCAL REMOTE_COPY: byte for byte, dot-named files aside
  diff -r --exclude='.*' "$@" >/dev/null || { diff -r --exclude='.*' "$@" | head; fail "$1 and $2 differ"; }
}

step "cohort-upload copies logs and outputs, a large file in blocks"
logs="$work/logs" outputs="$work/outputs"
mkdir -p "$logs/tensorboard" "$logs/timeline" "$outputs/checkpoints/step-00000001" "$outputs/checkpoints/.step-2.tmp"
for i in $(seq 50); do echo "{\"step\":$i,\"loss\":0.$i}"; done > "$logs/metrics.jsonl"
head -c 70000 /dev/urandom > "$logs/tensorboard/events.out.tfevents.1.host"
echo '[]' > "$logs/timeline/rank-0.json"
head -c 5500000 /dev/urandom > "$outputs/checkpoints/step-00000001/model.h5"  # 6 blocks of 1 MiB
echo step-00000001 > "$outputs/checkpoints/latest"
echo partial > "$outputs/checkpoints/.step-2.tmp/model.h5"
export COHORT_UPLOAD_BLOCK_MB=1
url="$endpoint/runs/job-1"
"$upload" --to "$url" --logs "$logs" --outputs "$outputs" 2>&1 | tee "$work/first.txt"
blobs download "$endpoint" runs job-1 "$work/copy1" >/dev/null
same "$logs" "$work/copy1/logs"
same "$outputs" "$work/copy1/outputs"
blobs list "$endpoint" runs job-1 | grep -q '\.step-2\|upload-state' && fail "a dot-named file was uploaded"
echo "downloaded copy is identical"

step "a second sync copies only what changed"
"$upload" --to "$url" --logs "$logs" --outputs "$outputs" 2>&1 | tee "$work/second.txt"
grep -q "logs $logs: 0 file(s), 0 bytes copied; 3 unchanged" "$work/second.txt" || fail "the unchanged logs were copied again"
grep -q "outputs $outputs: 0 file(s), 0 bytes copied; 2 unchanged" "$work/second.txt" || fail "the unchanged outputs were copied again"
echo '{"step":51,"loss":0.05}' >> "$logs/metrics.jsonl"
"$upload" --to "$url" --logs "$logs" --outputs "$outputs" 2>&1 | tee "$work/third.txt"
grep -q "logs $logs: 1 file(s), " "$work/third.txt" || fail "the changed file was not the only one copied"
blobs download "$endpoint" runs job-1 "$work/copy2" >/dev/null
same "$logs" "$work/copy2/logs"

step "an upload killed part-way goes on from its last block"
export COHORT_UPLOAD_BLOCK_MB=0.25
head -c 50000000 /dev/urandom > "$outputs/big.bin"  # 191 blocks
"$upload" --to "$url" --logs "$logs" --outputs "$outputs" >"$work/killed.txt" 2>&1 &
victim=$!
/usr/bin/python3 - "$logs/.upload-state.json" <<'PY' || { kill -9 $victim; fail "the upload never reached block 10"; }
import json, sys, time
deadline = time.time() + 60
while time.time() < deadline:
    try:
        entry = json.load(open(sys.argv[1]))["files"].get("outputs/big.bin", {})
        if entry.get("blocks_done", 0) >= 10:
            sys.exit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.005)
sys.exit(1)
PY
kill -9 $victim; wait $victim 2>/dev/null || true
blobs list "$endpoint" runs job-1 | grep -qx 'outputs/big.bin' && fail "big.bin was complete before the kill; the test proves nothing"
"$upload" --to "$url" --logs "$logs" --outputs "$outputs" 2>&1 | tee "$work/resumed.txt"
grep -Eq "resuming outputs/big.bin at block ([1-9][0-9]+) of 191" "$work/resumed.txt" || fail "the upload started over"
blobs download "$endpoint" runs job-1 "$work/copy3" >/dev/null
cmp "$outputs/big.bin" "$work/copy3/outputs/big.bin" || fail "big.bin differs after the resumed upload"
echo "resumed upload is identical"
rm "$outputs/big.bin"
export COHORT_UPLOAD_BLOCK_MB=1

step "HDFS: the same folders through WebHDFS (to the WebHDFS fixture, a stand-in: no HDFS server exists here)"
start_webhdfs hdfs
nn=$webhdfs_namenode
COHORT_HDFS_USER=cohort "$upload" --to "hdfs://127.0.0.1:$nn/user/cohort/run" --logs "$logs" --outputs "$outputs" 2>&1 | tee "$work/hdfs.txt"
same "$logs" "$work/hdfs/user/cohort/run/logs"
same "$outputs" "$work/hdfs/user/cohort/run/outputs"
echo "the WebHDFS copy is identical"

step "wrong credentials: a clear error naming the URL, and no secret"
wrong="QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
set +e
COHORT_AZURE_ACCOUNT_KEY="$wrong" "$upload" --to "$endpoint/wrong/job" --logs "$logs" >"$work/wrong.txt" 2>&1
rc=$?
set -e
cat "$work/wrong.txt"
[ $rc -eq 1 ] || fail "cohort-upload exited $rc with refused credentials"
grep -q "127.0.0.1:$port/devstoreaccount1/wrong" "$work/wrong.txt" || fail "the message does not name the URL"
grep -q "HTTP 403" "$work/wrong.txt" || fail "the message lacks the storage's answer"
grep -q "COHORT_AZURE_ACCOUNT_KEY" "$work/wrong.txt" || fail "the message does not say what to check"
grep -qF "$wrong" "$work/wrong.txt" && fail "the message holds the key"
set +e
COHORT_AZURE_ACCOUNT_KEY="$wrong" "$cohortrun" --logs "$work/wlogs" --outputs "$work/wout" --upload "$endpoint/wrong/job" \
  -- /bin/true >"$work/wrong-run.txt" 2>&1
rc=$?
set -e
cat "$work/wrong-run.txt"
[ $rc -eq 2 ] || fail "cohortrun --upload with refused credentials exited $rc, not 2"
grep -q "HTTP 403" "$work/wrong-run.txt" || fail "cohortrun does not pass on the storage's message"
! grep -rqF "$wrong" "$work/wrong-run.txt" "$work/wlogs" 2>/dev/null || fail "the key was written"
"$cohortrun" --upload "$url?sv=1&sig=SECRET" -- /bin/true >"$work/query.txt" 2>&1 && fail "a URL with a SAS was accepted"
grep -q "COHORT_AZURE_SAS_TOKEN" "$work/query.txt" || fail "no hint for a URL with a SAS"

step "cohortrun --upload: a checkpoint during the run, everything at the end, no secret anywhere"
( while :; do ps -eo args >>"$work/ps.txt"; sleep 0.1; done ) &
ps_pid=$!
pids+=($ps_pid)
"$cohortrun" --logs "$work/run/logs" --outputs "$work/run/outputs" --upload "$endpoint/runs/job-2" \
  --upload-interval 1s -- "$here/fake_trainer.sh" 2>&1 | tee "$work/run.txt"
rc=${PIPESTATUS[0]}
stop_pid $ps_pid
[ $rc -eq 0 ] || fail "cohortrun --upload exited $rc"
grep -q "cohort-upload --watch" "$work/ps.txt" || fail "the process table was not sampled during the upload"
grep -qF "$key" "$work/ps.txt" && fail "the key appeared in a process's arguments"
grep -rqF "$key" "$work/run/logs" && fail "the key was written to the logs"
grep -q "checkpoint of" "$work/run/logs/upload.log" || fail "no checkpoint copy during the run"
blobs download "$endpoint" runs job-2 "$work/copy4" >/dev/null
same "$work/run/outputs" "$work/copy4/outputs"
same -x upload.log "$work/run/logs" "$work/copy4/logs"
blobs list "$endpoint" runs job-2 | grep -q '\.step\|\.latest' && fail "a folder being written was uploaded"
echo "the run's logs and outputs are in storage, identical"

step "the storage goes away mid-run: the job's files stay, cohortrun exits 6"
export COHORT_DATA_RETRIES=2 COHORT_DATA_TIMEOUT_S=5
"$cohortrun" --logs "$work/gone/logs" --outputs "$work/gone/outputs" --upload "$endpoint/runs/job-3" \
  --upload-interval 1s -- "$here/fake_trainer.sh" 4 >"$work/gone.txt" 2>&1 &
runner=$!
for _ in $(seq 100); do grep -qs "copying" "$work/gone/logs/upload.log" && break; sleep 0.1; done
stop_pid $azurite_pid
set +e
wait $runner
rc=$?
set -e
cat "$work/gone.txt"
[ $rc -eq 6 ] || fail "cohortrun exited $rc, not 6, when the last upload failed"
grep -q "upload to $endpoint/runs/job-3 failed" "$work/gone.txt" || fail "no message about the failed upload"
[ -s "$work/gone/outputs/final.txt" ] && [ -s "$work/gone/logs/run.json" ] || fail "the job's local files are missing"
grep -q '"state": "succeeded"' "$work/gone/logs/run.json" || fail "run.json does not record the job's success"
echo "check_upload: passed"
