#!/usr/bin/env bash
# A registry that cannot be written is found before any work starts, and a
# registration that fails after the work is named as what failed:
#   - cohortrun --register with --registry a file, or under /proc: exit 2
#     before the job starts (the job never runs);
#   - cohortrun --register after a job that left no model: exit 7, and it
#     does not claim the model is still there;
#   - cohort-sweep with such a `registry:`: exit 2, no trial, no folder;
#   - cohort-sweep whose registration fails after the trials (the model's
#     folder in the registry is blocked): exit 7, saying the registration
#     failed, not that no trial completed.
#   check_registry_reach.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cohortrun="$build/bin/cohortrun"
sweep="$build/bin/cohort-sweep"
model="$build/bin/cohort-model"
toy="$root/tests/sweep/driver/toy_trial.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_registry_reach.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "check_registry_reach: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
cd "$work"
echo "not a folder" >afile

# ran STATUS FILE CMD...: runs CMD, its output in FILE, and checks its exit status.
ran() {
  local want="$1" out="$2"; shift 2
  set +e
  "$@" >"$out" 2>&1
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, not $want: $(cat "$out")"
}

step "cohortrun --register: a registry that cannot be written stops the job before it starts"
for reg in "$work/afile" "$work/afile/registry" /proc/cohort-registry; do
  ran 2 run.txt "$cohortrun" --logs "$work/l" --outputs "$work/o" --register m --registry "$reg" \
    -- /bin/sh -c "touch $work/ran"
  [ ! -e "$work/ran" ] || fail "the job ran although the registry $reg cannot be written"
  grep -q "cannot be written" run.txt || fail "registry $reg: $(cat run.txt)"
  grep -qF "$reg" run.txt || fail "the message does not name $reg: $(cat run.txt)"
done

step "cohortrun --register after a job that left no model: exit 7, no talk of a model still there"
ran 7 nomodel.txt "$cohortrun" --logs "$work/l2" --outputs "$work/o2" --register m \
  --registry "$work/registry" -- /bin/true
grep -q "the job left no model" nomodel.txt || fail "no model: $(cat nomodel.txt)"
grep -q "still there" nomodel.txt && fail "cohortrun says the model is still there: $(cat nomodel.txt)"
[ ! -e "$work/registry/names/m" ] || fail "a failed registration left the name m"

write_sweep() {  # write_sweep FILE REGISTRY
  cat >"$1" <<YAML
program: /usr/bin/python3
args: [$toy, --x, "\${x}", --steps, "2", --sleep, "0"]
metric: {name: score, goal: maximize}
space:
  x: {type: uniform, low: 0, high: 1}
sampler: {type: random, seed: 1}
limits: {max_trials: 1}
registry: $2
YAML
}

step "cohort-sweep: a registry: that cannot be written is refused before any trial"
write_sweep bad.yaml "{name: toy, url: $work/afile}"
ran 2 bad.txt "$sweep" run bad.yaml --dir "$work/bad"
grep -q "bad.yaml:8: registry: the model registry $work/afile cannot be written" bad.txt ||
  fail "bad registry: $(cat bad.txt)"
[ ! -e "$work/bad" ] || fail "a sweep with a registry that cannot be written made its folder"

step "cohort-sweep: a registration that fails after the trials has its own exit status"
mkdir -p "$work/blocked/models"
echo "in the way" >"$work/blocked/models/toy"  # the registry is writable; toy's folder is not
write_sweep late.yaml "{name: toy, url: $work/blocked}"
ran 7 late.txt "$sweep" run late.yaml --dir "$work/late"
grep -q "the sweep completed, but registering trial 1's model" late.txt || fail "late: $(cat late.txt)"
grep -q "no completed trial" late.txt && fail "the sweep says no trial completed: $(cat late.txt)"
grep -q "registering trial 1's model" "$work/late/driver.log" || fail "driver.log lacks the failure"
[ ! -e "$work/blocked/names/toy" ] || fail "the failed registration left the name toy"
rm "$work/blocked/models/toy"
ran 0 again.txt "$sweep" run late.yaml --dir "$work/late"
grep -q "registered trial 1's model as toy:1" again.txt || fail "run again: $(cat again.txt)"
"$model" --registry "$work/blocked" show toy:1 >/dev/null || fail "toy:1 is not there"
echo "check_registry_reach: passed"
