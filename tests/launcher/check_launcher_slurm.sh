#!/usr/bin/env bash
# cohortrun under a real Slurm cluster (slurmctld, slurmd and munged started
# here in a private folder, stopped at the end even on failure): srun inside
# an allocation at 3 ranks, a rank killed with SIGKILL and the restart, an
# exception's root cause, SIGTERM, a job that does not fit the allocation, and
# --slurm-submit's batch script run to the end by sbatch.
#
#   check_launcher_slurm.sh COHORTRUN LAUNCHER_RANK      (needs root; 77 = skipped)
set -u
cohortrun=$1
rank=$2
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the Slurm checks start slurmd and munged, which needs root"
  exit 77
fi
source "$(dirname "$0")/launcher_checks.sh"
source "$(dirname "$0")/slurm_cluster.sh"
trap 'slurm_down; rm -rf "$work_dir"' EXIT
unset SLURM_JOB_ID SLURM_JOB_NODELIST SLURM_TASKS_PER_NODE
host=$(hostname)

chmod 755 "$work_dir"  # munged runs as the munge user and must reach its folder in here
if ! slurm_up "$work_dir/slurm"; then
  tail -n 20 "$work_dir"/slurm/*.log "$work_dir"/slurm/munge/*.log
  echo "FAIL: the Slurm cluster did not start"
  exit 1
fi

new_case() {
  new_case_dirs
  next_tag
  cr=("$cohortrun" --logs "$case_logs" --outputs "$case_outputs")
}

# ---- srun inside an allocation: 3 ranks on 2 CPUs (overcommitted) ----
new_case
run_case srun-3-ranks 90 salloc -N1 -n3 -O "${cr[@]}" -- "$rank" --seconds 0.5 "$tag"
expect_success
for r in 0 1 2; do
  expect_output "^\[rank $r\] contract ok: rank $r of 3, local $r of 3, on $host, restart 0"
  expect_file '"exit_code": 0' "$case_logs/exit-rank-$r.json"
done
expect_run_json "d['engine'] == 'srun' and d['state'] == 'succeeded' and d['world_size'] == 3"
expect_run_json "d['slurm_job_id'] != '' and 'slurm' in d['versions'] and '--mpi=pmix' in d['engine_command']"
expect_no_leftovers

# ---- a rank killed with SIGKILL under srun; the restart succeeds ----
new_case
start_case srun-sigkill 90 salloc -N1 -n3 -O "${cr[@]}" --max-restarts 1 -- "$rank" --seconds 60 --until-restart 1 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2}; then
  sleep 0.5
  mark_fault
  kill -KILL "$(cat "$case_outputs/ready-rank-1")"
fi
wait_case
expect_success
expect_output "root cause: rank 1 on $host was killed by signal 9 \(SIGKILL\)"
expect_output '^\[rank 1\] contract ok: .*restart 1'
expect_fault_handled_within 15
expect_run_json "d['restarts'] == 1 and d['attempts'][0]['exit_status'] == 3 and d['state'] == 'succeeded'"
expect_no_leftovers

# ---- an exception under srun: the runtime's record names it ----
new_case
run_case srun-exception 90 salloc -N1 -n2 "${cr[@]}" -- "$rank" --seconds 1 --fail-rank 1 --fail exception "$tag"
expect_failure_within 20
expect_status 1
expect_output "root cause: rank 1 on $host failed with an exception"
expect_output 'its error:  rank 1: the rank failed on purpose'
expect_no_leftovers

# ---- SIGTERM to cohortrun: every rank gets SIGTERM through Slurm, then
# SIGKILL after the grace period (ranks here ignore SIGTERM; KillWait is 5 s) ----
new_case
start_case srun-sigterm 90 salloc -N1 -n2 "${cr[@]}" --grace-period 3 -- "$rank" --seconds 60 --ignore-term "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1}; then
  mark_fault
  kill -TERM "$(pgrep -f -- "^$cohortrun --logs $case_logs")"
fi
wait_case
expect_output 'root cause: stopped by SIGTERM sent to cohortrun'
expect_status 143
took=$(awk -v a="$fault_time" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
awk -v t="$took" 'BEGIN { exit !(t >= 3 && t < 12) }' || fail "took $took s; the grace period is 3 s"
for r in 0 1; do
  expect_file '"signal": 9' "$case_logs/exit-rank-$r.json"
  expect_file '"stopped": true' "$case_logs/exit-rank-$r.json"
done
expect_no_leftovers

# ---- N x P that does not fit the allocation: refused before srun starts ----
new_case
run_case srun-does-not-fit 60 salloc -N1 -n2 "${cr[@]}" --procs-per-node 3 -- "$rank" "$tag"
expect_status 2
expect_output "host $host has 2 slot\(s\) in the allocation \(job [0-9]+\) but --procs-per-node is 3"
[ -e "$case_logs" ] && fail "the logs folder was created: something started"
expect_no_leftovers

# ---- --slurm-submit: the batch script runs cohortrun, which runs srun ----
# With secrets in --env (an Azure account key and a SAS): while the job runs,
# no command line holds them; afterwards no file cohort wrote does, and the
# file that carried them to the job is gone.
new_case
key="c2VjcmV0LWFjY291bnQta2V5-$$"
sas="sv=2022-11-02&ss=b&sig=SeCrEtSiG$$"
secrets="$work_dir/secrets"  # grep reads them from here: on its command line it would find itself
printf '%s\n' "$key" "SeCrEtSiG$$" >"$secrets"
start_case submit 30 "${cr[@]}" --slurm-submit --procs-per-node 2 --run-id "batch-$$" \
  --env "COHORT_AZURE_ACCOUNT_KEY=$key" --env "COHORT_AZURE_SAS_TOKEN=$sas" \
  -- "$rank" --seconds 3 "$tag"
wait_case
expect_success
expect_output "submitted Slurm job [0-9]+ \(run batch-$$, 2 ranks\)"
job=$(grep -oE 'submitted Slurm job [0-9]+' "$case_output" | grep -oE '[0-9]+$')
script="$case_logs/sbatch-batch-$$.sh"
expect_file '^#SBATCH --ntasks-per-node=2$' "$script"
expect_file "--env-file $case_logs/sbatch-batch-$$.env" "$script"
seen_running=0
for _ in $(seq 1 600); do  # until the job has left the queue (60 s at most)
  [ -n "$job" ] && squeue -h -j "$job" 2>/dev/null | grep -q . || break
  if pgrep -f -- "$tag" >/dev/null; then
    seen_running=1
    # The process table: every command line on the machine.
    for cmdline in /proc/[0-9]*/cmdline; do
      if tr '\0' ' ' <"$cmdline" 2>/dev/null | grep -qF -f "$secrets"; then
        fail "a secret is on a command line: $(tr '\0' ' ' <"$cmdline")"
      fi
    done
  fi
  sleep 0.1
done
[ "$seen_running" -eq 1 ] || fail "the job's ranks were never seen running"
expect_run_json "d['run_id'] == 'batch-$$' and d['state'] == 'succeeded' and d['engine'] == 'srun'"
expect_run_json "d['slurm_job_id'] == '$job' and d['world_size'] == 2"
expect_file 'cohortrun: run batch-[0-9]+ succeeded' "$case_logs/slurm-$job.out"
expect_file '^contract ok: rank 1 of 2' "$case_logs/rank-1.log"
[ ! -e "$case_logs/sbatch-batch-$$.env" ] || fail "the job left its --env file behind"
if grep -rlF -f "$secrets" "$case_logs" "$case_outputs" "$case_output"; then
  fail "a secret is in a file cohort wrote (above)"
fi
expect_no_leftovers

finish
