#!/usr/bin/env bash
# A GPU collective stuck past COHORT_COLLECTIVE_TIMEOUT_S must end the job
# within seconds with a message naming it, not hang (see nccl_victim.cu).
#   check_nccl_watch.sh MPIEXEC VICTIM
set -u
mpiexec=$1
victim=$2
source "$(dirname "$0")/../multirank/victim_checks.sh"

"$victim" --probe >/dev/null 2>&1
if [ $? -eq 77 ]; then echo "skipped: no usable GPU"; exit 77; fi

next_tag
run_case stuck_gpu_collective 60 env COHORT_COLLECTIVE_TIMEOUT_S=1 \
  "$mpiexec" -n 1 -x COHORT_COLLECTIVE_TIMEOUT_S "$victim" "$tag"
expect_failure_within 15
expect_output 'first allreduce done'
expect_output 'ERROR\] allreduce of 1024 x Float \(collective #1\) has not completed on the GPU after'
expect_no_leftovers
finish
