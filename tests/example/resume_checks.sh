# Helpers for the resume checks (sourced): a trainer under cohortrun in the
# background, waiting for a committed checkpoint, killing one of its ranks,
# and comparing two runs' exported weights bit for bit. The caller sets
# $work, $cohortrun and $program (the trainer binary) and defines fail().

# launch NAME [cohortrun options...] -- PROGRAM ARGS: runs in the background, pid in $job.
launch() {
  local name="$1"; shift
  mkdir -p "$work/$name"
  "$cohortrun" --procs-per-node 2 --outputs "$work/$name/outputs" --logs "$work/$name/logs" --console-ranks 0 \
    "$@" >"$work/$name.out" 2>&1 &
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

kill_a_rank() {  # kill_a_rank MARK: SIGKILL to a rank process (not its agent or mpirun) whose command line has MARK
  local victim=""
  for pid in $(pgrep -f "$1"); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$program")" ] && { victim=$pid; break; }
  done
  [ -n "$victim" ] || fail "no rank process to kill"
  kill -KILL "$victim"
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
