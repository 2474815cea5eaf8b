#!/usr/bin/env bash
# kill -9 in the middle of a checkpoint write (Note [Checkpoint commit]): the
# next start must resume the last committed step with its exact state, remove
# the unfinished folder, and `latest` must name a committed folder.
#
#   check_kill_during_write.sh SAVE_LOOP [MB]
#
# SAVE_LOOP is tests/checkpoint/save_loop.cc's program; MB (default 150) the
# size of its state.
set -u
prog=$1
mb=${2:-150}
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_ckpt_kill.XXXXXX")
loop_pid=""
cleanup() {
  [ -n "$loop_pid" ] && kill -9 "$loop_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
ckpts=$work/checkpoints
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# The highest committed step in $ckpts (0 if none).
last_committed() {
  local name step=0
  for name in "$ckpts"/step-*; do
    [ -d "$name" ] || continue
    name=${name##*/step-}
    [ $((10#$name)) -gt "$step" ] && step=$((10#$name))
  done
  echo "$step"
}

# Starts the loop after step $1 and kills it once a write is in progress
# after at least one commit of this run. Sets $partial to the unfinished
# folder seen after the kill ("" if the write had just finished).
partial=""
kill_during_write() {
  local first=$(($1 + 1))
  "$prog" --dir "$ckpts" --mb "$mb" --first-step "$first" >"$work/loop.log" 2>&1 &
  loop_pid=$!
  local deadline=$((SECONDS + 180)) committed=0
  while [ $SECONDS -lt $deadline ] && kill -0 "$loop_pid" 2>/dev/null; do
    # "committed step" lines: this run committed at least once.
    if [ $committed -eq 0 ] && grep -q '^committed step' "$work/loop.log"; then committed=1; fi
    if [ $committed -eq 1 ] && compgen -G "$ckpts/.step-*.tmp" >/dev/null; then
      kill -9 "$loop_pid"
      wait "$loop_pid" 2>/dev/null
      loop_pid=""
      partial=$(compgen -G "$ckpts/.step-*.tmp" | head -n 1)
      echo "killed the loop during a write (after $(grep -c '^committed step' "$work/loop.log") commits;" \
           "unfinished: ${partial:-none, the write had just finished})"
      return 0
    fi
    sleep 0.02
  done
  echo "the loop never had a write in progress after a commit within 180 s; its output:"
  sed 's/^/  | /' "$work/loop.log" | tail -n 30
  [ -n "$loop_pid" ] && kill -9 "$loop_pid" 2>/dev/null
  loop_pid=""
  return 1
}

# Try again should the kill land just after a write finished (rare: the
# window is the last rename of a write that takes about a second).
for attempt in 1 2 3; do
  kill_during_write "$(last_committed)" || exit 1
  [ -n "$partial" ] && break
done
[ -n "$partial" ] || fail "three kills never landed in a write"

last=$(last_committed)
latest=$(cat "$ckpts/latest" 2>/dev/null)
echo "after the kill: last committed step $last, latest names '$latest'"
[ "$last" -gt 0 ] || fail "no committed checkpoint"
[ -n "$latest" ] && [ -d "$ckpts/$latest" ] || fail "latest ('$latest') does not name a committed folder"

out=$("$prog" --dir "$ckpts" --mb "$mb" --verify 2>&1)
status=$?
echo "$out" | sed 's/^/  | /' | grep -v '^  | \[cohort.*setting ' | tail -n 12
[ $status -eq 0 ] || fail "--verify exited $status"
echo "$out" | grep -q "^resumed step $last: state verified" || fail "--verify did not resume step $last with its state"
if [ -n "$partial" ]; then
  [ ! -e "$partial" ] || fail "the unfinished folder $partial is still there"
  echo "$out" | grep -q "removed .*${partial##*/}" || fail "resume did not say it removed ${partial##*/}"
fi
leftovers=$(compgen -G "$ckpts/.step-*")
[ -z "$leftovers" ] || fail "leftovers after resume: $leftovers"
latest=$(cat "$ckpts/latest" 2>/dev/null)
[ -n "$latest" ] && [ -d "$ckpts/$latest" ] || fail "latest ('$latest') does not name a committed folder after resume"

if [ $failures -eq 0 ]; then
  echo "PASS: killed during a write; resumed step $last exactly; the unfinished folder was removed"
  exit 0
fi
echo "$failures check(s) failed"
exit 1
