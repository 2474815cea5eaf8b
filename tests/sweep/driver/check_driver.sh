#!/usr/bin/env bash
# cohort-sweep end to end on this machine, with real cohortrun jobs and a
# real SQLite store; the trials run toy_trial.py (a program not linked with
# cohort, reporting through LOGS/metrics.jsonl):
#   - a random sweep: every trial completed, its own outputs/ and logs/,
#     LOGS/trial.json, COHORT_SWEEP_ID/COHORT_TRIAL_ID, status/best tables;
#   - a crashing trial (failed, with cohortrun's root cause), a trial that
#     never reports (failed, saying so), a metric that ends NaN or +Infinity
#     as json.dumps writes them (failed, never best), and the sweep goes on;
#   - median stopping cuts a bad trial, with the decision in the store, and
#     a cut trial's slot goes to the next trial within 0.5 s of its end;
#   - asha pauses trials and resumes a promoted one from its checkpoint
#     (not from step 0), and the best trial is registered with the sweep and
#     the trial's parameters in its lineage;
#   - the driver killed with kill -9 and started again: no completed trial
#     runs again, running trials are reattached, the budget is kept;
#   - SIGTERM to the driver stops the trials and requeues them;
#   - bad sweep files and a second driver on the same folder are refused.
#   check_driver.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
sweep="$build/bin/cohort-sweep"
model="$build/bin/cohort-model"
toy="$here/toy_trial.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_sweep.XXXXXX")"
driver_pid=""
cleanup() {
  [ -n "$driver_pid" ] && kill -9 "$driver_pid" 2>/dev/null
  pkill -f "$work" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_driver: FAILED: $*"; exit 1; }
step() { echo "== $*"; }
cd "$work"
db() { /usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); [print("|".join(map(str, r))) for r in c.execute(sys.argv[2])]' "$1/sweep.db" "$2"; }
state_count() { db "$1" "SELECT count(*) FROM trials WHERE state = '$2'"; }

write_sweep() {  # write_sweep FILE ARGS SPACE SAMPLER LIMITS [MORE]
  cat >"$1" <<YAML
program: /usr/bin/python3
args: [$toy, --x, "\${x}", $2]
metric: {name: score, goal: maximize}
space:
$3
sampler: $4
limits: $5
${6:-}
YAML
}

step "random sweep: 4 trials, 2 at a time"
write_sweep random.yaml '--steps, "3"' '  x: {type: uniform, low: 0, high: 1}' '{type: random, seed: 3}' \
  '{max_trials: 4, max_concurrent: 2}'
"$sweep" run random.yaml --dir random --quiet || fail "the random sweep exited $?"
[ "$(state_count random completed)" = 4 ] || fail "not 4 completed trials: $(db random 'SELECT id, state, reason FROM trials')"
for t in 00001 00002 00003 00004; do
  [ -f "random/trials/$t/outputs/model/model.json" ] || fail "trial $t left no model in its own outputs"
  grep -q '"parameters"' "random/trials/$t/logs/trial.json" || fail "trial $t has no trial.json"
  [ "$(wc -l <"random/trials/$t/logs/metrics.jsonl")" = 3 ] || fail "trial $t did not report 3 steps"
done
"$sweep" status random >status.txt
grep -q "4 of 4 trials: 4 completed" status.txt || fail "status: $(cat status.txt)"
"$sweep" best random -n 2 >best.txt
[ "$(wc -l <best.txt)" = 3 ] || fail "best -n 2: $(cat best.txt)"
best_json=$("$sweep" best random --json -n 1)
best_id=$(echo "$best_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["trial"])')
top=$(db random "SELECT m.trial FROM metrics m WHERE m.step = 3 ORDER BY m.value DESC LIMIT 1")
[ "$best_id" = "$top" ] || fail "best says trial $best_id, the store's best final value is trial $top's"

step "a crash, a trial that never reports, a NaN, +Infinity: each failed, and never best"
write_sweep faults.yaml '--steps, "3", --sleep, "0.05", "${mode}"' \
  '  x: {type: choice, values: [0.3]}
  mode: {type: choice, values: ["--crash-at=2", "--silent", "--nan-at=3", "--steps=3", "--inf-at=3"]}' grid '{max_concurrent: 2}'
# x = 0.3 is the best x: the NaN trial would be best if its last finite value
# counted, and the +Infinity one would be best of all (issue 30, item 1:
# json.dumps writes bare NaN and Infinity, which were skipped as not JSON).
"$sweep" run faults.yaml --dir faults --quiet || fail "the faults sweep exited $?"
reason() { db faults "SELECT state || ': ' || reason FROM trials WHERE id = $1"; }
reason 1 | grep -q "^failed: rank 0 .*exited with code 1" || fail "the crash: $(reason 1)"
reason 2 | grep -q "^failed: it exited 0 but never reported score" || fail "the silent trial: $(reason 2)"
reason 3 | grep -q "^failed: its last score (step 3) is NaN: the metric diverged" || fail "the NaN trial: $(reason 3)"
reason 5 | grep -q "^failed: its last score (step 3) is +Infinity, which is out of the metric's sense" ||
  fail "the +Infinity trial: $(reason 5)"
[ "$(db faults 'SELECT count(*) FROM metrics WHERE trial = 3 AND value IS NULL')" = 1 ] || fail "NaN not kept as NULL"
[ "$(db faults 'SELECT count(*) FROM metrics WHERE trial = 5 AND step = 3 AND value > 1e308')" = 1 ] ||
  fail "+Infinity not kept: $(db faults 'SELECT step, value FROM metrics WHERE trial = 5')"
"$sweep" best faults --json | grep -q '"trial": 4' || fail "best is not trial 4: $("$sweep" best faults)"
"$sweep" status faults --json | /usr/bin/python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["best"] == 4, d["best"]' || fail "status --json best"

step "median stopping cuts the trial far from the optimum"
write_sweep median.yaml '--steps, "6", --sleep, "0.15"' '  x: {type: choice, values: [0.3, 0.35, 0.25, 1.0]}' grid \
  '{max_concurrent: 4}' 'policy: {type: median, evaluation_interval: 1, delay_evaluation: 2}'
"$sweep" run median.yaml --dir median --quiet --grace-period 5 || fail "the median sweep exited $?"
[ "$(db median 'SELECT state FROM trials WHERE id = 4')" = cut ] || fail "x=1.0 was not cut: $(db median 'SELECT id, state, reason FROM trials')"
db median "SELECT reason FROM trials WHERE id = 4" | grep -q "median" || fail "the cut's reason does not name the policy"
[ "$(db median "SELECT count(*) FROM decisions WHERE trial = 4 AND action = 'stop'")" = 1 ] || fail "no stop decision recorded"
[ "$(state_count median completed)" = 3 ] || fail "the good trials did not complete"

step "a cut trial frees its slot at once: stop -> end -> next trial start (issue 31, item 6)"
write_sweep refill.yaml '--steps, "8", --sleep, "0.3"' '  x: {type: choice, values: [0.3, 1.0, 0.35]}' grid \
  '{max_concurrent: 1}' 'policy: {type: median, evaluation_interval: 1, delay_evaluation: 2}'
"$sweep" run refill.yaml --dir refill --quiet --grace-period 5 || fail "the refill sweep exited $?"
[ "$(db refill 'SELECT state FROM trials WHERE id = 2')" = cut ] || fail "x=1.0 was not cut: $(db refill 'SELECT id, state, reason FROM trials')"
/usr/bin/python3 - refill/driver.log <<'PY' || fail "slow refill: $(cat refill/driver.log)"
import datetime, re, sys
at = {}
for line in open(sys.argv[1]):
    stamp, text = line.split(" ", 1)
    t = datetime.datetime.fromisoformat(stamp.rstrip("Z")).timestamp()
    for key, pattern in (("stop", r"^trial 2: stop, "), ("end", r"^trial 2: cut"), ("next", r"^trial 3: started")):
        if re.match(pattern, text):
            at[key] = t
stop_to_end, refill = at["end"] - at["stop"], at["next"] - at["end"]
print(f"cut trial: decision to end of its job {stop_to_end:.2f} s, end to the next trial's start {refill:.3f} s")
assert refill < 0.5, f"the freed slot waited {refill:.3f} s"
assert stop_to_end < 3, f"the cut trial took {stop_to_end:.2f} s to end after the decision"
PY

step "asha: paused trials resume from their checkpoint; the best is registered with its lineage"
write_sweep asha.yaml '--steps, "9", --sleep, "0.1"' '  x: {type: choice, values: [0.9, 0.8, 0.3, 0.7, 0.35, 0.1]}' grid \
  '{max_concurrent: 2}' "policy: {type: asha, min_resource: 1, reduction_factor: 3, max_resource: 9}
registry: {name: toy, url: $work/registry}"
"$sweep" run asha.yaml --dir asha --quiet --grace-period 5 || fail "the asha sweep exited $?"
resumed=$(grep -l "resuming from step [1-9]" asha/trials/*/logs/rank-0.log | wc -l)
[ "$resumed" -ge 1 ] || fail "no promoted trial resumed from its checkpoint"
[ "$(db asha "SELECT count(*) FROM decisions WHERE action = 'pause'")" -ge 1 ] || fail "asha paused nobody"
"$sweep" best asha --json -n 1 >asha-best.json || fail "no asha trial completed: $(db asha 'SELECT id, state, reason FROM trials')"
"$model" --registry "$work/registry" lineage toy:1 --json >lineage.json || fail "no registered model"
/usr/bin/python3 - lineage.json asha-best.json <<'PY' || fail "the lineage lacks the sweep link or the parameters"
import json, sys
l, best = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))[0]
assert l["links"]["trial"] == best["trial"], (l["links"], best)
assert l["links"]["sweep"]["id"].startswith("asha-"), l["links"]
assert l["results"]["hyperparameters"]["trial"] == best["params"], l["results"]["hyperparameters"]
assert l["results"]["final"]["score"]["step"] == 9, l["results"]["final"]
PY

"$sweep" run asha.yaml --dir asha >again.txt 2>&1 || fail "running the finished sweep again exited $?"
grep -q "registered already" again.txt || fail "a finished sweep run again: $(cat again.txt)"
[ "$("$model" --registry "$work/registry" list toy --json | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
  fail "running the finished sweep again registered another version"

step "kill -9 of the driver, then run again: reattached, nothing run twice"
write_sweep resume.yaml '--steps, "5", --sleep, "0.3"' '  x: {type: uniform, low: 0, high: 1}' \
  '{type: tpe, seed: 1, n_startup_trials: 2}' '{max_trials: 6, max_concurrent: 2}'
"$sweep" run resume.yaml --dir resume --quiet & driver_pid=$!
for _ in $(seq 300); do [ "$(state_count resume completed 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
[ "$(state_count resume running)" = 2 ] || sleep 0.5
kill -9 "$driver_pid"; wait "$driver_pid" 2>/dev/null || true; driver_pid=""
done_before=$(db resume "SELECT group_concat(id) FROM trials WHERE state = 'completed'")
"$sweep" run resume.yaml --dir resume >resume.txt 2>&1 || fail "the resumed sweep exited $?: $(cat resume.txt)"
grep -q "reattached to its job" resume.txt || fail "no trial was reattached: $(cat resume.txt)"
[ "$(state_count resume completed)" = 6 ] && [ "$(db resume 'SELECT count(*) FROM trials')" = 6 ] ||
  fail "not 6 trials completed: $(db resume 'SELECT id, state FROM trials'); before the kill: $done_before; $(cat resume.txt resume/driver.log)"
for t in ${done_before//,/ }; do
  n=$(ls "resume/trials/$(printf %05d "$t")/logs/" | grep -c '^previous$' || true)
  [ "$n" = 0 ] || fail "completed trial $t ran again"
done

step "SIGTERM to the driver: trials stopped and requeued, resumed by the next run"
write_sweep term.yaml '--steps, "60", --sleep, "0.1"' '  x: {type: uniform, low: 0, high: 1}' '{type: random, seed: 2}' \
  '{max_trials: 2, max_concurrent: 2}'
"$sweep" run term.yaml --dir term --quiet --grace-period 5 & driver_pid=$!
for _ in $(seq 300); do [ "$(db term 'SELECT count(*) FROM metrics' 2>/dev/null || echo 0)" -ge 4 ] && break; sleep 0.1; done
kill -TERM "$driver_pid"
set +e; wait "$driver_pid"; rc=$?; set -e; driver_pid=""
[ "$rc" = 143 ] || fail "SIGTERM: exit $rc, not 143"
[ "$(state_count term queued)" = 2 ] || fail "the stopped trials were not requeued: $(db term 'SELECT id, state FROM trials')"
pgrep -f "$work/term" >/dev/null && fail "trials still run after the driver stopped"
"$sweep" run term.yaml --dir term --quiet || fail "the requeued sweep exited $?"
grep -q "resuming from step" term/trials/00001/logs/rank-0.log || fail "the requeued trial started from 0"

step "bad sweep files and a second driver are refused"
bad() {  # bad NAME TEXT PATTERN
  printf '%s\n' "$2" >"$1.yaml"
  set +e; "$sweep" run "$1.yaml" --dir "bad-$1" >"$1.out" 2>&1; rc=$?; set -e
  [ "$rc" = 2 ] || fail "$1: exit $rc, not 2: $(cat "$1.out")"
  grep -q "$3" "$1.out" || fail "$1: the error does not say '$3': $(cat "$1.out")"
  [ ! -e "bad-$1/sweep.db" ] || fail "$1: a store was made for a bad file"
}
head='program: /bin/true
metric: {name: score, goal: maximize}
limits: {max_trials: 2}'
bad distribution "$head
space: {x: {type: gaussian, low: 0, high: 1}}" "distribution.yaml:4:.*space.x.type"
bad range "$head
space: {x: {type: uniform, low: 1, high: 1}}" "range.yaml:4:.*space.x.high: uniform needs low < high"
bad placeholder "$head
args: [\"\${y}\"]
space: {x: {type: uniform, low: 0, high: 1}}" 'names no parameter'
bad policy "$head
space: {x: {type: uniform, low: 0, high: 1}}
policy: {type: hyperband}" "policy.yaml:5:.*policy.type: 'hyperband' is not a policy"
bad concurrency 'program: /bin/true
metric: {name: score, goal: maximize}
limits: {max_trials: 2, max_concurrent: 0}
space: {x: {type: uniform, low: 0, high: 1}}' 'concurrency.yaml:3:.*limits.max_concurrent'
bad registry "$head
space: {x: {type: uniform, low: 0, high: 1}}
registry: {name: ../up}" "registry.yaml:5: registry: the model name '../up'"
bad program 'program: ./no-such-trainer
metric: {name: score, goal: maximize}
limits: {max_trials: 1}
space: {x: {type: uniform, low: 0, high: 1}}' "program.yaml: program: program .*/no-such-trainer does not exist"
[ ! -e bad-program ] || fail "a sweep of a missing program made its folder"
write_sweep slow.yaml '--steps, "50", --sleep, "0.1"' '  x: {type: uniform, low: 0, high: 1}' '{type: random, seed: 2}' \
  '{max_trials: 1}'
"$sweep" run slow.yaml --dir slow --quiet --grace-period 2 & driver_pid=$!
for _ in $(seq 100); do [ -s slow/driver.lock ] && break; sleep 0.1; done
set +e; "$sweep" run slow.yaml --dir slow >second.txt 2>&1; rc=$?; set -e
[ "$rc" = 2 ] && grep -q "another cohort-sweep drives" second.txt || fail "a second driver: exit $rc, $(cat second.txt)"
kill -TERM "$driver_pid"; wait "$driver_pid" 2>/dev/null || true; driver_pid=""
echo "check_driver: all passed"
