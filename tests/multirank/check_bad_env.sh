#!/usr/bin/env bash
# A cohort program started with launcher variables or settings it cannot use
# must exit non-zero, soon, with a message naming the variable, and must not
# leave ranks waiting for one another.
#
#   check_bad_env.sh MPIEXEC VICTIM
set -u
mpiexec=$1
victim=$2
source "$(dirname "$0")/victim_checks.sh"

mpi2=("$mpiexec" -n 2 --oversubscribe --bind-to none)

# Without mpiexec: torchrun-style variables that contradict themselves.
next_tag
run_case rank_not_below_size 20 env RANK=3 WORLD_SIZE=2 "$victim" ok "$tag"
expect_failure_within 15
expect_output 'RANK=3 is not below WORLD_SIZE=2'
expect_no_leftovers

# Without mpiexec: an Open MPI rank that is not a number.
next_tag
run_case ompi_rank_not_a_number 20 env OMPI_COMM_WORLD_RANK=x OMPI_COMM_WORLD_SIZE=2 \
  "$victim" ok "$tag"
expect_failure_within 15
expect_output "OMPI_COMM_WORLD_RANK='x'"
expect_no_leftovers

# Under mpiexec, every rank: a malformed setting, found before MPI starts.
next_tag
run_case bad_setting_every_rank 20 env COHORT_COLLECTIVE_TIMEOUT_S=soon \
  "${mpi2[@]}" -x COHORT_COLLECTIVE_TIMEOUT_S \
  "$victim" ok "$tag"
expect_failure_within 15
expect_output "COHORT_COLLECTIVE_TIMEOUT_S='soon'"
expect_no_leftovers

# Under mpiexec, one rank only: rank 1 alone has a malformed setting, while
# rank 0 goes on into MPI and waits for it.
next_tag
run_case bad_setting_one_rank 20 "${mpi2[@]}" bash -c \
  '[ "$OMPI_COMM_WORLD_RANK" = 1 ] && export COHORT_LOG_LEVEL=loud; exec "$0" ok "$1"' \
  "$victim" "$tag"
expect_failure_within 15
expect_output "COHORT_LOG_LEVEL='loud'"
expect_no_leftovers

# Under mpiexec, one rank only: cohortrun variables that MPI contradicts on
# rank 1 (it is told it is rank 0), found after MPI has started, while rank 0
# waits for rank 1 in MPI's start-up collectives.
next_tag
run_case rank_contradicts_mpi 20 env COHORT_RANK=0 COHORT_WORLD_SIZE=2 \
  "${mpi2[@]}" -x COHORT_RANK -x COHORT_WORLD_SIZE "$victim" ok "$tag"
expect_failure_within 15
expect_output 'cohortrun variables say rank 0 of 2 but MPI says rank 1 of 2'
expect_no_leftovers

finish
