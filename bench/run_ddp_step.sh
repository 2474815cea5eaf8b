#!/usr/bin/env bash
# Runs bench_ddp_step (cohort DataParallel) and ddp_step_torch.py (PyTorch DDP
# over gloo) at 1 and 2 ranks and prints one table. Builds nothing: build the
# bench_ddp_step target first.
#
#   bench/run_ddp_step.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# Environment: ROUNDS (default 5); WARMUP, BLOCKS, STEPS passed to both
# programs (defaults 3, 5, 4); PYTHON (default /usr/bin/python3, which has
# Debian's torch).
#
# cohort's runs use its fused SGD; one more 2-rank run uses libtorch's SGD, the
# optimizer the PyTorch peer uses, to show what the optimizer alone is worth.
# Two more compare sharded updates: cohort with share_parameters (one copy of
# the parameters per machine, each rank updating half) beside PyTorch DDP with
# ZeroRedundancyOptimizer (each rank updating its shard and broadcasting it).
#
# The machine is noisy, so the eight runs of a round (cohort and PyTorch at 1
# and 2 ranks, cohort at 2 ranks with libtorch's SGD, cohort's binary at 2
# ranks without DataParallel, and the two sharded runs) follow each
# other closely, in an order that rotates from round to round. Each run reports
# the median over its timed blocks; the table shows the median over rounds,
# and each ratio or efficiency is the median of the values computed inside
# one round.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin=$build/bench/bench_ddp_step
python=${PYTHON:-/usr/bin/python3}
rounds=${ROUNDS:-5}
args=(--warmup "${WARMUP:-3}" --blocks "${BLOCKS:-5}" --steps "${STEPS:-4}")

if [[ ! -x $bin ]]; then
  echo "no $bin: build it first (cmake --build $build --target bench_ddp_step)," \
    "or pass the build folder as the first argument" >&2
  exit 1
fi

# One thread per rank for libtorch, OpenMP and OpenBLAS alike.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mpirun=(mpirun --oversubscribe --bind-to none)  # unbound, as the PyTorch processes are
if [[ $(id -u) == 0 ]]; then mpirun+=(--allow-run-as-root); fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME COMMAND...: runs one configuration and prints its samples/s. A run
# that hangs is ended after 5 minutes.
run() {
  local name=$1 out
  shift
  if ! out=$(timeout -k 10 300 "$@" 2>"$log"); then
    echo "$name failed or timed out:" >&2
    cat "$log" >&2
    exit 1
  fi
  sed -n 's/^RESULT .*samples_per_s=\([0-9.]*\).*/\1/p' <<<"$out"
}

configs=(cohort1 torch1 cohort2 torch2 nodp2 cohort2t cohort2s torch2z)
declare -A result
echo "ddp step: MLP 784-2048-2048-10, batch 128/rank, SGD momentum 0.9, 1 thread/rank;" \
  "$rounds rounds, each run: ${args[*]}"
for ((r = 0; r < rounds; ++r)); do
  line="round $((r + 1)):"
  for ((k = 0; k < ${#configs[@]}; ++k)); do
    c=${configs[$(((r + k) % ${#configs[@]}))]}
    case $c in
      cohort1) v=$(run "$c" "${mpirun[@]}" -n 1 "$bin" "${args[@]}") ;;
      cohort2) v=$(run "$c" "${mpirun[@]}" -n 2 "$bin" "${args[@]}") ;;
      cohort2t) v=$(run "$c" "${mpirun[@]}" -n 2 "$bin" "${args[@]}" --torch-sgd) ;;
      cohort2s) v=$(run "$c" "${mpirun[@]}" -n 2 "$bin" "${args[@]}" --share) ;;
      nodp2) v=$(run "$c" "${mpirun[@]}" -n 2 "$bin" "${args[@]}" --no-dp) ;;
      torch1) v=$(run "$c" "$python" "$here/ddp_step_torch.py" --ranks 1 "${args[@]}") ;;
      torch2) v=$(run "$c" "$python" "$here/ddp_step_torch.py" --ranks 2 "${args[@]}") ;;
      torch2z) v=$(run "$c" "$python" "$here/ddp_step_torch.py" --ranks 2 "${args[@]}" --zero) ;;
    esac
    result[$c,$r]=$v
    line+=" $c=$v"
  done
  echo "$line"
done

# The table: medians over rounds; ratios and efficiencies per round, then the median.
for ((r = 0; r < rounds; ++r)); do
  echo "${result[cohort1,$r]} ${result[torch1,$r]} ${result[cohort2,$r]} ${result[torch2,$r]}" \
    "${result[nodp2,$r]} ${result[cohort2t,$r]} ${result[cohort2s,$r]} ${result[torch2z,$r]}"
done | awk '
  function median(a, n,    i, j, t) {
    for (i = 2; i <= n; ++i) for (j = i; j > 1 && a[j - 1] > a[j]; --j) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    ++n
    c1[n] = $1; t1[n] = $2; c2[n] = $3; t2[n] = $4; nd[n] = $5
    r1[n] = $1 / $2; r2[n] = $3 / $4
    ec[n] = $3 / (2 * $1); et[n] = $4 / (2 * $2); en[n] = $5 / (2 * $1); cc[n] = $3 / $5
    c2t[n] = $6; rt[n] = $6 / $4
    c2s[n] = $7; t2z[n] = $8; rs[n] = $7 / $4; rsz[n] = $7 / $8; es[n] = $7 / (2 * $1)
  }
  END {
    mr2 = median(r2, n); mec = median(ec, n)
    printf "\n%5s | %16s | %21s | %14s | %17s | %18s\n", "ranks", "cohort samples/s",
           "PyTorch DDP samples/s", "cohort/PyTorch", "cohort scaling eff", "PyTorch scaling eff"
    printf "%5d | %16.1f | %21.1f | %14.3f | %17s | %18s\n", 1, median(c1, n), median(t1, n),
           median(r1, n), "-", "-"
    printf "%5d | %16.1f | %21.1f | %14.3f | %16.1f%% | %17.1f%%\n", 2, median(c2, n),
           median(t2, n), mr2, 100 * mec, 100 * median(et, n)
    printf "\nsamples/s: median over %d rounds; ratio and efficiency: median of per-round values;\n", n
    printf "scaling eff = 2-rank samples/s / (2 x 1-rank samples/s). PyTorch at 1 rank: plain\n"
    printf "training without DDP; cohort at 1 rank runs DataParallel as usual.\n"
    printf "\nmachine ceiling, 2 ranks training without DataParallel (nothing communicated):\n"
    printf "  %.1f samples/s = %.1f%% scaling eff; cohort 2-rank / ceiling = %.1f%%\n",
           median(nd, n), 100 * median(en, n), 100 * median(cc, n)
    printf "cohort at 2 ranks with libtorch'"'"'s SGD (the optimizer PyTorch uses):\n"
    printf "  %.1f samples/s = %.3fx PyTorch DDP\n", median(c2t, n), median(rt, n)
    printf "\nsharded updates at 2 ranks:\n"
    printf "  cohort, share_parameters:       %.1f samples/s = %.3fx PyTorch DDP, scaling eff %.1f%%\n",
           median(c2s, n), median(rs, n), 100 * median(es, n)
    printf "  PyTorch DDP + ZeroRedundancyOptimizer: %.1f samples/s; cohort shared / PyTorch ZeRO = %.3f\n",
           median(t2z, n), median(rsz, n)
    printf "\nfloor: cohort/PyTorch at 2 ranks >= 1.4: %s (%.3f)\n", (mr2 >= 1.4 ? "met" : "MISSED"), mr2
    printf "floor: cohort scaling efficiency >= 85%%: %s (%.1f%%)\n", (mec >= 0.85 ? "met" : "MISSED"), 100 * mec
    mrs = median(rs, n); mes = median(es, n)
    printf "the same floors with share_parameters: %s (%.3f), %s (%.1f%%)\n", (mrs >= 1.4 ? "met" : "MISSED"),
           mrs, (mes >= 0.85 ? "met" : "MISSED"), 100 * mes
  }'
