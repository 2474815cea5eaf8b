#!/usr/bin/env bash
# The sweep defects a hostile user found (issue 30, items 1-9), each against
# the real cohort-sweep with real cohortrun jobs; each case failed before
# its fix:
#   - a new store over an earlier sweep's trials/ is refused (item 2);
#   - a trial whose metrics.jsonl is a FIFO, or a symlink to /dev/zero, is
#     failed saying so, within seconds, with the driver's memory small
#     (items 4, 5); a 300 MB line without a newline costs the driver less
#     than 150 MB and the trial's next line is read (item 5);
#   - status, best and report on a read-only mount (item 7; root only);
#   - a sweep file with bytes that are not UTF-8 is refused with its line,
#     creating nothing (item 8);
#   - --cohortrun checked before any trial, report -o FOLDER refused without
#     debris, E2BIG named as such, command-line mistakes exit 2, a second
#     SIGINT cuts the grace period short (item 9).
#   check_sweep_defects.sh BUILD_DIR
set -euo pipefail
build="$1"
sweep="$build/bin/cohort-sweep"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_sweep_defects.XXXXXX")"
mounted=""
cleanup() {
  pkill -f "$work" 2>/dev/null || true
  [ -n "$mounted" ] && umount -l "$mounted" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_sweep_defects: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
cd "$work"
db() { /usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); [print("|".join(map(str, r))) for r in c.execute(sys.argv[2])]' "$1/sweep.db" "$2"; }

# trial NAME SCRIPT: an executable trial program in $work.
trial() { printf '#!/bin/sh\n%s\n' "$2" >"$work/$1"; chmod +x "$work/$1"; }
# sweep_file FILE PROGRAM [ARGS] [SPACE] [MORE]: one trial of PROGRAM.
sweep_file() {
  cat >"$1" <<YAML
program: $2
args: [${3:-}]
metric: {name: score, goal: maximize}
space:
${4:-  x: {type: choice, values: [1]}}
sampler: grid
limits: {max_concurrent: 1}
${5:-}
YAML
}
# A trial that reports steps 1..3 and keeps its step in OUTPUTS (a resumable trainer).
trial good.sh 'step=$(cat "$COHORT_OUTPUTS_DIR/step" 2>/dev/null || echo 0)
[ "$step" -gt 0 ] && echo "resuming from step $step"
while [ "$step" -lt 3 ]; do step=$((step + 1)); echo "$step" >"$COHORT_OUTPUTS_DIR/step"
  echo "{\"step\": $step, \"score\": 0.$step}" >>"$COHORT_LOGS_DIR/metrics.jsonl"; done'

step "item 2: a new store over an earlier sweep's trials/ is refused"
sweep_file good.yaml "$work/good.sh"
"$sweep" run good.yaml --dir old --quiet || fail "the first sweep exited $?"
rm old/sweep.db old/sweep.db-wal old/sweep.db-shm 2>/dev/null || true
set +e; "$sweep" run good.yaml --dir old --quiet >refused.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "a deleted store over old trials: exit $rc: $(cat refused.txt)"
grep -q "old/trials holds 1 trial folder(s) (00001...) of an earlier sweep, but .*old/sweep.db is missing" refused.txt ||
  fail "the refusal: $(cat refused.txt)"
grep -q "what to do: start the new sweep in another folder" refused.txt || fail "no advice: $(cat refused.txt)"
[ ! -e old/sweep.db ] || fail "the refused run made a store"
: >old/sweep.db
set +e; "$sweep" run good.yaml --dir old --quiet >refused.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] && grep -q "sweep.db is empty" refused.txt || fail "an emptied store: exit $rc: $(cat refused.txt)"
grep -q "resuming" old/trials/00001/logs/rank-0.log && fail "the old trial was resumed"

step "item 4: a FIFO for metrics.jsonl fails the trial; the driver does not block"
trial fifo.sh 'mkfifo "$COHORT_LOGS_DIR/metrics.jsonl"; sleep 30'
sweep_file fifo.yaml "$work/fifo.sh"
set +e; timeout -k 5 60 "$sweep" run fifo.yaml --dir fifo --quiet --grace-period 2; rc=$?; set -e
[ "$rc" = 1 ] || fail "the FIFO sweep exited $rc (124: the driver hung)"
db fifo "SELECT state || ': ' || reason FROM trials" | grep -q "^failed: .*metrics.jsonl is a named pipe (FIFO), not a regular file" ||
  fail "the FIFO trial: $(db fifo 'SELECT state, reason FROM trials')"

# peak_kb PID: the process's peak resident set (VmHWM) in kB, polled until it
# exits; after 90 s it is killed (a driver that hangs or grows without end).
peak_kb() {
  local peak=0 now n=0
  while kill -0 "$1" 2>/dev/null; do
    now=$(awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
    [ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
    n=$((n + 1))
    [ "$n" -gt 900 ] && kill -9 "$1"
    sleep 0.1
  done
  echo "$peak"
}

step "item 5: metrics.jsonl -> /dev/zero fails the trial, with the driver's memory small"
trial zero.sh 'ln -s /dev/zero "$COHORT_LOGS_DIR/metrics.jsonl"; sleep 30'
sweep_file zero.yaml "$work/zero.sh"
"$sweep" run zero.yaml --dir zero --quiet --grace-period 2 &
pid=$!
peak=$(peak_kb "$pid")
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" = 1 ] || fail "the /dev/zero sweep exited $rc"
db zero "SELECT state || ': ' || reason FROM trials" | grep -q "^failed: .*metrics.jsonl is a character device" ||
  fail "the /dev/zero trial: $(db zero 'SELECT state, reason FROM trials')"
[ "$peak" -lt 153600 ] || fail "the driver's peak memory was $peak kB"

step "item 5: a 300 MB line without a newline: skipped, the next line read, the driver under 150 MB"
trial long.sh 'head -c 300000000 /dev/zero | tr "\0" x >>"$COHORT_LOGS_DIR/metrics.jsonl"
printf "\n{\"step\": 1, \"score\": 0.5}\n" >>"$COHORT_LOGS_DIR/metrics.jsonl"'
sweep_file long.yaml "$work/long.sh"
"$sweep" run long.yaml --dir long --quiet &
pid=$!
peak=$(peak_kb "$pid")
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" = 0 ] || fail "the long-line sweep exited $rc: $(db long 'SELECT state, reason FROM trials')"
[ "$(db long "SELECT value FROM metrics WHERE trial = 1 AND step = 1")" = 0.5 ] || fail "the line after the long one was not read"
grep -q "longer than 1048576 bytes" long/driver.log || fail "no warning about the long line: $(cat long/driver.log)"
[ "$peak" -lt 153600 ] || fail "the driver's peak memory was $peak kB with a 300 MB line"
echo "driver peak memory with a 300 MB line: $((peak / 1024)) MB"

step "item 7: status, best and report on a read-only mount"
if [ "$(id -u)" = 0 ] && mkdir ro && mount -t tmpfs -o size=16m tmpfs ro 2>/dev/null; then
  mounted="$work/ro"
  "$sweep" run good.yaml --dir ro/s --quiet || fail "the sweep on tmpfs exited $?"
  mount -o remount,ro ro || fail "cannot remount read-only"
  touch ro/s/x 2>/dev/null && fail "the mount is not read-only"
  "$sweep" status ro/s >ro-status.txt 2>&1 || fail "status on a read-only mount: $(cat ro-status.txt)"
  grep -q "1 completed" ro-status.txt || fail "status: $(cat ro-status.txt)"
  "$sweep" best ro/s --json >ro-best.txt 2>&1 || fail "best on a read-only mount: $(cat ro-best.txt)"
  grep -q '"trial": 1' ro-best.txt || fail "best: $(cat ro-best.txt)"
  "$sweep" report ro/s -o ro-report.html >/dev/null 2>&1 || fail "report on a read-only mount"
  grep -q "<svg" ro-report.html || fail "the report has no curves"
  umount ro && mounted=""
else
  echo "skipped: needs root to mount a read-only tmpfs"
fi

step "item 8: bytes that are not UTF-8 are refused with the line; nothing is created"
sweep_file latin1.yaml "$work/good.sh" '--name, "${x}"' "$(printf '  x:\n    type: choice\n    values:\n      - caf\xe9 au lait')"
set +e; "$sweep" run latin1.yaml --dir latin1 >latin1.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "a Latin-1 sweep file: exit $rc: $(cat latin1.txt)"
grep -q "latin1.yaml:8:12: holds the byte 0xE9, which is not UTF-8" latin1.txt || fail "the refusal: $(cat latin1.txt)"
[ ! -e latin1 ] || fail "the refused sweep left $(ls -A latin1)"

step "item 9: --cohortrun checked first, report -o FOLDER, E2BIG, exit 2, a second SIGINT"
set +e; "$sweep" run good.yaml --dir nocr --cohortrun "$work/absent" >nocr.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] && grep -q -- "--cohortrun: .*absent" nocr.txt || fail "a missing --cohortrun: exit $rc: $(cat nocr.txt)"
[ ! -e nocr ] || fail "a missing --cohortrun still made the sweep folder"
mkdir out
"$sweep" run good.yaml --dir rep --quiet || fail "the report sweep exited $?"
set +e; "$sweep" report rep -o out >report.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] && grep -q "out is a folder" report.txt || fail "report -o FOLDER: exit $rc: $(cat report.txt)"
[ -z "$(ls -A . | grep '^out\.tmp')" ] || fail "report -o FOLDER left $(ls -A | grep '^out\.tmp')"
for bad in "run" "best rep -n abc" "status" "run good.yaml --grace-period -5" "frobnicate"; do
  set +e; "$sweep" $bad >/dev/null 2>&1; rc=$?; set -e
  [ "$rc" = 2 ] || fail "cohort-sweep $bad exited $rc, not 2"
done
big=$(head -c 200000 /dev/zero | tr '\0' a)
sweep_file big.yaml "$work/good.sh" '"${x}"' "  x:
    type: choice
    values:
      - $big"  # (block style: yaml-cpp takes no flow key this long)
set +e; "$sweep" run big.yaml --dir big --quiet; rc=$?; set -e
[ "$rc" = 1 ] || fail "the E2BIG sweep exited $rc"
reason=$(db big "SELECT reason FROM trials WHERE id = 1")
echo "$reason" | grep -q "Argument list too long (an argument, or all of them with the environment, is longer than the system allows" ||
  fail "E2BIG: $reason"
echo "$reason" | grep -q "installed" && fail "E2BIG blamed on the installation: $reason"

cat >stubborn.py <<'PY'
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(os.path.join(os.environ["COHORT_LOGS_DIR"], "metrics.jsonl"), "a").write('{"step": 1, "score": 0.1}\n')
time.sleep(120)
PY
sweep_file stubborn.yaml /usr/bin/python3 "$work/stubborn.py"
"$sweep" run stubborn.yaml --dir stubborn --quiet --grace-period 60 &
pid=$!
for _ in $(seq 100); do grep -qs score stubborn/trials/00001/logs/metrics.jsonl && break; sleep 0.2; done
kill -INT "$pid"
sleep 2
kill -INT "$pid"
start=$(date +%s)
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$pid" 2>/dev/null && fail "the driver still waits 30 s after a second SIGINT (grace period 60 s)"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" = 130 ] || fail "the driver stopped by SIGINT exited $rc"
echo "second SIGINT to driver exit: $(( $(date +%s) - start )) s (grace period 60 s)"
grep -q "second" stubborn/driver.log || fail "driver.log does not say the grace period was cut"

echo "check_sweep_defects: all cases passed"
