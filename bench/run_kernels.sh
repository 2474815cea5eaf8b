#!/usr/bin/env bash
# On a GPU machine: the kernel table of bench_kernels, then cohort's fused
# AdamW beside torch.optim.AdamW(fused=True) on the same shapes, in rounds
# that alternate the two (3 by default), with the median ratio.
#
#   bench/run_kernels.sh [BUILD_DIR]      (ROUNDS, PYTHON: default 3, python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin=$build/bench/bench_kernels
python=${PYTHON:-python3}
rounds=${ROUNDS:-3}
[[ -x $bin ]] || { echo "no $bin: build with CUDA first" >&2; exit 1; }

"$bin"
echo
printf '%-6s | %14s | %22s | %s\n' shape "cohort AdamW ms" "torch fused AdamW ms" "torch/cohort (>= 1: cohort no slower)"
for shape in 1b gpt2; do
  ours=() theirs=()
  for ((r = 0; r < rounds; ++r)); do
    ours+=("$("$bin" --adamw "$shape" | sed -n 's/^RESULT .*ms=//p')")
    theirs+=("$("$python" "$here/adamw_torch.py" "$shape" | sed -n 's/^RESULT .*ms=//p')")
  done
  printf '%s\n' "${ours[@]}" >/tmp/cohort_ours.$$
  printf '%s\n' "${theirs[@]}" >/tmp/cohort_theirs.$$
  paste /tmp/cohort_ours.$$ /tmp/cohort_theirs.$$ | awk -v shape="$shape" '
    { o[NR] = $1; t[NR] = $2; r[NR] = $2 / $1 }
    function median(a, n,   i, j, x) { for (i = 2; i <= n; ++i) for (j = i; j > 1 && a[j-1] > a[j]; --j) { x = a[j]; a[j] = a[j-1]; a[j-1] = x }
      return a[int((n + 1) / 2)] }
    END { n = NR; mo = median(o, n); mt = median(t, n); mr = median(r, n)
      printf "%-6s | %14.3f | %22.3f | %.3f %s\n", shape, mo, mt, mr, (mr >= 1 ? "met" : "MISSED") }'
  rm -f /tmp/cohort_ours.$$ /tmp/cohort_theirs.$$
done
