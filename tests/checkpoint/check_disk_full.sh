#!/usr/bin/env bash
# A disk that fills up during a checkpoint write: the save must fail with an
# error that says so (non-zero exit), leave nothing half-written, and the
# checkpoint before must still resume with its exact state. The disk is a
# 64 MiB tmpfs mounted in a private mount namespace, so this needs root and
# `unshare --mount`; otherwise it says why and exits 77 (skipped).
#
#   check_disk_full.sh SAVE_LOOP
set -u
prog=$1

source "$(dirname "$0")/../common/private_mount.sh"
in_private_mount "$0" "$@"

# ---- inside the private mount namespace ----
disk=$(mktemp -d "${TMPDIR:-/tmp}/cohort_ckpt_full.XXXXXX")
trap 'umount "$disk" 2>/dev/null; rmdir "$disk"' EXIT
if ! mount -t tmpfs -o size=64m tmpfs "$disk"; then
  echo "skipped: cannot mount a tmpfs in the mount namespace"
  exit 77
fi
ckpts=$disk/checkpoints
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
run() {
  echo "---- $*"
  out=$(timeout -k 5 120 "$prog" "$@" 2>&1)
  status=$?
  echo "     exit status $status"
  echo "$out" | grep -v '\] setting \|\] world: ' | sed 's/^/     | /' | tail -n 12
}

run --dir "$ckpts" --mb 4 --steps 1
[ $status -eq 0 ] || fail "the first (4 MiB) checkpoint was not saved"

run --dir "$ckpts" --mb 150 --first-step 2 --steps 1
[ $status -ne 0 ] || fail "a 150 MiB checkpoint on a 64 MiB disk exited 0"
[ $status -ne 124 ] && [ $status -ne 137 ] || fail "the full-disk save hung"
echo "$out" | grep -q 'No space left on device' || fail "the error does not say the disk is full"
echo "$out" | grep -q 'model.h5' || fail "the error does not name the file"
echo "$out" | grep -q 'what to do: ' || fail "the error has no hint"
# Issue 30, item 17: the hint names the option the user sets (save_loop's
# --keep), not the library's Retention::keep_last.
echo "$out" | grep -q 'what to do: .*keep fewer checkpoints (--keep, now 2)' ||
  fail "the hint does not name the trainer's option (--keep) and its value"
echo "$out" | grep -q 'Retention::keep_last' && fail "the hint names Retention::keep_last"

leftovers=$(compgen -G "$ckpts/.step-*")
[ -z "$leftovers" ] || fail "the failed save left $leftovers"
[ "$(cat "$ckpts/latest" 2>/dev/null)" = "step-00000001" ] || fail "latest no longer names step-00000001"
[ ! -e "$ckpts/step-00000002" ] || fail "step-00000002 exists"

run --dir "$ckpts" --mb 4 --verify
[ $status -eq 0 ] || fail "--verify exited $status"
echo "$out" | grep -q '^resumed step 1: state verified' || fail "the first checkpoint no longer resumes"

if [ $failures -eq 0 ]; then
  echo "PASS: a full disk is a clear error and the checkpoint before still resumes"
  exit 0
fi
echo "$failures check(s) failed"
exit 1
