# Helpers for the cohortrun checks (check_launcher_*.sh), on top of the
# failure-path helpers of the multi-rank tests. Sourced, not run.
#
#   start_case NAME LIMIT COMMAND...  starts COMMAND in the background (at most
#                                     LIMIT seconds); wait_case waits for it
#   wait_for_files SECONDS PATH...    until every PATH exists (false on timeout)
#   mark_fault                        notes the time of a fault just caused
#   case_command_pid                  the pid of the command start_case started
#   expect_fault_handled_within S     the first attempt in $case_logs/run.json
#                                     ended less than S seconds after the fault
#   expect_status N                   the exit status was exactly N
#   expect_file REGEX FILE            FILE matches REGEX (grep -E)
#   expect_run_json PYTHON_EXPR       the expression holds for d = run.json
#   new_case_dirs                     fresh $case_logs and $case_outputs
#
# $case_logs and $case_outputs are the --logs and --outputs of the case, in
# the checks' scratch folder ($work_dir).
source "$(dirname "${BASH_SOURCE[0]}")/../multirank/victim_checks.sh"

python=/usr/bin/python3
case_pid=""
case_start=""
fault_time=""
case_logs=""
case_outputs=""
case_counter=0

new_case_dirs() {
  case_counter=$((case_counter + 1))
  case_logs="$work_dir/case$case_counter/logs"
  case_outputs="$work_dir/case$case_counter/outputs"
  mkdir -p "$work_dir/case$case_counter"
}

now() { date +%s.%N; }

case_limit=0

start_case() {
  case_name=$1
  local limit=$2
  case_limit=$limit
  shift 2
  echo "---- $case_name: $*"
  case_output="$work_dir/$case_name.log"
  case_start=$(now)
  timeout -k 3 "$limit" "$@" >"$case_output" 2>&1 &
  case_pid=$!
}

wait_case() {
  wait "$case_pid"
  case_status=$?
  case_elapsed=$(awk -v a="$case_start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  echo "     exit status $case_status after ${case_elapsed} s"
  sed 's/^/     | /' "$case_output" | head -n 60
  # cohortrun's own status for --timeout is 124 too: only the time tells.
  if awk -v t="$case_elapsed" -v l="$case_limit" 'BEGIN { exit !(t >= l - 0.5) }'; then
    fail "still running at its limit of $case_limit s (hung?)"
  fi
}

wait_for_files() {
  local limit=$1
  shift
  local deadline
  deadline=$(awk -v t="$(now)" -v l="$limit" 'BEGIN { printf "%.3f", t + l }')
  while awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t < d) }'; do
    local missing=0
    for f in "$@"; do [ -e "$f" ] || missing=1; done
    [ "$missing" -eq 0 ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $*"
  return 1
}

mark_fault() { fault_time=$(now); }

# The command start_case started (timeout(1)'s child): signals for it go
# there, as timeout(1) would add a SIGKILL of its own after -k seconds.
case_command_pid() { pgrep -P "$case_pid" | head -n 1; }

expect_status() {
  [ "$case_status" -eq "$1" ] || fail "exit status $case_status; expected $1"
}

expect_file() {
  grep -Eq -- "$1" "$2" 2>/dev/null || fail "$2 does not match: $1"
}

expect_run_json() {
  "$python" - "$case_logs/run.json" "$1" <<'PY' || fail "run.json: not true: $1"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

expect_fault_handled_within() {
  "$python" - "$case_logs/run.json" "$fault_time" "$1" <<'PY' || fail "the fault took too long to handle"
import datetime, json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
end = datetime.datetime.strptime(d["attempts"][0]["end_time"], "%Y-%m-%dT%H:%M:%S.%fZ")
end = end.replace(tzinfo=datetime.timezone.utc).timestamp()
took = end - float(sys.argv[2])
print("     the first attempt ended %.1f s after the fault" % took)
sys.exit(0 if 0 <= took < float(sys.argv[3]) else 1)
PY
}
