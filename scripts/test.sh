#!/usr/bin/env bash
# Installs what cohort needs, checks the sources' format, builds everything (CUDA code too where the
# toolkit is installed), and runs every test with CTest. Extra arguments go to
# ctest, e.g.
#   scripts/test.sh -L unit            only the fast one-process tests
#   scripts/test.sh -R ddp             only the DataParallel tests
# Labels: unit, multirank, install, example, launcher, slurm, netns, data,
# storage, asan, fuzz, optim, cuda, runlog, upload, checkpoint, sweep, hostile_fs, serve, image, soak.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COHORT_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
# Every C++/CUDA source as .clang-format makes it (scripts/check-format.sh --fix).
"$root/scripts/check-format.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCOHORT_BUILD_TESTS=ON -DCOHORT_BUILD_EXAMPLES=ON -DCOHORT_BUILD_BENCH=ON
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure --timeout 1200 "$@"
