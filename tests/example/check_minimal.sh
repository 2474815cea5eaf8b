#!/usr/bin/env bash
# The README's minimal trainer (examples/minimal: libtorch's Adam, the
# ShardedLoader, the Checkpointer, RunLog) under the real cohortrun: one rank
# killed with SIGKILL mid-run under --max-restarts 1 resumes from its newest
# checkpoint and ends with bitwise the weights of an uninterrupted run, so
# Adam's moments and step counts and the loader's position came back exactly.
#   check_minimal.sh BUILD_DIR
set -euo pipefail
build="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
program="$build/examples/minimal/minimal"
cohortrun="$build/bin/cohortrun"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check_minimal: FAILED: $*"; exit 1; }
source "$root/tests/example/resume_checks.sh"

"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 | tail -n 1
# 2 epochs of 937 steps, a checkpoint every 100.
launch ref -- "$program" "$work/data/train" 2
wait "$job" || fail "the reference run failed: $(tail -n 20 "$work/ref.out")"
grep -q "trained 1874 steps" "$work/ref.out" || fail "the reference run did not train 1874 steps: $(tail "$work/ref.out")"

launch kill --max-restarts 1 -- "$program" "$work/data/train" 2 "kill-me"
wait_step kill 1000  # in the second epoch, mid-window
kill_a_rank "kill-me"
wait "$job" || fail "the restarted run failed: $(tail -n 20 "$work/kill.out")"
grep -q "resumed at step 1[0-9][0-9][0-9]" "$work/kill/logs/rank-0.log" ||
  fail "the restart did not resume: $(tail "$work/kill/logs/rank-0.log")"
same_weights ref kill || fail "kill -9 and resume changed the final weights"
[ -s "$work/kill/logs/metrics.jsonl" ] || fail "RunLog wrote no metrics.jsonl"
[ -s "$work/kill/logs/timeline/rank-1.json" ] || fail "RunLog wrote no timeline for rank 1"
echo "check_minimal: passed"
