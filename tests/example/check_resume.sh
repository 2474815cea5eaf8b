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
cohortrun="$build/launcher/cohortrun/cohortrun"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check_resume: FAILED: $*"; exit 1; }

"$build/launcher/pack/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 | tail -n 1
# 2 epochs of 200 steps; momentum and the cosine schedule make every step's
# state matter, so a resume that is off by one sample or one step shows.
# Every run checkpoints every 25 steps (and after each epoch).
train=(--data "$work/data" --epochs 2 --max-train 12800 --batch 64 --threads 1 --checkpoint-every 25 --predictions)
launch() {  # launch NAME [cohortrun options...]: run in the background, pid in $job
  local name="$1"; shift
  "$cohortrun" --procs-per-node 2 --outputs "$work/$name/outputs" --logs "$work/$name/logs" --console-ranks 0 \
    "$@" -- "$example" "${train[@]}" "$work/$name/pred.txt" >"$work/$name.out" 2>&1 &
  job=$!
}
latest_step() {  # the step `latest` names in run NAME, or 0
  local f="$work/$1/outputs/checkpoints/latest"
  [ -f "$f" ] && sed 's/step-0*//; s/^$/0/' "$f" || echo 0
}
wait_step() {  # wait_step NAME STEP: until a checkpoint at or past STEP is committed (60 s at most)
  for _ in $(seq 600); do
    [ "$(latest_step "$1")" -ge "$2" ] && return 0
    kill -0 "$job" 2>/dev/null || fail "$1 ended before step $2: $(tail -n 5 "$work/$1.out")"
    sleep 0.1
  done
  fail "$1 never reached step $2"
}
same_weights() {  # same_weights A B: bitwise equal weights.h5
  /usr/bin/python3 - "$work/$1/outputs/model/weights.h5" "$work/$2/outputs/model/weights.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
bad = [k for k in a if a[k].dtype != b[k].dtype or not np.array_equal(a[k][...].view(np.uint8), b[k][...].view(np.uint8))]
if bad:
    sys.exit("weights differ in " + ", ".join(bad))
print("bitwise equal over", len(a), "tensors")
PY
}

# 1. The reference.
mkdir -p "$work/ref" && launch ref
wait "$job" || fail "the reference run failed: $(tail -n 20 "$work/ref.out")"
grep -q 'test accuracy:' "$work/ref.out" || fail "the reference run printed no accuracy"

# 2. One rank killed by SIGKILL after a checkpoint; the launcher restarts and the job resumes.
mkdir -p "$work/kill" && launch kill --max-restarts 1
wait_step kill 100
victim=""
for pid in $(pgrep -f "$work/kill/pred.txt"); do  # a rank itself, not its agent or mpirun
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$example")" ] && { victim=$pid; break; }
done
[ -n "$victim" ] || fail "no rank process to kill"
kill -KILL "$victim"
wait "$job" || fail "the restarted run failed: $(tail -n 20 "$work/kill.out")"
grep -q "resumed from .*step-" "$work/kill/logs/rank-0.log" || fail "the restart did not resume: $(tail "$work/kill.out")"
same_weights ref kill || fail "kill -9 and resume changed the final weights"

# 3. SIGTERM mid-epoch: an emergency checkpoint, then a second run finishes the job.
mkdir -p "$work/term" && launch term --grace-period 30s
wait_step term 250
kill -TERM "$job"
status=0; wait "$job" || status=$?
[ "$status" = 143 ] || fail "cohortrun exited $status after SIGTERM, not 143: $(tail -n 20 "$work/term.out")"
stopped=$(latest_step term)
grep -q "stopped by SIGTERM at step $stopped" "$work/term/logs/rank-0.log" ||
  fail "no emergency checkpoint at the step the rank stopped ($stopped): $(tail "$work/term/logs/rank-0.log")"
launch term
wait "$job" || fail "the run after SIGTERM failed: $(tail -n 20 "$work/term.out")"
grep -q "resumed from .*step-0*$stopped " "$work/term/logs/rank-0.log" || fail "the second run did not resume at $stopped"
same_weights ref term || fail "SIGTERM and resume changed the final weights"

# 4. A bit flip in the newest checkpoint: skipped with the reason, the one before is used.
ck="$work/term/outputs/checkpoints"
newest=$(cat "$ck/latest")
/usr/bin/python3 -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 0x10; open(p, 'wb').write(b)" \
  "$ck/$newest/model.h5"
launch term
wait "$job" || fail "the run with a corrupt checkpoint failed: $(tail -n 20 "$work/term.out")"
grep -q "skipping the checkpoint .*$newest: model.h5 does not match its checksum" "$work/term/logs/rank-0.log" ||
  fail "the bit flip was not reported: $(grep -i checkpoint "$work/term/logs/rank-0.log" | tail -n 5)"
grep -q "resumed from .*step-" "$work/term/logs/rank-0.log" || fail "did not resume from an older checkpoint"

# 5. The exported model in PyTorch.
/usr/bin/python3 "$root/tests/example/check_export.py" "$work/ref/outputs/model" "$work/ref/pred.txt" \
  /usr/share/datasets/fashion-mnist || fail "the exported model does not reproduce the predictions"
echo "check_resume: passed"
