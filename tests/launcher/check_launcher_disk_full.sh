#!/usr/bin/env bash
# A job whose checkpoints fill the disk of its logs folder (issue 30, item
# 15): cohortrun still says how the job ended, says that the logs could not
# be written, exits with a status that is not "bad command line" (2), and
# leaves no temporary files or empty records. The disk is an 8 MiB tmpfs
# mounted in a private mount namespace, so this needs root and
# `unshare --mount`; otherwise it says why and exits 77 (skipped).
#
#   check_launcher_disk_full.sh COHORTRUN LAUNCHER_RANK
set -u
cohortrun=$1
rank=$2

source "$(dirname "$0")/../common/private_mount.sh"
in_private_mount "$0" "$@"

# ---- inside the private mount namespace ----
source "$(dirname "$0")/launcher_checks.sh"
disk=$work_dir/disk
mkdir -p "$disk"
trap 'umount "$disk" 2>/dev/null; rm -rf "$work_dir"' EXIT
if ! mount -t tmpfs -o size=8m tmpfs "$disk"; then
  echo "skipped: cannot mount a tmpfs in the mount namespace"
  exit 77
fi

# A fresh, empty disk for each case, holding --logs and --outputs.
new_disk_case() {
  rm -rf "${disk:?}"/*
  case_logs=$disk/logs
  case_outputs=$disk/outputs
  next_tag
}

# No run.json.tmp.PID, exit-rank-N.json.tmp.PID or probe, and no empty or cut
# record.
expect_no_debris() {
  local debris
  debris=$(find "$disk" -name '*.tmp.*' -o -name '.cohortrun-probe*')
  [ -z "$debris" ] || fail "debris left in the logs folder: $debris"
  for record in "$case_logs"/exit-rank-*.json "$case_logs"/error-*.json; do
    [ -e "$record" ] || continue
    "$python" -c 'import json, sys; json.load(open(sys.argv[1]))' "$record" 2>/dev/null ||
      fail "$record is empty or cut: $(wc -c <"$record") bytes"
  done
}

# ---- the job fills the disk, then ends well: it succeeded, its logs did not ----
new_disk_case
filler=$work_dir/fill-and-exit.sh
printf '#!/bin/sh\necho "filling the disk"\nhead -c 64M /dev/zero >"$COHORT_OUTPUTS_DIR/checkpoint" 2>/dev/null\nexit 0\n' >"$filler"
chmod +x "$filler"
run_case fills-then-succeeds 60 "$cohortrun" --logs "$case_logs" --outputs "$case_outputs" -- "$filler" "$tag"
expect_status 8
expect_output "cohortrun: run [^ ]+ succeeded, but its logs could not be written: cannot write $case_logs/run.json: No space left on device"
grep -q 'cohortrun: error:' "$case_output" && fail "the end of a job that ran is reported as a refusal"
expect_no_debris
expect_no_leftovers

# ---- a cohort program fills the disk, then throws: how the job ended is still
# said, and the records that could not be written are not blamed ----
new_disk_case
run_case fills-then-fails 60 "$cohortrun" --logs "$case_logs" --outputs "$case_outputs" \
  -- "$rank" --fill-disk --fail-rank 0 --fail exception "$tag"
expect_status 5
expect_output 'root cause: the rank agent exited with status 1 and no rank recorded a failure'
expect_output "note: +the logs folder cannot be written \(cannot write files in $case_logs: No space left on device\)"
expect_output "cohortrun: run [^ ]+ ended with exit status 5, but its logs could not be written"
grep -q 'vanished' "$case_output" && fail "ranks without records on a full disk are called vanished"
expect_no_debris
expect_no_leftovers

finish
