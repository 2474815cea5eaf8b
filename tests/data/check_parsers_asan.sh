#!/usr/bin/env bash
# Builds the data parser tests with AddressSanitizer and UBSan in a build of
# their own (only the layers they link: core, storage, data) and runs them.
#
#   check_parsers_asan.sh CMAKE SOURCE_DIR BUILD_DIR
set -euo pipefail
cmake=$1
source=$2
build=$3
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
"$cmake" -S "$source" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DCOHORT_SANITIZE=address,undefined -DCOHORT_WITH_CUDA=OFF \
  -DCOHORT_BUILD_EXAMPLES=OFF -DCOHORT_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
"$cmake" --build "$build" --target data_parser_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$build/tests/data/data_parser_tests"
