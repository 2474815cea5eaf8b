#!/usr/bin/env bash
# Installs cohort from BUILD_DIR into a temporary prefix, builds the project in
# consumer/ against it with find_package(cohort), and runs it on 2 ranks.
#
#   check_install.sh CMAKE MPIEXEC BUILD_DIR
set -euo pipefail
cmake=$1
mpiexec=$2
build=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_install.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log"
test -f "$work/prefix/include/cohort/cohort.h" || { echo "no cohort.h installed"; exit 1; }
test -f "$work/prefix/lib/cmake/cohort/cohortConfig.cmake" || { echo "no cohortConfig.cmake"; exit 1; }

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
"$cmake" -S "$here/consumer" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release
"$cmake" --build "$work/build"

# The consumer must find libcohort in the prefix, not in the build tree.
ldd "$work/build/consumer" | grep libcohort
ldd "$work/build/consumer" | grep -q "$work/prefix" || { echo "consumer does not use the installed libcohort"; exit 1; }

out=$("$mpiexec" -n 2 --oversubscribe --bind-to none "$work/build/consumer" 2>&1)
echo "$out"
grep -q "consumer: 2 ranks, sum of rank+1 = 3" <<<"$out" || { echo "unexpected output"; exit 1; }
echo "installed cohort works from another CMake project"
