# Helpers for the failure-path checks (check_watchdog.sh, check_bad_env.sh):
# run the victim program one way, then check how it ended. Sourced, not run.
#
#   run_case NAME LIMIT_S COMMAND...   runs COMMAND (at most LIMIT_S seconds),
#                                      keeping its exit status, duration and output
#   expect_failure_within SECONDS      it exited non-zero, in less than SECONDS
#   expect_success                     it exited 0
#   expect_output REGEX                its output matches REGEX (grep -E)
#   expect_no_leftovers                no process carrying this case's tag remains
#   finish                             prints the verdict; the script's exit status
#
# Each case gets a unique tag ($tag) to pass to the victim as an extra
# argument, so that leftover processes are found by it (and only them).

failures=0
case_name=""
case_status=0
case_elapsed=0
case_output=""
tag=""
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/cohort_victim.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT

# Launcher variables that must not leak into a case from the caller's environment.
launcher_vars=(COHORT_RANK COHORT_WORLD_SIZE COHORT_LOCAL_RANK COHORT_LOCAL_SIZE
               PMI_RANK PMI_SIZE MPI_LOCALRANKID MPI_LOCALNRANKS
               SLURM_PROCID SLURM_NTASKS SLURM_LOCALID
               RANK WORLD_SIZE LOCAL_RANK LOCAL_WORLD_SIZE)
for var in "${launcher_vars[@]}"; do unset "$var"; done

fail() {
  echo "FAIL [$case_name]: $*"
  failures=$((failures + 1))
}

# Prepared before the command runs, so the command line can carry it.
next_tag() {
  tag="cohort-victim-$$-$RANDOM$RANDOM"
}

run_case() {
  case_name=$1
  local limit=$2
  shift 2
  echo "---- $case_name: $*"
  case_output="$work_dir/$case_name.log"
  local start end
  start=$(date +%s.%N)
  timeout -k 3 "$limit" "$@" >"$case_output" 2>&1
  case_status=$?
  end=$(date +%s.%N)
  case_elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "     exit status $case_status after ${case_elapsed} s"
  sed 's/^/     | /' "$case_output" | head -n 40
  if [ "$case_status" -eq 124 ] || [ "$case_status" -eq 137 ]; then
    fail "still running after ${limit} s (hung?)"
  fi
}

expect_failure_within() {
  [ "$case_status" -ne 0 ] || fail "exited 0; expected a failure"
  awk -v t="$case_elapsed" -v limit="$1" 'BEGIN { exit !(t < limit) }' ||
    fail "took ${case_elapsed} s; expected under $1 s"
}

expect_success() {
  [ "$case_status" -eq 0 ] || fail "exited $case_status; expected 0"
}

expect_output() {
  grep -Eq -- "$1" "$case_output" || fail "output does not match: $1"
}

expect_no_leftovers() {
  # MPI may take a moment to reap the ranks after mpirun returns.
  local pids=""
  for _ in $(seq 1 20); do
    pids=$(pgrep -f -- "$tag" || true)
    [ -z "$pids" ] && return 0
    sleep 0.25
  done
  fail "processes left behind: $(ps -o pid=,args= -p $(echo $pids | tr ' ' ',') 2>/dev/null)"
  # Clean up what this case started (found by its unique tag).
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
}

finish() {
  if [ "$failures" -eq 0 ]; then
    echo "all cases passed"
    exit 0
  fi
  echo "$failures check(s) failed"
  exit 1
}
