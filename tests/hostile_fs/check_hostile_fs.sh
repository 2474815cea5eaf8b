#!/usr/bin/env bash
# Every place cohort writes, against a hostile file system (issue 33, item 3).
#
# Places (each written by the real tool that writes it):
#   logs         cohortrun --logs PLACE, the minimal trainer in it (rank log, run.json,
#                metrics.jsonl, TensorBoard, timeline, records)
#   outputs      cohortrun --outputs PLACE (the exported model, the checkpoints' parent)
#   checkpoints  OUTPUTS/checkpoints of that trainer
#   cache        COHORT_DATA_CACHE_DIR=PLACE (the shard cache)
#   sweep        cohort-sweep run --dir PLACE
#   registry     cohort-model register --registry PLACE
# Cases:
#   loop         PLACE is a symbolic link loop
#   file         PLACE is a file (where a folder is expected)
#   folder       a file cohort writes in PLACE is a folder
#   readonly     PLACE is a read-only mount
#   full         PLACE is a full tmpfs
#   outside      a file or folder cohort writes in PLACE is a symbolic link to
#                something outside PLACE
# The contract, checked for each of the 36 cells:
#   - a failure exits non-zero within its time limit and its message names
#     the path (cohortrun: with its refusal or the job's root cause);
#   - what was there before (a file in PLACE, a victim outside it) holds the
#     same bytes afterwards;
#   - nothing temporary is left behind, and no process;
#   - where a cell may end well (the shard cache falls back to storage), the
#     warning names the place.
# The mounts need root and a private mount namespace; otherwise it exits 77
# (skipped), saying why.
#
#   check_hostile_fs.sh BUILD_DIR [PLACE|PLACE/CASE...]   (all cells by default)
set -u
source "$(dirname "$0")/../common/private_mount.sh"
in_private_mount "$0" "$@"

build=$(cd "$1" && pwd)
shift
only=()
for a in "$@"; do [ "$a" = "--inside" ] || only+=("$a"); done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cohortrun=$build/bin/cohortrun
trainer=$build/examples/minimal/minimal
work=$(mktemp -d /tmp/cohort_hostile_fs.XXXXXX)
cleanup() {
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
cells=0
bad() { echo "  FAILED: $*"; cell_ok=0; }

# ---- fixtures: a small data set, a model to register, a sweep file ----
"$build/bin/cohort-pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" \
  --shard-mb 4 >/dev/null || { echo "cannot pack the data set"; exit 1; }
data=$work/data/test
digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shards"][0]["xxh128"])' \
  "$data/index.json")
"$cohortrun" --procs-per-node 1 --logs "$work/fixture/logs" --outputs "$work/fixture/outputs" \
  -- "$trainer" "$data" 1 >"$work/fixture.out" 2>&1 || { cat "$work/fixture.out"; exit 1; }
cat >"$work/sweep.yaml" <<EOF
program: $trainer
args: [$data, "\${epochs}"]
metric: {name: loss, goal: minimize}
space:
  epochs: {type: choice, values: [1]}
sampler: {type: grid}
limits: {max_trials: 1, max_concurrent: 1, trial_timeout: 60}
trial: {engine: local, nodes: 1, procs_per_node: 1}
EOF

# ---- the places: where PLACE is in the cell's folder $c, and what writes it ----
place_of() {
  case $1 in
    checkpoints) mkdir -p "$c/outputs"; echo "$c/outputs/checkpoints" ;;
    *) echo "$c/place" ;;
  esac
}

# Files (or folders) cohort writes in PLACE, for the folder and outside cases.
inner_of() {
  case $1 in
    logs) echo "rank-0.log metrics.jsonl run.json timeline" ;;
    outputs) echo "model" ;;
    checkpoints) echo "latest step-00000100" ;;
    cache) echo "$digest.h5" ;;
    sweep) echo "sweep.db driver.log trials" ;;
    registry) echo "names/fm models/fm/committed/00000001.json" ;;
  esac
}

train() {  # train LOGS OUTPUTS [ENV...]: the minimal trainer under cohortrun, 1 rank
  local logs=$1 outputs=$2
  shift 2
  env "$@" timeout -k 5 60 "$cohortrun" --procs-per-node 1 --logs "$logs" --outputs "$outputs" \
    -- "$trainer" "$data" 1
}

write_place() {  # write_place PLACE_KIND PATH
  case $1 in
    logs) train "$2" "$c/outputs" ;;
    outputs) train "$c/logs" "$2" ;;
    checkpoints) train "$c/logs" "$c/outputs" ;;
    cache) train "$c/logs" "$c/outputs" COHORT_DATA_CACHE_DIR="$2" ;;
    sweep) timeout -k 5 90 "$build/bin/cohort-sweep" run "$work/sweep.yaml" --dir "$2" --quiet ;;
    registry)
      timeout -k 5 60 "$build/bin/cohort-model" --registry "$2" register fm --from "$work/fixture/outputs"
      ;;
  esac
}

# ---- the cases: make PLACE hostile, noting what must survive ----
keep=()  # files whose bytes must not change
precious() {  # precious PATH: a file of its own bytes, to be kept
  mkdir -p "$(dirname "$1")"
  head -c 4096 /dev/urandom >"$1"
  keep+=("$1=$(sha256sum <"$1" | cut -c1-64)")
}

make_case() {  # make_case CASE PLACE_KIND PLACE
  local kind=$1 where=$2 place=$3 inner
  case $kind in
    loop) ln -s "$(basename "$place")" "$place" ;;
    file) precious "$place" ;;
    folder)
      mkdir -p "$place"
      for inner in $(inner_of "$where"); do precious "$place/$inner/kept"; done
      ;;
    readonly)
      mkdir -p "$place"
      precious "$place/kept"
      mount --bind "$place" "$place" && mount -o remount,bind,ro "$place" || return 1
      ;;
    full)
      mkdir -p "$place"
      mount -t tmpfs -o size=256k tmpfs "$place" || return 1
      precious "$place/kept"
      cat /dev/zero >"$place/filler" 2>/dev/null || true  # until the disk is full
      ;;
    outside)
      mkdir -p "$place" "$c/victims"
      for inner in $(inner_of "$where"); do
        if [[ $inner =~ (\.h5|\.log|\.json.*|latest|sweep\.db|names/fm)$ ]]; then
          precious "$c/victims/$inner"
        else
          precious "$c/victims/$inner/kept"
        fi
        mkdir -p "$(dirname "$place/$inner")"
        ln -s "$c/victims/$inner" "$place/$inner"
      done
      ;;
  esac
}

# A cell that may end well: the shard cache is an optimisation (shard_cache.h),
# so a cache it cannot use is a warning naming it and the shards come from storage.
may_succeed() {
  case $1/$2 in
    cache/readonly | cache/full | cache/folder | cache/outside) return 0 ;;
    */outside) return 0 ;;  # a link replaced by cohort's own file, the victim untouched
    *) return 1 ;;
  esac
}

run_cell() {  # run_cell PLACE_KIND CASE
  local where=$1 kind=$2 place status started elapsed
  c=$work/$where-$kind
  mkdir -p "$c"
  keep=()
  cell_ok=1
  cells=$((cells + 1))
  place=$(place_of "$where")
  echo "---- $where/$kind: $place"
  make_case "$kind" "$where" "$place" || { echo "  skipped: cannot set up the case"; return; }
  started=$(date +%s)
  write_place "$where" "$place" >"$c/out.txt" 2>&1
  status=$?
  elapsed=$(($(date +%s) - started))
  echo "  exit status $status after $elapsed s"
  grep -E 'error|warn|WARN|root cause|cannot|refus|FATAL|what to do|note:' "$c/out.txt" | head -n 8 |
    sed 's/^/  | /'
  [ "$status" = 124 ] || [ "$status" = 137 ] && bad "still running at its time limit (hung?)"
  if [ "$status" = 0 ]; then
    if ! may_succeed "$where" "$kind"; then
      bad "exited 0 where it cannot have written $place"
    elif [ "$kind" != outside ] && ! grep -qF "$place" "$c/out.txt"; then
      bad "ended well without a warning naming $place"
    fi
  else
    grep -qF "$place" "$c/out.txt" || bad "the message does not name $place: $(tail -n 5 "$c/out.txt")"
    grep -q 'what to do:' "$c/out.txt" || bad "the message does not say what to do"
    grep -qE "error message = |file descriptor = " "$c/out.txt" && bad "HDF5's raw description of a system call"
    grep -qiE 'segmentation|core dumped|terminate called|Aborted|std::filesystem|basic_ios' "$c/out.txt" &&
      bad "a crash or a raw library message: $(grep -iE 'segmentation|terminate|Aborted|std::filesystem|basic_ios' "$c/out.txt" | head -n 2)"
    if [[ $where =~ ^(logs|outputs|checkpoints|cache)$ ]]; then
      grep -qE '^cohortrun: error:|root cause:|logs could not be written' "$c/out.txt" ||
        bad "cohortrun gave neither a refusal nor a root cause"
    fi
  fi
  # What was there before is there still, byte for byte.
  local entry file sum moved
  for entry in "${keep[@]}"; do
    file=${entry%=*}
    sum=${entry##*=}
    if [ -f "$file" ]; then
      [ "$(sha256sum <"$file" | cut -c1-64)" = "$sum" ] || bad "$file, there before, was changed"
    elif moved=$(find "$c" -type f -exec sha256sum {} + 2>/dev/null | grep "^$sum " | head -n 1) &&
         [ -n "$moved" ]; then
      echo "  $file was moved to ${moved#* }"  # a previous run's logs go to LOGS/previous/
    else
      bad "$file, there before, is gone"
    fi
  done
  # Nothing temporary left behind, and no process.
  local debris
  debris=$(find "$c" \( -name '*.tmp' -o -name '*.tmp.*' -o -name '.*.tmp*' -o -name '*.old' \
    -o -name '.cohortrun-probe*' -o -name 'write-probe.*' -o -name '*.partial*' -o -name '*staging*' \) \
    -print 2>/dev/null | head -n 5)
  [ -z "$debris" ] || bad "debris left behind: $debris"
  sleep 0.2
  pgrep -af "$c" | grep -v pgrep && bad "processes left behind"
  if [ "$cell_ok" = 1 ]; then echo "  ok"; else failures=$((failures + 1)); fi
}

for where in logs outputs checkpoints cache sweep registry; do
  for kind in loop file folder readonly full outside; do
    if [ "${#only[@]}" -gt 0 ]; then
      printf '%s\n' "${only[@]}" | grep -qxE "$where|$where/$kind" || continue
    fi
    run_cell "$where" "$kind"
  done
done
echo "check_hostile_fs: $cells cells, $failures failed"
[ "$failures" = 0 ]
