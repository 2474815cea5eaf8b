#!/usr/bin/env bash
# cohortrun across several hosts: network namespaces h1..h3 on one machine,
# each with its own address, hostname and sshd (netns_hosts.sh), so
# mpirun reaches them over real ssh. cohortrun runs on h1. Checked: 2 and 3
# hosts (--hosts, --hostfile) with the TCP network chosen for them; a rank
# killed with SIGKILL, a host whose processes all die, and a host whose link
# goes down (also while compressed gradient buckets cross it), each ending the
# job within 15 s with that root cause, then a restart that succeeds; an
# unreachable host refused before anything starts.
# Then a Slurm cluster across the hosts (slurmctld on h1, a slurmd on each):
# srun over 2 nodes, and a rank killed there with the restart.
# Everything is removed at the end, even on failure.
#
#   check_launcher_netns.sh COHORTRUN LAUNCHER_RANK      (needs root; 77 = skipped)
set -u
cohortrun=$1
rank=$2
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the multi-host checks create network namespaces, which needs root"
  exit 77
fi
source "$(dirname "$0")/launcher_checks.sh"
source "$(dirname "$0")/netns_hosts.sh"
source "$(dirname "$0")/slurm_cluster.sh"
trap 'slurm_down; hosts_down; rm -rf "$work_dir"' EXIT

chmod 755 "$work_dir"  # munged runs as the munge user and must reach its folder in here
if ! hosts_up 3 "$work_dir/hosts"; then
  echo "FAIL: the network-namespace hosts did not come up"
  exit 1
fi

# Each case: fresh folders, a fresh tag, and cohortrun on h1 in $cr.
new_case() {
  new_case_dirs
  next_tag
  cr=(nsenter -t "$(_host_anchor 1)" -n -m -u -- "$cohortrun" --logs "$case_logs" --outputs "$case_outputs")
}

# The pid of a rank's program, from the file it wrote when ready.
rank_pid() { cat "$case_outputs/ready-rank-$1"; }

# ---- 2 hosts x 2 ranks ----
new_case
run_case two-hosts 90 "${cr[@]}" --hosts h1:2,h2:2 -- \
  env COHORT_COMPRESS=bf16 "$rank" --seconds 0.5 "$tag"
expect_success
expect_output '^\[rank 0\] contract ok: rank 0 of 4, local 0 of 2, on h1'
expect_output '^\[rank 1\] contract ok: rank 1 of 4, local 1 of 2, on h1'
expect_output '^\[rank 2\] contract ok: rank 2 of 4, local 0 of 2, on h2'
expect_output '^\[rank 3\] contract ok: rank 3 of 4, local 1 of 2, on h2'
# Buckets: shared memory on each host, MPI between them (the slices of local rank k).
expect_output '^\[rank 3\] bucket allreduce ok: shared memory between 2 ranks per machine'
# The slices between the machines compressed (Note [Compressed buckets]).
expect_output '^\[rank 3\] compressed bucket allreduce ok: bf16'
expect_file '^contract ok: rank 3 of 4' "$case_logs/rank-3.log"
expect_run_json "[h['name'] for h in d['hosts']] == ['h1', 'h2'] and d['world_size'] == 4"
expect_run_json "'10.200.0.0/24' in d['engine_command'] and 'oob_tcp_keepalive_time' in d['engine_command']"
expect_no_leftovers

# ---- 3 hosts from a hostfile, one rank each ----
new_case
printf '# three hosts\nh1 slots=1\nh2 slots=1\nh3 slots=1\n' >"$work_dir/hostfile"
run_case three-hosts 90 "${cr[@]}" --hostfile "$work_dir/hostfile" -- "$rank" --seconds 0.5 "$tag"
expect_success
for k in 1 2 3; do
  expect_output "^\[rank $((k - 1))\] contract ok: rank $((k - 1)) of 3, local 0 of 1, on h$k"
done
expect_no_leftovers

# ---- a rank on h2 killed with SIGKILL; the restart succeeds ----
new_case
start_case host-rank-sigkill 90 "${cr[@]}" --hosts h1:2,h2:2 --max-restarts 1 -- \
  "$rank" --seconds 60 --until-restart 1 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2,3}; then
  sleep 0.5
  mark_fault
  kill -KILL "$(rank_pid 3)"
fi
wait_case
expect_success
expect_output 'root cause: rank 3 on h2 was killed by signal 9 \(SIGKILL\)'
expect_output '^\[rank 3\] contract ok: .*on h2, restart 1'
expect_fault_handled_within 15
expect_run_json "d['attempts'][0]['exit_status'] == 3 and d['state'] == 'succeeded'"
expect_no_leftovers

# ---- every process of h2 dies at once (its sshd stays); the restart succeeds ----
new_case
start_case host-processes-die 90 "${cr[@]}" --hosts h1:1,h2:1,h3:1 --max-restarts 1 -- \
  "$rank" --seconds 60 --until-restart 1 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2}; then
  sleep 0.5
  mark_fault
  kill -KILL $(host_pids 2)
fi
wait_case
expect_success
expect_output 'root cause: every rank on host h2 \(1\) vanished without a record'
expect_fault_handled_within 15
expect_run_json "d['attempts'][0]['exit_status'] == 4 and d['attempts'][0]['host'] == 'h2'"
expect_run_json "d['state'] == 'succeeded' and d['restarts'] == 1"
expect_no_leftovers

# ---- h3's link goes down: the job ends, h3 is named, no restart while it is
# unreachable; once the link is back, the job runs again ----
new_case
start_case link-down 90 "${cr[@]}" --hosts h1:1,h2:1,h3:1 --max-restarts 1 -- \
  "$rank" --seconds 60 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2}; then
  sleep 0.5
  mark_fault
  link_down 3
fi
wait_case
expect_status 4
expect_output 'root cause: host h3 \(rank\(s\) 2\) stopped answering'
expect_output 'not restarting: host h3 cannot be reached'
expect_fault_handled_within 15
expect_run_json "d['attempts'][0]['exit_status'] == 4 and d['attempts'][0]['host'] == 'h3' and d['exit_status'] == 4"
link_up 3
# What was cut off on h3 ends by itself once its daemon gives up (keepalive).
for _ in $(seq 1 60); do
  pgrep -f -- "$tag" >/dev/null || break
  sleep 0.5
done
expect_no_leftovers
new_case
run_case link-back 90 "${cr[@]}" --hosts h1:1,h2:1,h3:1 -- "$rank" --seconds 0.5 "$tag"
expect_success
expect_output '^\[rank 2\] contract ok: rank 2 of 3, local 0 of 1, on h3'
expect_no_leftovers

# ---- the same with gradients compressed between the hosts (COHORT_COMPRESS=bf16):
# h2's link goes down while 16-bit buckets are crossing ----
new_case
start_case link-down-bf16 90 "${cr[@]}" --hosts h1:1,h2:1 -- \
  env COHORT_COMPRESS=bf16 "$rank" --seconds 60 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1}; then
  sleep 0.5
  mark_fault
  link_down 2
fi
wait_case
expect_status 4
expect_output '^\[rank 1\] compressed bucket allreduce ok: bf16'
expect_output 'root cause: host h2 \(rank\(s\) 1\) stopped answering'
expect_fault_handled_within 15
link_up 2
for _ in $(seq 1 60); do
  pgrep -f -- "$tag" >/dev/null || break
  sleep 0.5
done
expect_no_leftovers

# ---- an unreachable host is refused before anything starts ----
new_case
run_case unreachable-host 30 "${cr[@]}" --hosts h1:1,h9:1 -- "$rank" "$tag"
expect_status 2
expect_failure_within 10
expect_output 'cohortrun: error: host\(s\) cannot be reached over ssh:'
expect_output '^  h9: ssh: connect to host h9 port 22'
[ -e "$case_logs" ] && fail "the logs folder was created: something started"
expect_no_leftovers

# ---- Slurm across the hosts: srun over 2 nodes x 2 ranks ----
if ! slurm_up_hosts "$work_dir/slurm" 2; then
  tail -n 20 "$work_dir"/slurm/*.log
  fail "the Slurm cluster across the hosts did not start"
  finish
fi
new_case
run_case slurm-two-nodes 90 "${cr[@]:0:7}" salloc -N2 -n4 "${cr[@]:7}" -- "$rank" --seconds 0.5 "$tag"
expect_success
expect_output '^\[rank 1\] contract ok: rank 1 of 4, local 1 of 2, on h1'
expect_output '^\[rank 2\] contract ok: rank 2 of 4, local 0 of 2, on h2'
expect_output '^\[rank 3\] contract ok: rank 3 of 4, local 1 of 2, on h2'
# Buckets: shared memory on each host, MPI between them (the slices of local rank k).
expect_output '^\[rank 3\] bucket allreduce ok: shared memory between 2 ranks per machine'
expect_run_json "d['engine'] == 'srun' and [h['name'] for h in d['hosts']] == ['h1', 'h2']"
expect_no_leftovers

# ---- a rank on h2 killed with SIGKILL under srun; the restart succeeds ----
new_case
start_case slurm-rank-sigkill 90 "${cr[@]:0:7}" salloc -N2 -n4 "${cr[@]:7}" --max-restarts 1 -- \
  "$rank" --seconds 60 --until-restart 1 "$tag"
if wait_for_files 30 "$case_outputs"/ready-rank-{0,1,2,3}; then
  sleep 0.5
  mark_fault
  kill -KILL "$(rank_pid 2)"
fi
wait_case
expect_success
expect_output 'root cause: rank 2 on h2 was killed by signal 9 \(SIGKILL\)'
expect_output '^\[rank 2\] contract ok: .*on h2, restart 1'
expect_fault_handled_within 15
expect_no_leftovers

finish
