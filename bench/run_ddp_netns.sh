#!/usr/bin/env bash
# The DDP training step across 2 hosts x 1 rank joined by a rate-limited link:
# network-namespace hosts (tests/launcher/netns_hosts.sh) whose veth links tc
# limits to 1 Gbit/s or 10 Gbit/s, cohort under cohortrun beside PyTorch DDP
# over gloo, in the same run. Needs root.
#
#   bench/run_ddp_netns.sh [BUILD_DIR]       (default BUILD_DIR: build)
#
# Configurations, for each link rate and model width:
#   cohort      cohort DataParallel, gradients as float32
#   cohort-bf16 the same with COHORT_COMPRESS=bf16 (Note [Compressed buckets])
#   torch       PyTorch DDP (gloo), float32
#   torch-fp16  PyTorch DDP with its fp16_compress_hook
#   torch-psgd  PyTorch DDP with its powerSGD_hook (rank 1)
# and no-dp, cohort's program without DataParallel (the compute alone), and
# comm / comm-bf16, its buckets' reductions alone (--comm-only): the table
# sets each cohort step time beside max(compute, communication).
#
# Environment: CONFIGS (default: all of the above), RATES (default "1gbit
# 10gbit"), HIDDENS (default "2048 4608": 5.8 M and 25 M parameters), ROUNDS
# (default 3), WARMUP, BLOCKS, STEPS
# (defaults 3, 5, 4), PYTHON (default /usr/bin/python3), RESULTS (default
# bench/results/ddp_netns.csv). Each measured run is appended to RESULTS at
# once (rate,hidden,round,config,samples_per_s); a rerun skips the rows
# already there, so an interrupted run resumes. The table is printed from the
# file at the end (bench/ddp_netns_table.py).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
python=${PYTHON:-/usr/bin/python3}
rates=${RATES:-1gbit 10gbit}
hiddens=${HIDDENS:-2048 4608}
rounds=${ROUNDS:-3}
results=${RESULTS:-$here/results/ddp_netns.csv}
args=(--warmup "${WARMUP:-3}" --blocks "${BLOCKS:-5}" --steps "${STEPS:-4}")
bench=$build/bench/bench_ddp_step
cohortrun=$build/bin/cohortrun

if [[ $(id -u) != 0 ]]; then
  echo "run_ddp_netns.sh creates network namespaces and needs root" >&2
  exit 1
fi
for program in "$bench" "$cohortrun"; do
  if [[ ! -x $program ]]; then
    echo "no $program: build it first (cmake --build $build --target bench_ddp_step cohortrun)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
source "$root/tests/launcher/netns_hosts.sh"
trap 'hosts_down; rm -rf "$work"' EXIT
hosts_up 2 "$work/hosts"
mkdir -p "$(dirname "$results")"
[[ -s $results ]] || echo "rate,hidden,round,config,samples_per_s" >"$results"

log=$work/run.log
# One thread per rank for libtorch, OpenMP and OpenBLAS alike.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# cohort on h1 and h2 under cohortrun (started on h1), with extra environment.
run_cohort() {
  local extra=$1 folder
  shift
  folder=$(mktemp -d -p "$work")
  nsenter -t "$(_host_anchor 1)" -n -m -u -- timeout -k 10 600 "$cohortrun" \
    --hosts h1:1,h2:1 --logs "$folder/logs" --outputs "$folder/outputs" -- \
    env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $extra "$bench" "$@"
}

# PyTorch DDP: one process on each host, rendezvous on h1 (LIMIT: seconds).
run_torch() {
  local port=$((20000 + RANDOM % 20000)) pids=() k
  for k in 1 2; do
    host_exec "$k" env GLOO_SOCKET_IFNAME=eth0 timeout -k 10 "${LIMIT:-600}" "$python" \
      "$here/ddp_step_torch.py" --rank $((k - 1)) --world 2 --master "10.200.0.1:$port" "$@" &
    pids+=($!)
  done
  local rc=0
  for k in "${pids[@]}"; do wait "$k" || rc=$?; done
  return $rc
}

# measure CONFIG HIDDEN: prints the run's samples/s. PyTorch's powerSGD_hook
# over gloo (torch 1.13) aborts now and then in gloo ("op.preamble.length <=
# op.nbytes", "Connection reset by peer") or hangs; such a run is tried up to
# 3 times, each at most 120 s, and each failure is said.
measure() {
  local tries=1 k
  [[ $1 != torch-psgd ]] || tries=3
  for ((k = 1; k <= tries; ++k)); do
    if measure_once "$@"; then return 0; fi
    [[ $k == "$tries" ]] || echo "$1 (hidden $2): attempt $k failed; trying again" >&2
  done
  return 1
}

measure_once() {
  local config=$1 hidden=$2 out
  case $config in
    cohort) out=$(run_cohort "" --hidden "$hidden" "${args[@]}" 2>"$log") ;;
    cohort-bf16) out=$(run_cohort COHORT_COMPRESS=bf16 --hidden "$hidden" "${args[@]}" 2>"$log") ;;
    no-dp) out=$(run_cohort "" --hidden "$hidden" --no-dp "${args[@]}" 2>"$log") ;;
    comm) out=$(run_cohort "" --hidden "$hidden" --comm-only "${args[@]}" 2>"$log") ;;
    comm-bf16) out=$(run_cohort COHORT_COMPRESS=bf16 --hidden "$hidden" --comm-only "${args[@]}" 2>"$log") ;;
    torch) out=$(run_torch --hidden "$hidden" "${args[@]}" 2>"$log") ;;
    torch-fp16) out=$(run_torch --hidden "$hidden" --hook fp16 "${args[@]}" 2>"$log") ;;
    torch-psgd) out=$(LIMIT=120 run_torch --hidden "$hidden" --hook powersgd "${args[@]}" 2>"$log") ;;
  esac || {
    echo "$config (hidden $hidden) failed:" >&2
    tail -20 "$log" >&2
    echo "$out" | tail -5 >&2
    return 1
  }
  sed -n 's/.*RESULT .*samples_per_s=\([0-9.]*\).*/\1/p' <<<"$out"
}

read -r -a configs <<<"${CONFIGS:-cohort cohort-bf16 torch torch-fp16 torch-psgd no-dp comm comm-bf16}"
for rate in $rates; do
  link_rate 1 "$rate"
  link_rate 2 "$rate"
  for hidden in $hiddens; do
    for ((r = 1; r <= rounds; ++r)); do
      line="$rate hidden $hidden round $r:"
      for ((k = 0; k < ${#configs[@]}; ++k)); do
        c=${configs[$(((r + k) % ${#configs[@]}))]}  # the order rotates from round to round
        if grep -q "^$rate,$hidden,$r,$c," "$results"; then
          continue
        fi
        if v=$(measure "$c" "$hidden"); then
          echo "$rate,$hidden,$r,$c,$v" >>"$results"
          line+=" $c=$v"
        else
          line+=" $c=failed"
        fi
      done
      echo "$line"
    done
  done
done
"$python" "$here/ddp_netns_table.py" "$results"
