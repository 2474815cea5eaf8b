#!/usr/bin/env bash
# Installs cohort from BUILD_DIR into a temporary prefix, then, with no
# LD_LIBRARY_PATH and nothing from the build tree:
#  1. every installed program runs (--help, exit 0);
#  2. a project of its own (consumer/) builds with find_package(cohort),
#     including every installed header, and runs on 2 ranks;
#  3. examples/minimal builds against the installed package and trains one
#     epoch under the installed cohortrun, on data packed by the installed cohort-pack.
#
#   check_install.sh CMAKE MPIEXEC BUILD_DIR
set -euo pipefail
cmake=$1
mpiexec=$2
build=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_install.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "check_install: FAILED: $*"; exit 1; }
unset LD_LIBRARY_PATH
prefix="$work/prefix"

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"
test -f "$prefix/include/cohort/cohort.h" || fail "no cohort.h installed"
test -f "$prefix/lib/cmake/cohort/cohortConfig.cmake" || fail "no cohortConfig.cmake"

# 1. Every installed program finds its libraries by itself.
installed=("$prefix"/bin/*)
for tool in cohortrun cohort-pack cohort-upload cohort-model cohort-sweep; do
  [ -x "$prefix/bin/$tool" ] || fail "no $tool in $prefix/bin (every tool is installed there, side by side)"
done
for path in "${installed[@]}"; do
  program=$(basename "$path")
  "$prefix/bin/$program" --help >"$work/$program.help" 2>&1 || fail "$program --help: $(tail -n 3 "$work/$program.help")"
  libs=$(ldd "$prefix/bin/$program")  # (not piped into grep -q: pipefail and SIGPIPE)
  ! grep "not found" <<<"$libs" || fail "$program does not find the libraries above"
  ! grep -F "$build" <<<"$libs" || fail "$program uses libraries from the build tree"
done

# 2. Another project: every installed header in one file, and a 2-rank run.
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
mkdir -p "$work/consumer"
cp "$here/consumer/CMakeLists.txt" "$here/consumer/main.cc" "$work/consumer/"
(cd "$prefix/include" && find cohort -name '*.h' | sort | sed 's/.*/#include "&"/') >"$work/consumer/all_headers.cc"
"$cmake" -S "$work/consumer" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log"; fail "the consumer does not configure"; }
"$cmake" --build "$work/build" || fail "the consumer does not build against the installed headers"
libs=$(ldd "$work/build/consumer")
grep "libcohort_core.so.0 => $prefix/" <<<"$libs" || fail "consumer does not use the installed libcohort: $libs"
! grep -F "$build" <<<"$libs" || fail "consumer uses libraries from the build tree"
out=$("$mpiexec" -n 2 --oversubscribe --bind-to none "$work/build/consumer" 2>&1)
echo "$out"
grep -q "consumer: 2 ranks, sum of rank+1 = 3" <<<"$out" || fail "unexpected output"

# 3. The minimal trainer from the installed package, under the installed cohortrun,
# which registers the model with the cohort-model installed beside it.
"$cmake" -S "$root/examples/minimal" -B "$work/minimal" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/minimal.log" 2>&1 ||
  { cat "$work/minimal.log"; fail "examples/minimal does not configure against the installed cohort"; }
"$cmake" --build "$work/minimal" || fail "examples/minimal does not build against the installed cohort"
"$prefix/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" --shard-mb 4 |
  tail -n 1
"$prefix/bin/cohortrun" --procs-per-node 2 --outputs "$work/run/outputs" --logs "$work/run/logs" \
  --register minimal --registry "$work/registry" \
  -- "$work/minimal/minimal" "$work/data/train" 1 >"$work/run.out" 2>&1 ||
  { tail -n 20 "$work/run.out"; fail "examples/minimal under the installed cohortrun failed"; }
grep -q "trained 937 steps" "$work/run.out" || fail "examples/minimal did not train: $(tail "$work/run.out")"
test -f "$work/run/outputs/model/weights.h5" || fail "examples/minimal exported no model"
"$prefix/bin/cohort-model" --registry "$work/registry" show minimal:1 >"$work/show.out" 2>&1 ||
  fail "the installed cohortrun registered no model: $(cat "$work/show.out")"
echo "installed cohort works from another CMake project, and examples/minimal runs under the installed cohortrun"
