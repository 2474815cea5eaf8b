#!/usr/bin/env bash
# Bad input to cohortrun: each case is refused before anything starts, with a
# message that says what is wrong and what to write instead, exit status 2,
# within seconds, with no process left behind (process table) and no logs
# folder created.
#
#   check_launcher_bad_input.sh COHORTRUN LAUNCHER_RANK
set -u
cohortrun=$1
rank=$2
source "$(dirname "$0")/launcher_checks.sh"
unset SLURM_JOB_ID SLURM_JOB_NODELIST

# refused NAME REGEX ARGS...: cohortrun ARGS must be refused with a message
# matching REGEX. The tag rides along as a program argument, so any process
# started for the case would carry it.
refused() {
  local name=$1 pattern=$2
  shift 2
  new_case_dirs
  next_tag
  run_case "$name" 20 "$cohortrun" --logs "$case_logs" --outputs "$case_outputs" "$@"
  expect_status 2
  expect_failure_within 5
  expect_output "cohortrun: error: .*$pattern"
  expect_output 'what to do: '
  [ -e "$case_logs" ] && fail "the logs folder was created: something started"
  expect_no_leftovers
}

scratch=$work_dir/files
mkdir -p "$scratch/folder"
printf '#!/bin/sh\necho never\n' >"$scratch/not-executable"
chmod 644 "$scratch/not-executable"
printf 'localhost slots=2\nlocalhost slots=2\n' >"$scratch/hosts-twice"
printf 'node1 slots=2\nnode2 colour=blue\n' >"$scratch/hosts-bad-key"

# The program: missing, absent, not executable, a folder.
refused missing-program 'no program to run' --procs-per-node 2
refused missing-program-after-dashes 'no program to run' --procs-per-node 2 --
refused no-such-program 'does-not-exist.* does not exist' -- ./does-not-exist "$tag"
refused not-in-path "program 'no-such-program-$$' is not in PATH" -- "no-such-program-$$" "$tag"
refused not-executable 'not-executable is not executable' -- "$scratch/not-executable" "$tag"
expect_output 'what to do: make it executable \(chmod \+x'
refused folder 'is a folder, not a program' -- "$scratch/folder" "$tag"

# An --outputs that cannot be a folder: refused, and the logs folder made
# before it is gone again (issue 30, item 17).
refused outputs-not-a-folder "cannot create folder .*not-executable/sub: Not a directory" \
  --outputs "$scratch/not-executable/sub" -- "$rank" "$tag"

# N x P that does not fit the host slots.
refused too-many-nodes '3 x 1 ranks do not fit: --nodes 3 but --hosts has 2 host\(s\)' \
  --hosts localhost:2,otherhost:2 --nodes 3 -- "$rank" "$tag"
refused too-many-procs 'host localhost has 2 slot\(s\) in --hosts but --procs-per-node is 3' \
  --hosts localhost:2 --procs-per-node 3 -- "$rank" "$tag"
refused one-machine-two-nodes 'without hosts: one machine is one node' --nodes 2 -- "$rank" "$tag"
refused console-rank-beyond 'names rank 4 but the job has 2 rank\(s\)' \
  --procs-per-node 2 --console-ranks 4 -- "$rank" "$tag"

# Host lists and hostfiles that are wrong.
refused host-does-not-resolve "host 'no-such-host-$$.invalid' does not resolve" \
  --hosts "no-such-host-$$.invalid:1" -- "$rank" "$tag"
refused hostfile-missing 'cannot read hostfile' --hostfile "$scratch/none" -- "$rank" "$tag"
refused hostfile-twice 'listed twice \(.*hosts-twice:1 and .*hosts-twice:2\)' \
  --hostfile "$scratch/hosts-twice" -- "$rank" "$tag"
refused hostfile-bad-key "hosts-bad-key:2: unknown key 'colour'" \
  --hostfile "$scratch/hosts-bad-key" -- "$rank" "$tag"
refused hostlist-malformed "host list 'node\[3-1\]' is malformed: range '3-1' runs backwards" \
  --hosts 'node[3-1]:2' -- "$rank" "$tag"

# srun without an allocation.
refused srun-without-allocation 'not inside a Slurm allocation \(no SLURM_JOB_ID\)' \
  --engine srun -- "$rank" "$tag"

# Unknown and contradictory options.
refused unknown-np "unknown option '-np'" -np 4 -- "$rank" "$tag"
expect_output 'what to do: the job has N x P ranks: write --nodes N --procs-per-node P'
refused unknown-typo "unknown option '--max-restart'$" --max-restart 2 -- "$rank" "$tag"
expect_output 'what to do: did you mean --max-restarts\?'
refused hosts-and-hostfile 'both given' --hosts a:1 --hostfile "$scratch/hosts-twice" -- "$rank" "$tag"
refused submit-with-hosts 'Slurm chooses the hosts' --slurm-submit --hosts a:1 -- "$rank" "$tag"
refused bad-timeout "--timeout 'soon' is not a duration" --timeout soon -- "$rank" "$tag"
refused reserved-env 'cohortrun sets COHORT_RANK' --env COHORT_RANK=1 -- "$rank" "$tag"

finish
