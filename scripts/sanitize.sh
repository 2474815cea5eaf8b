#!/usr/bin/env bash
# Builds cohort with sanitizers in a build folder of their own and runs the
# tests they are for (issue 33, item 4; docs/testing.md):
#   scripts/sanitize.sh address   AddressSanitizer and UBSan (build-asan): the
#                                 unit, multirank, data and checkpoint tests
#   scripts/sanitize.sh thread    ThreadSanitizer (build-tsan): the shared-memory
#                                 allreduce, the prefetcher, the async
#                                 checkpointer and the uploader
# Extra arguments go to ctest (-R NAME to run fewer). The first report stops
# the test it is in (-fno-sanitize-recover=all). libtorch, Open MPI and HDF5
# are not instrumented: the sanitizers see cohort's own code and what it
# hands them. CTest's output goes to BUILD/sanitize.log as it runs, and one
# line per test to BUILD/sanitize-summary.txt at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-}"
shift || true
case "$kind" in
  address)
    build="${COHORT_SANITIZE_BUILD_DIR:-$root/build-asan}"
    flags=address,undefined
    labels=(-L "unit|multirank|data|checkpoint" -LE "asan|fuzz|example|storage|install")
    # Open MPI and libtorch keep memory to the end on purpose; leaks are
    # checked where cohort owns every allocation (data_parsers_asan).
    # handle_sigbus=0: a test raises SIGBUS on purpose, to see cohort's own
    # fatal-signal record written (AddressSanitizer still reports SIGSEGV).
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1:handle_sigbus=0}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
    ;;
  thread)
    build="${COHORT_SANITIZE_BUILD_DIR:-$root/build-tsan}"
    flags=thread
    labels=(-R "test_small_allreduce|test_reduction_buffers|test_shm_posts|test_ddp_golden_np2$|data_loader_tests|test_checkpoint_np1|runlog_tests|runlog_upload_azurite")
    # Open MPI's own lock order in MPI_Init is suppressed (tests/tsan.supp says why).
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}"
    ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread [CTEST ARGS...]" >&2
    exit 2
    ;;
esac

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
mkdir -p "$build"
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCOHORT_SANITIZE="$flags" -DCOHORT_WITH_CUDA=OFF -DCOHORT_BUILD_TESTS=ON \
  -DCOHORT_BUILD_EXAMPLES=ON -DCOHORT_BUILD_BENCH=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build"
# One thread per rank for libtorch: its OpenMP pool is not instrumented.
export OMP_NUM_THREADS=1
status=0
ctest --test-dir "$build" --output-on-failure --timeout 1200 "${labels[@]}" "$@" |
  tee "$build/sanitize.log" || status=$?
grep -E "Test +#" "$build/sanitize.log" >"$build/sanitize-summary.txt" || true
exit $status
