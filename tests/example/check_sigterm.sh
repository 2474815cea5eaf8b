#!/usr/bin/env bash
# A clean SIGTERM stop under plain mpirun (no cohortrun): the README's minimal
# trainer, sent SIGTERM on every rank (as Slurm's scancel and most schedulers
# do), agrees to stop, writes a checkpoint at the step it reached, and exits
# 143; `mpirun --quiet` then exits 143 too, with no Open MPI abort banner and no
# MPI_Abort. A second run resumes from that checkpoint.
#   check_sigterm.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
program="$build/examples/minimal/minimal"
work="$(mktemp -d)"
job=""
cleanup() {
  [ -n "$job" ] && kill -KILL "$job" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_sigterm: FAILED: $*"; exit 1; }

"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 >/dev/null

# run NAME WAIT_FOR: starts 2 ranks under mpirun --quiet in $work (so both runs
# share ./outputs), waits until WAIT_FOR shows in the output, sends SIGTERM to
# the ranks (not to mpirun), and leaves mpirun's exit status in $rc.
run() {
  local name=$1 wait_for=$2
  (cd "$work" && exec mpirun --quiet -n 2 "$program" "$work/data/train" 30) >"$work/$name.out" 2>&1 &
  job=$!
  for _ in $(seq 600); do
    grep -q "$wait_for" "$work/$name.out" && break
    kill -0 "$job" 2>/dev/null || fail "$name ended before '$wait_for': $(tail -n 20 "$work/$name.out")"
    sleep 0.1
  done
  grep -q "$wait_for" "$work/$name.out" || fail "$name never printed '$wait_for'"
  local ranks
  ranks=$(pgrep -P "$job" -x minimal) || fail "no ranks under mpirun"
  kill -TERM $ranks
  rc=0
  timeout 60 tail --pid="$job" -f /dev/null || fail "$name did not stop within 60 s of SIGTERM"
  wait "$job" || rc=$?
  job=""
}

expect_clean_stop() {
  local name=$1 out="$work/$1.out"
  [ "$rc" -eq 143 ] || fail "$name: mpirun exited $rc, not 143: $(tail -n 20 "$out")"
  ! grep -qi "abort" "$out" || fail "$name: an abort was reported: $(grep -i -m3 abort "$out")"
  local step
  step=$(sed -n 's/.*sent SIGTERM: checkpoint at step \([0-9]*\), then stop.*/\1/p' "$out")
  [ -n "$step" ] || fail "$name: rank 0 did not say it was stopping: $(tail -n 20 "$out")"
  grep -q "checkpoint step-$(printf %08d "$step") committed" "$out" ||
    fail "$name: no checkpoint committed at the stop step $step: $(tail -n 5 "$out")"
  stopped_at=$step
}

run first "checkpoint step-00000200 committed"
expect_clean_stop first
echo "first run: stopped at step $stopped_at, exit 143, no abort"

run second "resumed at step"
grep -q "resumed at step $stopped_at" "$work/second.out" ||
  fail "the second run did not resume at step $stopped_at: $(grep -m1 resumed "$work/second.out")"
expect_clean_stop second
echo "second run: resumed at the first stop, stopped again at step $stopped_at"
echo "check_sigterm: passed"
