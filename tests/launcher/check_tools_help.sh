#!/usr/bin/env bash
# --help of cohort's tools (See Note [Command lines]): the help on standard
# output, examples included, exit status 0, nothing on standard error, and
# nothing touched: no settings read (a malformed COHORT_* setting that a real
# run refuses goes unnoticed), no file or folder created, even when other
# options name some.
#
#   check_tools_help.sh COHORTRUN COHORT_PACK COHORT_UPLOAD
set -u
cohortrun=$1 pack=$2 upload=$3
work=$(mktemp -d /tmp/cohort_tools_help_XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAILED: $*"
  failures=$((failures + 1))
}

# A setting every tool that reads the settings refuses.
export COHORT_UPLOAD_INTERVAL_S=not-a-number
mkdir "$work/cwd"
cd "$work/cwd" || exit 1

# help NAME ARGS...: ARGS must print the help of NAME and exit 0 without a trace.
help() {
  local name=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq 0 ] || fail "$* exited $rc"
  [ -s "$work/err" ] && fail "$* wrote to standard error: $(head -c 300 "$work/err")"
  grep -q "^usage: $name" "$work/out" || fail "$* printed no usage line"
  grep -q "^Examples:" "$work/out" || fail "$* printed no examples"
  grep -q -- "-h,--help" "$work/out" || fail "$* does not list --help"
  [ -z "$(ls -A "$work/cwd")" ] || fail "$* created $(ls -A "$work/cwd")"
  [ -e "$work/touched" ] && fail "$* created $work/touched"
  echo "ok: $*"
}

for flag in --help -h; do
  help cohortrun "$cohortrun" "$flag"
  help cohort-pack "$pack" "$flag"
  help cohort-upload "$upload" "$flag"
done
help cohortrun "$cohortrun" --logs "$work/touched" --outputs "$work/touched" --help -- /bin/true
help cohort-pack "$pack" --to "$work/touched" --npy x="$work/none.npy" --help
help cohort-upload "$upload" --to "$work/touched" --logs "$work/cwd" --help

# The controls: without --help the same setting is refused, and a flag with a
# value is a bad command line (exit status 2) for every tool.
rc=0
"$upload" --to "$work/touched" --check >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q COHORT_UPLOAD_INTERVAL_S "$work/out" ||
  fail "the control: cohort-upload without --help exited $rc: $(head -c 300 "$work/out")"
for tool in "$cohortrun" "$pack" "$upload"; do
  rc=0
  "$tool" --help=yes >"$work/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q -- "--help takes no value" "$work/out" || fail "$tool --help=yes exited $rc"
done

[ "$failures" -eq 0 ] || { echo "check_tools_help: $failures failure(s)"; exit 1; }
echo "check_tools_help: passed"
