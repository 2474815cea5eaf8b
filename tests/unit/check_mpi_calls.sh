#!/usr/bin/env bash
# Every MPI call in the library is checked (STYLE: COHORT_MPI_CHECK, or
# COHORT_MPI_WARN where it must not throw, or MpiCommunicator::check for the
# collectives): a call whose result is dropped would hide a failure.
# Usage: check_mpi_calls.sh SOURCE_DIR
set -euo pipefail
cd "$1"
# A call statement: MPI_Name( at the start of a statement, not wrapped.
unchecked=$(grep -rnE '(^\s*|[;{)]\s*)MPI_[A-Z][a-z_]+\(' cohort --include='*.cc' \
  | grep -vE 'COHORT_MPI_(CHECK|WARN)\(|check\(MPI_|= MPI_[A-Z][a-z_]+\(|cohort/comm/mpi_check\.cc' || true)
if [[ -n "$unchecked" ]]; then
  echo "unchecked MPI calls (wrap them in COHORT_MPI_CHECK, or COHORT_MPI_WARN where nothing may throw):"
  echo "$unchecked"
  exit 1
fi
echo "check_mpi_calls: every MPI call in cohort/ is checked"
