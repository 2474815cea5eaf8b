#!/usr/bin/env bash
# A rank that stops calling collectives must not hang the job: the watchdog of
# the rank left waiting ends it, and says which collective it was waiting in.
# A rank that throws must end the job too (runMain aborts every rank).
#
#   check_watchdog.sh MPIEXEC VICTIM
set -u
mpiexec=$1
victim=$2
source "$(dirname "$0")/victim_checks.sh"

# The victim on 2 ranks with a 2 s collective timeout (and no start-up log);
# the mode and tag follow.
launch=(env COHORT_COLLECTIVE_TIMEOUT_S=2 COHORT_LOG_LEVEL=warn
        "$mpiexec" -n 2 --oversubscribe --bind-to none
        -x COHORT_COLLECTIVE_TIMEOUT_S -x COHORT_LOG_LEVEL "$victim")

# The victim must work when nothing is wrong, or the failures below prove nothing.
next_tag
run_case ok 30 "${launch[@]}" ok "$tag"
expect_success
expect_output "victim finished normally"
expect_no_leftovers

# Rank 1 skips collective #3 (an allreduce); rank 0 waits in it for 2 s.
for mode in skip skip-async; do
  next_tag
  run_case "$mode" 20 "${launch[@]}" "$mode" "$tag"
  expect_failure_within 15
  awk -v t="$case_elapsed" 'BEGIN { exit !(t >= 2) }' || fail "ended before the 2 s timeout"
  expect_output '\[cohort 0/2 ERROR\] allreduce \(collective #3, 4 x Float\) has not completed'
  expect_output 'COHORT_COLLECTIVE_TIMEOUT_S=2'
  expect_no_leftovers
done

# Rank 1 throws; rank 0 is waiting in the next collective.
next_tag
run_case throw 20 "${launch[@]}" throw "$tag"
expect_failure_within 15
expect_output '\[cohort 1/2 ERROR\] rank 1: the victim failed on purpose'
expect_no_leftovers

finish
