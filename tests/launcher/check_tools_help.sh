#!/usr/bin/env bash
# --help of cohort's tools (See Note [Command lines]): the help on standard
# output, examples included, exit status 0, nothing on standard error, and
# nothing touched: no settings read (a malformed COHORT_* setting that a real
# run refuses goes unnoticed), no file or folder created, even when other
# options name some.
#
# The same for each command of cohort-model and cohort-sweep, and every tool
# sits in one bin/ folder, where each finds the others.
#
#   check_tools_help.sh COHORTRUN COHORT_PACK COHORT_UPLOAD COHORT_MODEL COHORT_SWEEP COHORT_SERVE
set -u
cohortrun=$1 pack=$2 upload=$3 model=$4 sweep=$5 serve=$6
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
  help cohort-model "$model" "$flag"
  help cohort-sweep "$sweep" "$flag"
  help cohort-serve "$serve" "$flag"
done
help cohort-serve "$serve" m@prod --registry "$work/touched" --port 1 --help
help cohortrun "$cohortrun" --logs "$work/touched" --outputs "$work/touched" --help -- /bin/true
help cohort-pack "$pack" --to "$work/touched" --npy x="$work/none.npy" --help
help cohort-upload "$upload" --to "$work/touched" --logs "$work/cwd" --help
for command in register list show download alias lineage verify check gc; do
  help "cohort-model $command" "$model" --registry "$work/touched" "$command" --help
done
help "cohort-model download" "$model" download m:1 "$work/touched" -h
for command in run status best report; do
  help "cohort-sweep $command" "$sweep" "$command" --help
done
help "cohort-sweep run" "$sweep" run "$work/touched.yaml" --dir "$work/touched" --help
# The tool's help lists its commands; a command's help is its own.
"$model" --help | grep -q "^Commands:" || fail "cohort-model --help lists no commands"
"$sweep" --help | grep -q "^ *report " || fail "cohort-sweep --help does not list report"
"$model" register --help | grep -q -- "--from" || fail "cohort-model register --help lists no --from"
"$model" download --help | grep -q "xxh128" || fail "cohort-model download --help does not say what it checks"
"$model" download --help | grep -q "sha256 in" || fail "cohort-model download --help: no word on older records"

# Every tool in one folder, named bin (build/bin, PREFIX/bin).
for tool in "$pack" "$upload" "$model" "$sweep" "$serve"; do
  [ "$(dirname "$tool")" = "$(dirname "$cohortrun")" ] || fail "$tool is not beside $cohortrun"
done
[ "$(basename "$(dirname "$cohortrun")")" = bin ] || fail "the tools are in $(dirname "$cohortrun"), not a bin/ folder"

# The controls: without --help the same setting is refused, and a flag with a
# value is a bad command line (exit status 2) for every tool.
rc=0
"$upload" --to "$work/touched" --check >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q COHORT_UPLOAD_INTERVAL_S "$work/out" ||
  fail "the control: cohort-upload without --help exited $rc: $(head -c 300 "$work/out")"
for tool in "$cohortrun" "$pack" "$upload" "$model" "$sweep" "$model list" "$sweep best" "$serve"; do
  rc=0
  # shellcheck disable=SC2086  # "$model list": the tool and its command
  $tool --help=yes >"$work/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q -- "--help takes no value" "$work/out" || fail "$tool --help=yes exited $rc"
done
# The same error tail in every tool (See Note [A tool's main]): what, what to do, exit 2.
for tool in "$cohortrun" "$pack" "$upload" "$model" "$sweep" "$serve"; do
  rc=0
  "$tool" --frobnicate >"$work/out" 2>&1 || rc=$?
  name=$(basename "$tool")
  [ "$rc" -eq 2 ] && grep -q "^$name: error: unknown option '--frobnicate'" "$work/out" &&
    grep -q "what to do: .*$name --help lists every option" "$work/out" ||
    fail "$name --frobnicate exited $rc: $(head -c 300 "$work/out")"
done
for bad in "frobnicate" "" "download m:1" "list a b"; do
  rc=0
  # shellcheck disable=SC2086  # the words of a command line
  "$model" $bad >"$work/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q "^cohort-model: error: " "$work/out" && grep -q "what to do:" "$work/out" ||
    fail "cohort-model $bad exited $rc: $(head -c 300 "$work/out")"
done

[ "$failures" -eq 0 ] || { echo "check_tools_help: $failures failure(s)"; exit 1; }
echo "check_tools_help: passed"
