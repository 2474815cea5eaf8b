# Sourced by tests that mount a small tmpfs (a full disk): the first time
# through, the script runs itself again as root in a private mount
# namespace, with "--inside" after its arguments; without root, or where
# unshare --mount does not work, it is skipped (exit 77, which CTest's
# SKIP_RETURN_CODE reports as skipped).
#   source tests/common/private_mount.sh; in_private_mount "$0" "$@"
in_private_mount() {
  local script=$1
  shift
  [ "${!#}" = "--inside" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: needs root to mount a small tmpfs in a private mount namespace"
    exit 77
  fi
  if ! unshare --mount true 2>/dev/null; then
    echo "skipped: unshare --mount does not work here (no CAP_SYS_ADMIN in this container?)"
    exit 77
  fi
  exec unshare --mount --propagation private bash "$script" "$@" --inside
}
