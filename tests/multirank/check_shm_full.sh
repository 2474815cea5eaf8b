#!/usr/bin/env bash
# A /dev/shm too small for the reduction buffers (containers often give it
# 64 MiB) must not crash or hang a job: cohort says so and reduces through MPI.
# Runs the victim in a private mount namespace whose /dev/shm is 2 MiB.
#
#   check_shm_full.sh MPIEXEC VICTIM
set -u
mpiexec=$1
victim=$2
source "$(dirname "$0")/victim_checks.sh"

if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: needs root to mount a small /dev/shm in a private mount namespace"
  exit 77
fi

next_tag
# Open MPI's own shared-memory transport keeps its files in /tmp here.
run_case small_dev_shm 60 unshare --mount --propagation private bash -c '
  mount -t tmpfs -o size=2m tmpfs /dev/shm || exit 90
  exec "$@"' _ "$mpiexec" -n 2 --oversubscribe --bind-to none \
  --mca btl_vader_backing_directory /tmp "$victim" big-buffers "$tag"
expect_success
expect_output 'buffers of 16 MiB are not in shared memory \(reserving 32 MiB of shared memory .* No space left on device'
expect_output 'big buffers reduced correctly'
expect_no_leftovers

finish
