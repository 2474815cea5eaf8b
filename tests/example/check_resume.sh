#!/usr/bin/env bash
# Checkpoints of the real example under the real launcher, end to end:
#  1. an uninterrupted 2-rank run (the reference);
#  2. the same run under cohortrun --max-restarts 1 with one rank killed by
#     SIGKILL mid-run: the launcher restarts the job, which resumes from the
#     newest checkpoint and must end with bitwise the same weights;
#  3. SIGTERM to cohortrun mid-epoch: every rank writes an emergency checkpoint
#     within the grace period; running the job again finishes it, bitwise equal;
#  4. the newest checkpoint bit-flipped: the next start skips it, says why,
#     and resumes from the one before;
#  5. the exported model loaded with h5py into the same network in PyTorch
#     gives the C++ model's test-set predictions (check_export.py).
#   check_resume.sh BUILD_DIR
set -euo pipefail
build="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
example="$build/examples/fashion_mnist/fashion_mnist"
cohortrun="$build/bin/cohortrun"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check_resume: FAILED: $*"; exit 1; }

"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 | tail -n 1
# 2 epochs of 200 steps; momentum and the cosine schedule make every step's
# state matter, so a resume that is off by one sample or one step shows.
# Every run checkpoints every 25 steps (and after each epoch).
train=(--data "$work/data" --epochs 2 --max-train 12800 --batch 64 --threads 1 --checkpoint-every 25 --predictions)
program="$example"
source "$root/tests/example/resume_checks.sh"
run() {  # run NAME [cohortrun options...]: the example in the background
  local name="$1"; shift
  launch "$name" "$@" -- "$example" "${train[@]}" "$work/$name/pred.txt"
}

# 1. The reference.
run ref
wait "$job" || fail "the reference run failed: $(tail -n 20 "$work/ref.out")"
grep -q 'test accuracy:' "$work/ref.out" || fail "the reference run printed no accuracy"

# 2. One rank killed by SIGKILL after a checkpoint; the launcher restarts and the job resumes.
run kill --max-restarts 1
wait_step kill 100
kill_a_rank "$work/kill/pred.txt"
wait "$job" || fail "the restarted run failed: $(tail -n 20 "$work/kill.out")"
grep -q "resumed from .*step-" "$work/kill/logs/rank-0.log" || fail "the restart did not resume: $(tail "$work/kill.out")"
same_weights ref kill || fail "kill -9 and resume changed the final weights"

# 3. SIGTERM mid-epoch: an emergency checkpoint, then a second run finishes the job.
run term --grace-period 30s
wait_step term 250
kill -TERM "$job"
status=0; wait "$job" || status=$?
[ "$status" = 143 ] || fail "cohortrun exited $status after SIGTERM, not 143: $(tail -n 20 "$work/term.out")"
stopped=$(latest_step term)
grep -q "stopped by SIGTERM at step $stopped" "$work/term/logs/rank-0.log" ||
  fail "no emergency checkpoint at the step the rank stopped ($stopped): $(tail "$work/term/logs/rank-0.log")"
run term
wait "$job" || fail "the run after SIGTERM failed: $(tail -n 20 "$work/term.out")"
grep -q "resumed from .*step-0*$stopped " "$work/term/logs/rank-0.log" || fail "the second run did not resume at $stopped"
same_weights ref term || fail "SIGTERM and resume changed the final weights"

# 4. A bit flip in the newest checkpoint: skipped with the reason, the one before is used.
ck="$work/term/outputs/checkpoints"
newest=$(cat "$ck/latest")
/usr/bin/python3 -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 0x10; open(p, 'wb').write(b)" \
  "$ck/$newest/model.h5"
run term
wait "$job" || fail "the run with a corrupt checkpoint failed: $(tail -n 20 "$work/term.out")"
grep -q "skipping the checkpoint .*$newest: model.h5 does not match its checksum" "$work/term/logs/rank-0.log" ||
  fail "the bit flip was not reported: $(grep -i checkpoint "$work/term/logs/rank-0.log" | tail -n 5)"
grep -q "resumed from .*step-" "$work/term/logs/rank-0.log" || fail "did not resume from an older checkpoint"

# 5. The exported model in PyTorch.
/usr/bin/python3 "$root/tests/example/check_export.py" "$work/ref/outputs/model" "$work/ref/pred.txt" \
  /usr/share/datasets/fashion-mnist || fail "the exported model does not reproduce the predictions"
echo "check_resume: passed"
