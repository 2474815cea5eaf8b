#!/usr/bin/env bash
# Fuzzes cohort's parsers of outside input (Note [Fuzz targets] in
# tests/fuzz/CMakeLists.txt; docs/fuzzing.md): builds the libFuzzer targets
# with clang in their own build folder, then runs each for SECONDS (default
# 60), two at a time, from its seeds and regression inputs
# (tests/fuzz/corpus/TARGET) and what earlier runs found (kept in the build
# folder, never in the repository).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Writes one row per target to the summary as it ends (target, seconds,
# executions, executions per second, coverage (edges), features, corpus
# size, crashes inside HDF5, result) and prints it. An input that crashes a
# target is kept as BUILD/crashes/TARGET-crash-*; the script names it, says
# how to replay it, and exits 1. A crash inside HDF5's own code is kept in
# BUILD/hdf5-crashes and counted instead (docs/fuzzing.md, HDF5). Exits 77
# when clang-14 or libFuzzer is not installed.
#   COHORT_FUZZ_BUILD_DIR   the build folder (default build-fuzz)
#   COHORT_FUZZ_SUMMARY     the summary (default BUILD/fuzz-summary.csv)
#   COHORT_FUZZ_JOBS        targets run at once (default 2)
#   COHORT_FUZZ_SEED        libFuzzer's random seed (default 0: a new one each
#                           run); fuzz_smoke fixes it, so CI runs the inputs
#                           a longer run with that seed ran before it
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
build="${COHORT_FUZZ_BUILD_DIR:-$root/build-fuzz}"
summary="${COHORT_FUZZ_SUMMARY:-$build/fuzz-summary.csv}"
jobs="${COHORT_FUZZ_JOBS:-2}"
seed="${COHORT_FUZZ_SEED:-0}"
case "$seconds" in '' | *[!0-9]*)
  echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

if ! command -v clang++-14 >/dev/null ||
  ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: clang-14 and libfuzzer-14-dev are not installed (scripts/setup.sh installs them): skipped"
  exit 77
fi

mkdir -p "$build"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOHORT_FUZZ=ON -DCOHORT_WITH_CUDA=OFF \
  -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_EXAMPLES=OFF -DCOHORT_BUILD_BENCH=OFF \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target fuzz_all

IFS=';' read -r -a all <"$build/fuzz-targets.txt" || true  # one line, no newline
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/$t" ] || { echo "fuzz.sh: no target $t (targets: ${all[*]})" >&2; exit 2; }
done

# A writable scratch for the targets that lay out folders: memory, when there is some.
scratch_root=/dev/shm
[ -w "$scratch_root" ] || scratch_root="${TMPDIR:-/tmp}"
# Leaks of a parser count: a hostile input must not grow the memory of a
# loader that reads many of them. An allocation no machine could grant (over
# AddressSanitizer's 1 TiB) returns null, as malloc does without it: HDF5
# asks for what a damaged file's header says and handles the refusal. What a
# parser does take and use counts against -rss_limit_mb.
# HDF5's own reads past its buffers on damaged headers are suppressed (see
# tests/fuzz/asan.supp for what and why).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:suppressions=$root/tests/fuzz/asan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}"

mkdir -p "$build/crashes" "$build/hdf5-crashes" "$build/logs"
echo "target,seconds,executions,per_second,coverage,features,corpus,hdf5_crashes,result" >"$summary"

# True when the first report in log $1 faulted inside HDF5's own code: every
# frame above cohort's call into libhdf5 is libhdf5's, or a memory function
# or sanitizer frame it called (tests/fuzz/hdf5_known/README.md).
inside_hdf5() {
  awk '/^ +#[0-9]+ / { if (done) next
         if ($0 ~ /cohort::|LLVMFuzzerTestOneInput/) { done = 1; next }
         if ($0 ~ /libhdf5/) { hdf5 = 1; next }
         if ($0 ~ /memcpy|memmove|strdup|strlen|malloc|libc\.so|sysdeps|sanitizer|__asan|__interceptor/) next
         other = 1 }
       END { exit !(done && hdf5 && !other) }' "$1"
}

# Runs target $1 for $seconds in all. A crash inside HDF5 itself is kept in
# BUILD/hdf5-crashes and the target goes on for the time left (from the next
# seed); any other crash ends it and fails the run.
run_one() {
  local t="$1"
  local work="$build/corpus/$t" log="$build/logs/$t.log"
  mkdir -p "$work"
  : >"$log"
  # The folders the targets lay out go under a scratch of this run's own,
  # removed at the end: a target that crashes cannot clean up after itself.
  local scratch
  scratch=$(mktemp -d "$scratch_root/cohort-fuzz-$t.XXXXXX")
  export TMPDIR="$scratch"
  local start now left status runs=0 hdf5=0 attempt=0 one="$build/logs/$t.last.log"
  start=$(date +%s)
  while :; do
    now=$(date +%s)
    left=$((seconds - (now - start)))
    [ "$left" -gt 0 ] || { status=0; break; }
    status=0
    local s=$seed
    [ "$seed" -eq 0 ] || s=$((seed + attempt))
    "$build/tests/fuzz/$t" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=4194304 \
      -max_len=65536 -print_final_stats=1 -seed="$s" -artifact_prefix="$build/crashes/$t-" \
      "$work" "$root/tests/fuzz/corpus/$t" >"$one" 2>&1 || status=$?
    cat "$one" >>"$log"
    runs=$((runs + $(grep -a 'stat::number_of_executed_units:' "$one" | awk '{ print $2 }' | tail -n 1 || echo 0)))
    [ "$status" -ne 0 ] || break
    inside_hdf5 "$one" || break
    hdf5=$((hdf5 + 1))
    mv "$build/crashes/$t-"* "$build/hdf5-crashes/" 2>/dev/null || true
    attempt=$((attempt + 1))
  done
  rm -rf "$scratch"
  local cov ft corp
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -a -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corp=$(grep -a -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  local result=clean
  [ "$status" -eq 0 ] || result="crashed"
  echo "$t,$seconds,$runs,$(( runs / (seconds > 0 ? seconds : 1) )),${cov:-0},${ft:-0},${corp:-0},$hdf5,$result" >>"$summary"
  if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $t crashed (exit $status); its log: $log" >&2
    grep -a -E "ERROR: |SUMMARY: |Test unit written to|uncaught exception|what\(\)" "$one" | head -8 >&2
    echo "fuzz.sh: replay it with $build/tests/fuzz/$t FILE; once fixed, add FILE to tests/fuzz/corpus/$t/ as a regression input" >&2
    return 1
  fi
}
export -f run_one inside_hdf5
export build seconds root summary seed scratch_root

failed=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}' || failed=1
column -s, -t <"$summary"
exit $failed
