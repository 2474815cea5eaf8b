#!/usr/bin/env bash
# cohortrun on one machine with real mpirun: 1, 2 and 3 ranks keep the
# environment contract and leave logs and run.json; a rank that throws,
# crashes, is killed or leaves early is named as the root cause within seconds, and a
# restart then succeeds; SIGTERM and --timeout stop every rank (with the
# grace period); no case leaves a process behind.
#
#   check_launcher_local.sh COHORTRUN LAUNCHER_RANK
set -u
cohortrun=$1
rank=$2
source "$(dirname "$0")/launcher_checks.sh"
host=$(hostname)

# Each case: fresh folders, a fresh tag, and cohortrun with those folders in $cr.
new_case() {
  new_case_dirs
  next_tag
  cr=("$cohortrun" --logs "$case_logs" --outputs "$case_outputs")
}

# ---- 1, 2 and 3 ranks: the contract, the console, the logs, run.json ----
for n in 1 2 3; do
  new_case
  run_case "ranks-$n" 60 "${cr[@]}" --procs-per-node "$n" -- "$rank" --seconds 0.5 "$tag"
  expect_success
  for r in $(seq 0 $((n - 1))); do
    expect_output "^\[rank $r\] contract ok: rank $r of $n, local $r of $n, on $host, restart 0"
    expect_file "^contract ok: rank $r of $n" "$case_logs/rank-$r.log"
    expect_file '"exit_code": 0' "$case_logs/exit-rank-$r.json"
    [ -s "$case_outputs/ready-rank-$r" ] || fail "rank $r wrote nothing to COHORT_OUTPUTS_DIR"
  done
  expect_output "^\[rank 0\] all ranks finished"
  expect_run_json "d['state'] == 'succeeded' and d['exit_status'] == 0 and d['world_size'] == $n"
  # A world of one starts without mpirun (See Note [A world of one]).
  expect_run_json "d['engine'] == ('none' if $n == 1 else 'mpirun') and d['hosts'][0]['name'] == '$host' and d['restarts'] == 0"
  expect_run_json "d['start_time'] <= d['end_time'] and d['program'][0] == '$rank'"
  expect_run_json "all(k in d['versions'] for k in ('cohort', 'mpi', 'libtorch')) and 'Open MPI' in d['versions']['mpi']"
  expect_no_leftovers
done

# ---- a world of one (an MPI singleton) that crashes or leaves without
# MPI_Finalize leaves no Open MPI session folder (ompi.*/jf.*) in TMPDIR
# (issue 30, item 17) ----
for how in segv exit0; do
  new_case
  singleton_tmp=$work_dir/tmp-singleton-$how
  mkdir -p "$singleton_tmp"
  run_case "singleton-$how" 60 env TMPDIR="$singleton_tmp" "${cr[@]}" -- "$rank" --fail-rank 0 --fail "$how" "$tag"
  expect_status "$([ "$how" = segv ] && echo 3 || echo 0)"
  left=$(find "$singleton_tmp" -mindepth 1 | head -n 5)
  [ -z "$left" ] || fail "the singleton's start left in TMPDIR: $left"
  expect_no_leftovers
done

# ---- --console-ranks and --env ----
new_case
run_case console 60 "${cr[@]}" --procs-per-node 2 --console-ranks 0 --env COHORT_LOG_LEVEL=debug \
  -- "$rank" "$tag"
expect_success
expect_output '^\[rank 0\] contract ok'
grep -q '^\[rank 1\]' "$case_output" && fail "rank 1 reached the terminal despite --console-ranks 0"
expect_file '^contract ok: rank 1 of 2' "$case_logs/rank-1.log"
expect_file 'DEBUG\] setting COHORT_LOG_LEVEL=debug' "$case_logs/rank-1.log"
expect_no_leftovers

# ---- a rank that throws: the runtime's error record is the root cause ----
new_case
run_case exception 60 "${cr[@]}" --procs-per-node 3 -- "$rank" --seconds 1 --fail-rank 1 --fail exception "$tag"
expect_failure_within 15
expect_status 1
expect_output "root cause: rank 1 on $host failed with an exception"
expect_output 'its error:  rank 1: the rank failed on purpose'
expect_output "log: +$case_logs/rank-1.log, last lines:"
expect_output '\| failing on purpose: exception'
expect_file '"kind": "exception"' "$case_logs/error-rank-1.json"
expect_run_json "d['state'] == 'failed' and d['exit_status'] == 1 and d['attempts'][0]['rank'] == 1"
expect_no_leftovers

# ---- a rank that crashes: the signal handler's record ----
new_case
run_case segv 60 "${cr[@]}" --procs-per-node 3 -- "$rank" --seconds 1 --fail-rank 2 --fail segv "$tag"
expect_failure_within 15
expect_status 3
expect_output "root cause: rank 2 on $host was killed by signal 11 \(SIGSEGV\)"
expect_output 'its error:  fatal signal SIGSEGV'
expect_file '"kind": "signal"' "$case_logs/error-rank-2.json"
expect_no_leftovers

# ---- a rank that exits 0 while the others wait in a collective (issue 30,
# item 12): it is the root cause, not the ranks mpirun ended after it ----
new_case
run_case early-exit 60 "${cr[@]}" --procs-per-node 3 -- "$rank" --seconds 1 --fail-rank 1 --fail exit0 "$tag"
expect_failure_within 15
expect_status 1
expect_output "root cause: rank 1 on $host exited 0 at [0-9T:.-]+Z while rank\(s\) 0,2 were still running: a rank that leaves before the others makes them wait in a collective"
expect_output "log: +$case_logs/rank-1.log"
expect_file '"exit_code": 0' "$case_logs/exit-rank-1.json"
expect_run_json "d['exit_status'] == 1 and d['attempts'][0]['rank'] == 1"
expect_no_leftovers

# ---- a rank killed with SIGKILL; the restart succeeds ----
# (and the killed attempt leaves no Open MPI shared-memory file in /dev/shm:
# Open MPI's daemon removes each rank's vader_segment file when the job ends)
new_case
shm_before=$(ls /dev/shm)
start_case sigkill 90 "${cr[@]}" --procs-per-node 3 --max-restarts 1 -- "$rank" --seconds 60 --until-restart 1 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2}; then
  sleep 0.5  # every rank is in its allreduce loop
  mark_fault
  kill -KILL "$(cat "$case_outputs/ready-rank-1")"
fi
wait_case
expect_success
expect_output "root cause: rank 1 on $host was killed by signal 9 \(SIGKILL\)"
expect_output 'starting again \(restart 1 of 1\)'
expect_output '^\[rank 1\] contract ok: rank 1 of 3, local 1 of 3, on [^,]+, restart 1'
expect_fault_handled_within 15
expect_run_json "d['state'] == 'succeeded' and d['restarts'] == 1 and d['attempts'][0]['exit_status'] == 3"
expect_run_json "'SIGKILL' in d['attempts'][0]['root_cause'] and d['attempts'][0]['logs'].endswith('/attempt-0')"
expect_file '"signal": 9' "$case_logs/attempt-0/exit-rank-1.json"
expect_file 'restart 1' "$case_logs/rank-1.log"
expect_no_leftovers
shm_left=$(comm -13 <(echo "$shm_before") <(ls /dev/shm) | grep -E '^vader_segment' || true)
[ -z "$shm_left" ] || fail "the killed attempt left shared-memory files in /dev/shm: $shm_left"

# ---- an exception twice, then success: the restart count reaches the ranks ----
new_case
run_case restarts 90 "${cr[@]}" --procs-per-node 2 --max-restarts 3 -- "$rank" --fail-rank 0 --fail exception --until-restart 2 "$tag"
expect_success
expect_output '^\[rank 0\] contract ok: .*restart 2'
expect_run_json "d['restarts'] == 2 and [a['exit_status'] for a in d['attempts']] == [1, 1, 0]"
[ -d "$case_logs/attempt-1" ] || fail "no attempt-1 folder"
expect_no_leftovers

# ---- SIGTERM (or SIGINT) to cohortrun reaches every rank; ranks that ignore
# SIGTERM get SIGKILL after the grace period ----
for mode in obeys ignores sigint; do
  new_case
  extra=()
  [ "$mode" = ignores ] && extra=(--ignore-term)
  start_case "sigterm-$mode" 60 "${cr[@]}" --procs-per-node 2 --grace-period 6 -- "$rank" --seconds 60 "${extra[@]}" "$tag"
  if wait_for_files 30 "$case_outputs"/ready-rank-{0,1}; then
    mark_fault
    kill "-$([ "$mode" = sigint ] && echo INT || echo TERM)" "$(case_command_pid)"
  fi
  wait_case
  took=$(awk -v a="$fault_time" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  if [ "$mode" = sigint ]; then
    expect_status 130
    expect_output 'root cause: stopped by SIGINT sent to cohortrun'
  else
    expect_status 143
    expect_output 'root cause: stopped by SIGTERM sent to cohortrun'
  fi
  if [ "$mode" != ignores ]; then
    expect_file '"signal": 15' "$case_logs/exit-rank-1.json"
    awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "took $took s though the ranks obey SIGTERM"
  else
    expect_file '"signal": 9' "$case_logs/exit-rank-1.json"
    awk -v t="$took" 'BEGIN { exit !(t >= 6 && t < 14) }' || fail "took $took s; the grace period is 6 s"
  fi
  expect_file '"stopped": true' "$case_logs/exit-rank-0.json"
  expect_no_leftovers
done

# ---- --timeout stops the whole job ----
new_case
start_case timeout 60 "${cr[@]}" --procs-per-node 2 --timeout 3s --grace-period 2 -- "$rank" --seconds 60 "$tag"
wait_case
expect_status 124
expect_output 'root cause: the job ran past --timeout'
awk -v t="$case_elapsed" 'BEGIN { exit !(t >= 3 && t < 12) }' || fail "took $case_elapsed s for --timeout 3s"
expect_run_json "d['exit_status'] == 124"
expect_no_leftovers

# ---- cohortrun itself killed: the engine still ends the job ----
new_case
start_case launcher-killed 60 "${cr[@]}" --procs-per-node 2 -- "$rank" --seconds 60 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1}; then
  kill -KILL "$(case_command_pid)"
fi
wait_case
expect_no_leftovers

# ---- rank variables that contradict MPI are refused by cohort::init (here set
# by hand under plain mpirun: every rank claims to be alone on the machine) ----
next_tag
run_case local-variables-disagree 60 mpirun -n 2 --oversubscribe --allow-run-as-root --bind-to none \
  -x COHORT_LOGS_DIR="$work_dir/disagree-logs" sh -c 'COHORT_RANK=$OMPI_COMM_WORLD_RANK COHORT_WORLD_SIZE=2 COHORT_LOCAL_RANK=0 COHORT_LOCAL_SIZE=1 exec "$0" "$1"' \
  "$rank" "$tag"
expect_failure_within 15
expect_output 'COHORT_LOCAL_RANK/COHORT_LOCAL_SIZE say local rank 0 of 1 but MPI says 1 of 2'
expect_file '"kind": "exception"' "$work_dir/disagree-logs/error-rank-1.json"
expect_no_leftovers

# ---- --dry-run prints the command and starts nothing ----
new_case
run_case dry-run 20 "${cr[@]}" --procs-per-node 2 --env COHORT_TEST_SECRET=s3cr3t --dry-run -- "$rank" "$tag"
expect_success
# The variables' values go in mpirun's environment, their names after -x.
expect_output "^COHORT_RUN_ID=.* COHORT_TEST_SECRET=<hidden> mpirun -n 2 .*-x COHORT_TEST_SECRET .*--rank-agent .*launcher_rank"
[ -e "$case_logs" ] && fail "--dry-run created the logs folder"
expect_no_leftovers

finish
