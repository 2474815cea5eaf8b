#!/usr/bin/env bash
# The measurements of the scaling model (docs/scaling.md): what the model
# takes as input, and every configuration it is checked against. Needs root
# (network namespaces); about 20 minutes on 2 idle cores.
#
#   bench/run_scaling.sh [BUILD_DIR]       (default BUILD_DIR: build)
#
# Inputs of the model:
#   probes   bench_link_probe: one bucket's reduction by size and compression,
#            and the copy of a gradient into its bucket, on 1-3 ranks of one
#            machine (the shared-memory level) and on 2-3 network-namespace
#            hosts x 1 rank whose links tc limits to 1 Gbit/s and 10 Gbit/s
#            (the network level); all of them share this machine's cores, so
#            each level is measured with as many ranks as the configurations
#            that use it
#   no-dp    bench_ddp_step --no-dp: the compute of a step (forward, backward,
#            update), with as many ranks running at once as the configuration
# Configurations checked: cohort DataParallel on 1-3 ranks of one machine,
# and on 2-3 hosts x 1 rank at both link rates, float32 and bf16, with the
# default bucket caps and with COHORT_BUCKET_MB=4; each for the bench MLP
# (hidden 2048, 5.8 M parameters) and the larger one (hidden 4608, 25 M).
#
# Environment: HIDDENS (default "2048 4608"), RATES ("1gbit 10gbit"), ROUNDS
# (3), PROBES (default bench/results/scaling_probe.csv), RUNS (default
# bench/results/scaling_runs.csv). Each result is appended as soon as it is
# measured and a rerun skips what is there, so an interrupted run resumes.
# The model then reads both files: bench/scaling_model.py check.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
hiddens=${HIDDENS:-2048 4608}
rates=${RATES:-1gbit 10gbit}
rounds=${ROUNDS:-3}
probes=${PROBES:-$here/results/scaling_probe.csv}
runs=${RUNS:-$here/results/scaling_runs.csv}
step=$build/bench/bench_ddp_step
probe=$build/bench/bench_link_probe
cohortrun=$build/bin/cohortrun
steps=(--warmup 2 --blocks 3 --steps 4)

if [[ $(id -u) != 0 ]]; then
  echo "run_scaling.sh creates network namespaces and needs root" >&2
  exit 1
fi
for program in "$step" "$probe" "$cohortrun"; do
  if [[ ! -x $program ]]; then
    echo "no $program: build it first (cmake --build $build --target bench_ddp_step bench_link_probe cohortrun)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
source "$root/tests/launcher/netns_hosts.sh"
trap 'hosts_down; rm -rf "$work"' EXIT
hosts_up 3 "$work/hosts"
mkdir -p "$(dirname "$probes")" "$(dirname "$runs")"
[[ -s $probes ]] || echo "level,ranks,hosts,compress,bytes,seconds" >"$probes"
[[ -s $runs ]] || echo "level,hosts,ranks_per_host,hidden,compress,bucket_mb,config,round,samples_per_s,forward_ms,backward_ms,update_ms,exposed_comm_ms" >"$runs"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# launch PLACE ENV... -- PROGRAM ARGS: PLACE is local:N (N ranks here) or
# hosts:H (H network-namespace hosts x 1 rank, started on h1).
launch() {
  local place=$1 folder
  shift
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  folder=$(mktemp -d -p "$work")
  local where=(--procs-per-node "${place#local:}") enter=()
  if [[ $place == hosts:* ]]; then
    local list=h1:1 k
    for ((k = 2; k <= ${place#hosts:}; ++k)); do list+=",h$k:1"; done
    where=(--hosts "$list")
    enter=(nsenter -t "$(_host_anchor 1)" -n -m -u --)
  fi
  "${enter[@]}" timeout -k 10 900 "$cohortrun" "${where[@]}" --logs "$folder/logs" \
    --outputs "$folder/outputs" -- env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "${env[@]}" "$@" \
    2>"$work/last.log" || { tail -20 "$work/last.log" >&2; return 1; }
}

set_rate() {
  local k
  for k in 1 2 3; do link_rate "$k" "$1"; done
}

# probe LEVEL PLACE: the probe's lines into the probes file, once.
probe_level() {
  local level=$1 place=$2
  grep -qF "$level," "$probes" && return 0
  echo "probe $level ($place)" >&2
  local lines
  lines=$(launch "$place" -- "$probe" --min-kib 4 | sed -n "s/^.*PROBE ranks=\([0-9]*\) hosts=\([0-9]*\) compress=\([a-z0-9]*\) bytes=\([0-9]*\) seconds=\(.*\)$/$level,\1,\2,\3,\4,\5/p")
  [[ -n $lines ]] || { echo "no PROBE lines from $level" >&2; return 1; }
  echo "$lines" >>"$probes"
}

# measure LEVEL PLACE HOSTS PER_HOST HIDDEN COMPRESS BUCKET_MB CONFIG: one
# row per round into the runs file, skipping rounds already there.
measure() {
  local level=$1 place=$2 hosts=$3 per_host=$4 hidden=$5 compress=$6 bucket=$7 config=$8 r out
  local env=(COHORT_COMPRESS="$compress") args=(--hidden "$hidden" "${steps[@]}")
  [[ $bucket == default ]] || env+=(COHORT_BUCKET_MB="$bucket")
  [[ $config != no-dp ]] || args+=(--no-dp)
  for ((r = 1; r <= rounds; ++r)); do
    local key="$level,$hosts,$per_host,$hidden,$compress,$bucket,$config,$r,"
    grep -q "^$key" "$runs" && continue
    out=$(launch "$place" "${env[@]}" -- "$step" "${args[@]}") || { echo "failed: $key" >&2; continue; }
    out=$(sed -n 's/^.*RESULT .*samples_per_s=\([0-9.]*\) exposed_comm_ms=\([0-9.]*\) forward_ms=\([0-9.]*\) backward_ms=\([0-9.]*\) update_ms=\([0-9.]*\)$/\1,\3,\4,\5,\2/p' <<<"$out")
    if [[ -z $out ]]; then
      echo "no RESULT line: $key" >&2
      continue
    fi
    echo "$key$out" | tee -a "$runs"
  done
}

# Every level with as many ranks as the configurations that use it: here all
# of them share the machine's cores, so a level's cost depends on how many run.
for n in 1 2 3; do
  probe_level "shm@$n" "local:$n"
done
for rate in $rates; do
  set_rate "$rate"
  for h in 2 3; do
    probe_level "net-$rate@$h" "hosts:$h"
  done
done
set_rate off

for hidden in $hiddens; do
  for n in 1 2 3; do
    measure local "local:$n" 1 "$n" "$hidden" none default no-dp
    measure local "local:$n" 1 "$n" "$hidden" none default cohort
  done
  for h in 2 3; do
    measure net "hosts:$h" "$h" 1 "$hidden" none default no-dp
  done
done
for rate in $rates; do
  set_rate "$rate"
  for hidden in $hiddens; do
    for h in 2 3; do
      for compress in none bf16; do
        for bucket in default 4; do
          measure "net-$rate" "hosts:$h" "$h" 1 "$hidden" "$compress" "$bucket" cohort
        done
      done
    done
  done
done
