#!/usr/bin/env bash
# cohort-sweep across several hosts: the network-namespace hosts of
# tests/launcher/netns_hosts.sh (own address, hostname and sshd each, one
# shared file system), with the driver on h1 and toy_trial.py as the trials:
#   - torchrun's contract across hosts: the unchanged PyTorch DDP script of
#     tests/launcher/torch_ddp.py under cohortrun on h1 and h2 (gloo over the
#     hosts' network, MASTER_ADDR h1, rank 0's host);
#   - engine hosts over h1..h3: 1-node trials side by side, each on a host no
#     other running trial holds, started by mpirun over real ssh;
#   - engine slurm: a real Slurm cluster across h1..h4 (slurmctld on h1, a
#     slurmd on each), cohort-sweep inside `salloc -N4`, every trial a 2-node
#     srun step of 2 ranks packed into the allocation, two at a time on
#     disjoint nodes; a bandit policy cuts the bad trials through Slurm
#     (scancel --signal=TERM), which leaves them cut with their
#     decision, and a killed driver started again reattaches to its trials.
# Nothing is left running afterwards, on any host.
#   check_sweep_hosts.sh BUILD_DIR      (needs root; 77 = skipped)
set -uo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
launcher_tests="$here/../../launcher"
sweep="$build/bin/cohort-sweep"
toy="$here/toy_trial.py"
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the multi-host checks create network namespaces, which needs root"
  exit 77
fi
work="$(mktemp -d /var/tmp/cohort_sweep_hosts.XXXXXX)"
chmod 755 "$work"  # munged runs as the munge user and must reach its folder in here
source "$launcher_tests/netns_hosts.sh"
source "$launcher_tests/slurm_cluster.sh"
cleanup() {
  slurm_down
  hosts_down
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check_sweep_hosts: FAILED: $*"
  exit 1
}
step() { echo "== $*"; }
db() { /usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); [print("|".join(map(str, r))) for r in c.execute(sys.argv[2])]' "$1/sweep.db" "$2"; }
state_count() { db "$1" "SELECT count(*) FROM trials WHERE state = '$2'"; }
# The host names in trial T's run.json, comma-separated.
run_hosts() { /usr/bin/python3 -c 'import json, sys; print(",".join(h["name"] for h in json.load(open(sys.argv[1]))["hosts"]))' "$1/trials/$2/logs/run.json"; }
run_field() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1/trials/$2/logs/run.json" "$3"; }
no_leftovers() {  # no trial process on any host
  local k
  for k in $(seq 1 "$netns_count"); do
    host_pids "$k" | xargs -r ps -o pid=,args= -p 2>/dev/null | grep -E "toy_trial|cohortrun|cohort-sweep" &&
      fail "processes left on h$k"
  done
  return 0
}
cd "$work" || exit 1

hosts_up 4 "$work/hosts" || fail "the network-namespace hosts did not come up"

step "torchrun's contract across hosts: a PyTorch DDP script on h1 and h2, unchanged"
cohortrun="$build/bin/cohortrun"
timeout -k 5 120 nsenter -t "$(_host_anchor 1)" -n -m -u -- "$cohortrun" --hosts h1:1,h2:1 \
  --outputs "$work/ddp/outputs" --logs "$work/ddp/logs" -- /usr/bin/python3 "$launcher_tests/torch_ddp.py" \
  >ddp.txt 2>&1 || fail "the DDP script across hosts failed: $(tail -n 30 ddp.txt)"
for r in 0 1; do
  grep -q "rank $r of 2 (local 0): torch DDP step ok via h1:[0-9]" ddp.txt ||
    fail "rank $r did not report a DDP step through h1: $(tail -n 20 ddp.txt)"
done
no_leftovers

step "engine hosts: 4 one-node trials over h1..h3, 3 at a time, on hosts of their own"
cat >hosts.yaml <<YAML
program: /usr/bin/python3
args: [$toy, --x, "\${x}", --steps, "4", --sleep, "0.5"]
metric: {name: score, goal: maximize}
space:
  x: {type: uniform, low: 0, high: 1}
sampler: {type: random, seed: 5}
limits: {max_trials: 4, max_concurrent: 3}
trial: {nodes: 1, procs_per_node: 1, engine: hosts, hosts: [h1, h2, h3]}
YAML
timeout -k 5 180 nsenter -t "$(_host_anchor 1)" -n -m -u -- "$sweep" run "$work/hosts.yaml" --dir "$work/hosts-sweep" --quiet ||
  fail "the host-list sweep exited $?: $(tail -n 20 "$work"/hosts-sweep/trials/*/cohortrun.log)"
[ "$(state_count hosts-sweep completed)" = 4 ] ||
  fail "not 4 completed trials: $(db hosts-sweep 'SELECT id, state, reason FROM trials')"
seen=""
for t in 00001 00002 00003 00004; do
  h=$(run_hosts hosts-sweep "$t")
  grep -q "rank 0 of 1 on $h\$" "hosts-sweep/trials/$t/cohortrun.log" ||
    fail "trial $t: run.json says $h but the trial says: $(grep 'rank 0' "hosts-sweep/trials/$t/cohortrun.log")"
  seen="$seen $h"
done
# The first three started together, so they took the three hosts.
[ "$(echo "$seen" | tr ' ' '\n' | sed -n 2,4p | sort -u | wc -l)" = 3 ] || fail "trials 1-3 did not take 3 hosts: $seen"
no_leftovers

step "engine slurm: 2-node trials as srun steps packed into a 4-node allocation"
slurm_up_hosts "$work/slurm" 4 || {
  tail -n 20 "$work"/slurm/*.log
  fail "the Slurm cluster across the hosts did not start"
}
# x near 0.3 scores best at every step; bandit (slack 0.1, from interval 2)
# cuts trials far from it once a better one has reported.
cat >slurm.yaml <<YAML
program: /usr/bin/python3
args: [$toy, --x, "\${x}", --steps, "8", --sleep, "0.6"]
metric: {name: score, goal: maximize}
space:
  x: {type: choice, values: [0.3, 0.35, 0.95, 1.0]}
sampler: grid
policy: {type: bandit, slack_amount: 0.1, evaluation_interval: 1, delay_evaluation: 2}
limits: {max_concurrent: 2}
trial: {nodes: 2, procs_per_node: 2, engine: slurm}
YAML
# Outside an allocation, engine slurm is refused before anything is made.
nsenter -t "$(_host_anchor 1)" -n -m -u -- "$sweep" run "$work/slurm.yaml" --dir "$work/refused" >refused.txt 2>&1 &&
  fail "engine slurm outside an allocation ran"
grep -q "slurm.yaml: trial.engine slurm packs the trials into the Slurm allocation .* (no SLURM_JOB_ID)" refused.txt ||
  fail "unexpected refusal: $(cat refused.txt)"
[ ! -e "$work/refused" ] || fail "the refused sweep made its folder"

# The allocation's script runs the driver, and runs it again if it dies (as
# an sbatch script would): the second reattaches to the running trials.
run_twice="'$sweep' run '$work/slurm.yaml' --dir '$work/slurm-sweep' >'$work/slurm-run1.txt' 2>&1
  '$sweep' run '$work/slurm.yaml' --dir '$work/slurm-sweep' >'$work/slurm-run2.txt' 2>&1"
nsenter -t "$(_host_anchor 1)" -n -m -u -- timeout -k 5 240 salloc -N4 -n8 --ntasks-per-node=2 \
  bash -c "$run_twice" >salloc.txt 2>&1 &
allocation=$!
for _ in $(seq 1 150); do
  [ "$(state_count slurm-sweep running 2>/dev/null)" = 2 ] && break
  sleep 0.2
done
[ "$(state_count slurm-sweep running)" = 2 ] || fail "two trials did not start: $(cat slurm-run1.txt salloc.txt)"
sleep 1
pkill -9 -f "^$sweep run $work/slurm.yaml" || fail "no driver to kill"
wait "$allocation" || fail "the Slurm sweep exited $?: $(cat salloc.txt slurm-run2.txt)"
[ "$(grep -c "reattached to its job" slurm-run2.txt)" = 2 ] ||
  fail "the second driver did not reattach to both trials: $(cat slurm-run2.txt)"
db slurm-sweep 'SELECT id, state, reason FROM trials' >states.txt
[ "$(state_count slurm-sweep completed)" -ge 1 ] || fail "no trial completed: $(cat states.txt)"
[ "$(state_count slurm-sweep cut)" -ge 1 ] || fail "the bandit policy cut nothing: $(cat states.txt)"
[ "$(db slurm-sweep "SELECT count(*) FROM trials WHERE state NOT IN ('completed', 'cut')")" = 0 ] ||
  fail "trials neither completed nor cut: $(cat states.txt)"
all_hosts=""
for t in $(db slurm-sweep 'SELECT printf("%05d", id) FROM trials'); do
  [ "$(run_field slurm-sweep "$t" engine)" = srun ] || fail "trial $t did not run under srun"
  h=$(run_hosts slurm-sweep "$t")
  [ "$(echo "$h" | tr ',' '\n' | sort -u | wc -l)" = 2 ] || fail "trial $t is not on 2 nodes: $h"
  for r in 0 1 2 3; do
    grep -q "rank $r of 4 on h[1-4]\$" "slurm-sweep/trials/$t/cohortrun.log" || fail "trial $t: no rank $r of 4"
  done
  all_hosts="$all_hosts,$h"
done
[ "$(echo "$all_hosts" | tr ',' '\n' | grep . | sort -u | wc -l)" = 4 ] ||
  fail "the trials did not use the allocation's 4 nodes: $all_hosts"
cut=$(db slurm-sweep "SELECT id FROM trials WHERE state = 'cut' LIMIT 1")
db slurm-sweep "SELECT policy || ' ' || action FROM decisions WHERE trial = $cut" | grep -qx 'bandit stop' ||
  fail "the cut trial $cut has no bandit decision: $(db slurm-sweep 'SELECT * FROM decisions')"
grep -q "stopped at step" "slurm-sweep/trials/$(printf %05d "$cut")/cohortrun.log" ||
  fail "the cut trial was not stopped with SIGTERM (no 'stopped at step')"
[ -z "$(host_exec 1 squeue -h 2>/dev/null)" ] || fail "Slurm jobs left: $(host_exec 1 squeue)"
no_leftovers
echo "check_sweep_hosts: all checks passed"
