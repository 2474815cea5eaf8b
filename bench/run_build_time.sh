#!/usr/bin/env bash
# How long cohort takes to build (issue 32, item 6), from nothing, with the
# compiler cache off (CCACHE_DISABLE=1: what a fresh machine has), on every
# core of this machine:
#   clean          configure and build everything, as scripts/test.sh does
#   run-example    scripts/run-example.sh from a fresh clone (the packages
#                  installed already): build, pack, train and register
# SOURCE is a commit, or `worktree` for this checkout's files as they are
# (tracked and untracked, not ignored), copied. Each measurement is one row
# of bench/results/build_time.csv (written as soon as it is measured; a
# rerun skips a row that is there), and ninja's log of the build is kept as
# bench/results/ninja_log-KIND-LABEL.txt, its 15 slowest steps printed.
# BUILD_DIR=DIR keeps the clean build there. Measure what you compare one
# after another on an otherwise idle machine.
#   bench/run_build_time.sh clean|run-example SOURCE LABEL
#   (about 20 minutes a clean build and 12 a run-example on 2 cores, before
#   the precompiled headers)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="$1" source="$2" label="$3"
results="$root/bench/results/build_time.csv"
[ -f "$results" ] || echo "kind,label,commit,cores,configure_s,build_s,total_s" >"$results"
grep -q "^$kind,$label," "$results" && { echo "$kind $label: measured already"; exit 0; }
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_build_time.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CCACHE_DISABLE=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ "$source" = worktree ]; then
  commit="$(git -C "$root" rev-parse --short HEAD)+changes"
  mkdir "$work/src"
  (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/src")
  git -C "$work/src" init -q  # run-example and the tests may ask git about the tree
else
  commit="$(git -C "$root" rev-parse --short "$source")"
  git clone -q --no-hardlinks "$root" "$work/src"
  git -C "$work/src" checkout -q "$commit"
fi
build="${BUILD_DIR:-$work/build}"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
keep_log() {  # keep ninja's log of the build in $1, and print its 15 slowest steps
  cp "$1/.ninja_log" "$root/bench/results/ninja_log-$kind-$label.txt"
  awk 'NR > 1 { printf "%8.1f s  %s\n", ($2 - $1) / 1000, $4 }' "$1/.ninja_log" | sort -rn | head -15 || true  # head closes the pipe early
}

if [ "$kind" = clean ]; then
  t0=$(now)
  cmake -S "$work/src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOHORT_BUILD_TESTS=ON -DCOHORT_BUILD_EXAMPLES=ON -DCOHORT_BUILD_BENCH=ON >"$work/configure.log"
  t1=$(now)
  cmake --build "$build" >"$work/build.log" || { tail -40 "$work/build.log"; exit 1; }
  t2=$(now)
  configure=$(since "$t0" "$t1") build_s=$(since "$t1" "$t2") total=$(since "$t0" "$t2")
  keep_log "$build"
elif [ "$kind" = run-example ]; then
  t0=$(now)
  (cd "$work/src" && scripts/run-example.sh) >"$work/run-example.log" 2>&1 ||
    { tail -30 "$work/run-example.log"; exit 1; }
  t2=$(now)
  total=$(since "$t0" "$t2") configure=""
  # The compiling, from ninja's log (the rest is setup, configuring, packing and training).
  build_s=$(awk 'NR > 1 { if (!s || $1 < s) s = $1; if ($2 > e) e = $2 } END { printf "%.1f", (e - s) / 1000 }' \
    "$work/src/build/.ninja_log")
  grep -E "test accuracy|registered|run-example:" "$work/run-example.log" | tail -5
  keep_log "$work/src/build"
else
  echo "usage: run_build_time.sh clean|run-example SOURCE LABEL"; exit 2
fi
echo "$kind,$label,$commit,$(nproc),$configure,$build_s,$total" >>"$results"
tail -1 "$results"
