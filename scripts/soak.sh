#!/usr/bin/env bash
# The soak with chaos (issue 33, item 5; docs/soak.md): trains
# tests/soak/soak_trainer from Azurite under cohortrun --max-restarts, once
# without faults (the reference) and then in rounds until DURATION is used up,
# each round with tests/soak/inject_faults.py killing and stopping ranks,
# stopping Azurite and filling the outputs disk at random moments. Every round
# must end with bitwise the reference's weights (locally and in Azurite), every
# sample trained once per epoch across its restarts (the ledger), no process
# and no temporary file left. The summary (CSV, one row per fault, and a
# '# round' line per round) is written as it goes; the table comes at the end.
#
#   scripts/soak.sh DURATION [--summary FILE] [--build DIR] [--epochs N] [--faults N] [--seed N]
#
# DURATION: 120, 90s, 20m, 1h. Needs root (a tmpfs in a private mount
# namespace; otherwise exit 77), Azurite (scripts/setup.sh), python3-h5py,
# Fashion-MNIST and a build with tests (-DCOHORT_BUILD_TESTS=ON).
# Exit status: 0 every round passed, 1 a round failed or the soak could not run.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tests/common/private_mount.sh"
in_private_mount "$0" "$@"
set -- "${@:1:$#-1}"  # drop --inside

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in
  *h) duration=$(( ${1%h} * 3600 )) ;;
  *m) duration=$(( ${1%m} * 60 )) ;;
  *s) duration=${1%s} ;;
  *) duration=$1 ;;
esac
[[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -gt 0 ] || { echo "soak: DURATION must be like 120, 90s, 20m or 1h"; exit 2; }
shift
summary="$PWD/soak-$(date +%Y%m%d-%H%M%S).csv"
build="$root/build"
epochs=10        # of Fashion-MNIST's 60,000 training images: about 12 s undisturbed on 2 cores
faults=6         # per round
seed=$RANDOM
checkpoint_every=50
while [ $# -gt 0 ]; do
  case "$1" in
    --summary) summary=$(realpath -m "$2"); shift 2 ;;
    --build) build=$(realpath "$2"); shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --faults) faults=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) usage ;;
  esac
done

python=/usr/bin/python3
cohortrun="$build/bin/cohortrun"
pack="$build/bin/cohort-pack"
trainer="$build/tests/soak/soak_trainer"
azurite_bin="$root/.deps/azurite/node_modules/.bin/azurite-blob"
fmnist=/usr/share/datasets/fashion-mnist
for need in "$cohortrun" "$pack" "$build/bin/cohort-upload" "$trainer"; do
  [ -x "$need" ] || { echo "soak: no $need: build with -DCOHORT_BUILD_TESTS=ON (targets cohortrun cohort-pack cohort-upload soak_trainer)"; exit 1; }
done
[ -x "$azurite_bin" ] || { echo "soak: no Azurite at $azurite_bin: run scripts/setup.sh"; exit 1; }
[ -d "$fmnist" ] || { echo "soak: no Fashion-MNIST at $fmnist: apt-get install dataset-fashion-mnist"; exit 1; }
$python -c 'import h5py' 2>/dev/null || { echo "soak: python3-h5py is missing"; exit 1; }

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_soak.XXXXXX")
disk=$work/disk  # the outputs' tmpfs
shm=$work/shm    # Open MPI's shared-memory files (btl_vader_backing_directory), ours alone
tag="cohort-soak-$$-$RANDOM"  # in every job process's command line, for pgrep
injector=""
job=""
source "$root/tests/common/servers.sh"

# Stops what this script started: the injector, a job still running (cohortrun
# gives its ranks a 10 s grace period), what is left of it (its uploader), Azurite.
cleanup() {
  [ -n "$injector" ] && stop_pid "$injector"
  if [ -n "$job" ] && kill -TERM "$job" 2>/dev/null; then
    for _ in $(seq 150); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$job"
  fi
  for pid in $(pgrep -f "$tag|$work/"); do kill -9 "$pid" 2>/dev/null; done
  [ -f "$work/azurite.pid" ] && stop_pid "$(cat "$work/azurite.pid")"
  umount "$disk" "$shm" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say() { echo "soak: $*"; }
elapsed() { echo $(( $(date +%s) - start )); }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$disk" "$shm" "$work/tmp" "$(dirname "$summary")"
mount -t tmpfs -o size=24m tmpfs "$disk" && mount -t tmpfs -o size=64m tmpfs "$shm" ||
  { echo "skipped: cannot mount a tmpfs"; exit 77; }
# Open MPI's session folders and shared-memory files go to folders of the
# soak's own (not /dev/shm, which other jobs on the machine share): any file
# left there after a job is debris of that job.
export TMPDIR=$work/tmp OMPI_MCA_btl_vader_backing_directory=$shm
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1 OMP_NUM_THREADS=1
collective_timeout=10
export COHORT_COLLECTIVE_TIMEOUT_S=$collective_timeout  # a rank stopped longer ends the job
export COHORT_DATA_PREFETCH_MB=2  # shards keep coming from Azurite during the whole run
export COHORT_DATA_TIMEOUT_S=10

# ---- Azurite, on one port and data folder for the whole soak ----
azurite_port=$(free_port)
mkdir -p "$work/azurite-tmp"  # its telemetry folder, kept out of $TMPDIR
azurite_argv=(env TMPDIR="$work/azurite-tmp" "$azurite_bin" --blobHost 127.0.0.1 --blobPort "$azurite_port"
  --location "$work/azurite" --silent --skipApiVersionCheck)
start_azurite_again() {  # on the same port and data folder, unless it answers
  (exec 3<>"/dev/tcp/127.0.0.1/$azurite_port") 2>/dev/null && return 0
  "${azurite_argv[@]}" >>"$work/azurite.log" 2>&1 &
  echo $! >"$work/azurite.pid"
  disown $!  # the injector stops it, with SIGKILL at times: no "Killed" line from bash
  wait_port "$azurite_port"
}
start_azurite_again || exit 1
export COHORT_AZURE_ENDPOINT="http://127.0.0.1:$azurite_port/devstoreaccount1"
# Azurite's published development key (its README), for the emulator only.
export COHORT_AZURE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
data=azure://devstoreaccount1/soak/fmnist
"$pack" --fashion-mnist "$fmnist" --to "$data" --shard-mb 1 --create-container >"$work/pack.log" 2>&1 ||
  { cat "$work/pack.log"; say "FAILED: cohort-pack to Azurite"; exit 1; }
samples=60000

# run_job NAME [cohortrun options]: the trainer under cohortrun in the
# background ($job), logs and ledger in $work/NAME, outputs in $outputs.
run_job() {
  local name=$1; shift
  mkdir -p "$work/$name/ledger"
  "$cohortrun" --procs-per-node 2 --outputs "$outputs" --logs "$work/$name/logs" --console-ranks 0 \
    --upload "$COHORT_AZURE_ENDPOINT/runs/$name" --upload-interval 1s "$@" \
    -- "$trainer" --data "$data/train" --ledger "$work/$name/ledger" --epochs "$epochs" --samples 0 \
    --checkpoint-every $checkpoint_every --tag "$tag" >"$work/$name/cohortrun.out" 2>&1 &
  job=$!
}

# Problems a round's own checks find, beside the ledger's.
leftovers() {  # processes of job NAME (its ranks, agents, mpirun, uploader) 10 s after cohortrun ended
  local left=""
  for _ in $(seq 100); do
    left=$(pgrep -f "$tag|$work/$1/") || true
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "process(es) left: $(ps -o pid=,args= -p "$(tr '\n' ',' <<<"$left" | sed 's/,$//')" | cut -c1-150 | tr '\n' '|')"
  for pid in $left; do kill -9 "$pid" 2>/dev/null; done
}
debris() {  # temporary files in outputs and logs, Open MPI's session folders and shared-memory files
  local found
  found=$(find "$outputs" "$work/$1/logs" "$TMPDIR" "$shm" -mindepth 1 \( -name '*.tmp' -o -name '*.tmp.*' \
    -o -name '.step-*' -o -name '.model*' -o -name '.cohortrun-probe*' -o -path "$TMPDIR/*" -o -path "$shm/*" \) \
    2>/dev/null | head -5)
  [ -z "$found" ] || echo "debris left: $(tr '\n' ' ' <<<"$found")"
  rm -rf "${TMPDIR:?}"/* "${shm:?}"/*  # the next round is judged on its own
}
remote_model() {  # the model in Azurite, byte for byte the local one
  rm -rf "$work/remote"
  $python "$root/tests/runlog/azure_blobs.py" download "$COHORT_AZURE_ENDPOINT" runs "$1/outputs/model" \
    "$work/remote" >/dev/null 2>&1 || { echo "the model could not be downloaded from Azurite"; return; }
  cmp -s "$outputs/model/weights.h5" "$work/remote/weights.h5" || echo "the model in Azurite differs from the local one"
}

# ---- the reference: no faults ----
outputs=$work/ref/outputs
say "seed $seed; reference run ($epochs epochs of $samples samples on 2 ranks, from $data)"
t0=$(now)
run_job ref --max-restarts 0 --timeout 600s
wait "$job"; status=$?; job=""
ref_wall=$(since "$t0")
[ $status -eq 0 ] || { tail -n 20 "$work/ref/cohortrun.out"; say "FAILED: the reference run exited $status"; exit 1; }
ref_facts=$($python "$root/tests/soak/soak_report.py" reference "$work/ref/ledger" 2 --samples $samples) ||
  { say "FAILED: the reference's ledger"; exit 1; }
say "reference: $ref_wall s, $ref_facts"
problems=$(leftovers ref; debris ref; remote_model ref)
[ -z "$problems" ] || { say "FAILED: the reference: $problems"; exit 1; }
{
  echo "# soak $(date -u +%FT%TZ): DURATION ${duration}s, seed $seed, $epochs epochs x $samples samples, 2 ranks,"
  echo "# faults per round $faults, COHORT_COLLECTIVE_TIMEOUT_S=$collective_timeout, reference ${ref_wall} s"
} >>"$summary"

# ---- chaos rounds until DURATION is used up (one at least) ----
round=0
failed=0
last_wall=$(awk -v r="$ref_wall" 'BEGIN { printf "%.0f", r * 4 }')
round_limit=$(awk -v r="$ref_wall" -v f="$faults" 'BEGIN { printf "%.0f", r * 10 + 20 * f + 60 }')
while :; do
  round=$((round + 1))
  if [ $round -gt 1 ] && [ $(( $(elapsed) + ${last_wall%.*} )) -gt "$duration" ]; then break; fi
  name=round-$round
  outputs=$disk/outputs
  rm -rf "$outputs"
  say "round $round ($(elapsed) s of $duration s used)"
  t0=$(now)
  run_job "$name" --max-restarts 100 --timeout "${round_limit}s"
  SOAK_TAG=$tag $python "$root/tests/soak/inject_faults.py" --job-pid "$job" --program "$trainer" \
    --outputs "$outputs" --logs "$work/$name/logs" --ledger "$work/$name/ledger" --disk "$disk" \
    --azurite-argv "$($python -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${azurite_argv[@]}")" \
    --azurite-pidfile "$work/azurite.pid" --azurite-port "$azurite_port" --azurite-log "$work/azurite.log" \
    --collective-timeout $collective_timeout --faults "$faults" --seed $((seed * 1000 + round)) \
    --record "$work/$name/faults.jsonl" >"$work/$name/injector.log" 2>&1 &
  injector=$!
  # cohortrun's --timeout ends a job that stops making progress; this ends a cohortrun that hangs itself.
  status=""
  for _ in $(seq $(( (round_limit + 60) * 10 ))); do
    kill -0 "$job" 2>/dev/null || { wait "$job"; status=$?; break; }
    sleep 0.1
  done
  hung=""
  if [ -z "$status" ]; then
    hung="cohortrun still running $((round_limit + 60)) s after the start"
    stop_pid "$job"; status=124
  fi
  job=""
  # The injector undoes the fault in progress (SIGCONT, Azurite back, the disk emptied) and ends.
  kill -TERM "$injector" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$injector" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$injector"; injector=""
  wall=$(since "$t0")
  rm -f "$disk/.soak-filler"
  start_azurite_again || { say "Azurite does not start again"; exit 1; }
  args=()
  [ -n "$hung" ] && args+=(--problem "$hung")
  [ "$status" -eq 0 ] || args+=(--problem "cohortrun exited $status: $(grep -m1 'root cause' "$work/$name/cohortrun.out")")
  if [ "$status" -eq 0 ]; then
    verdict=$($python "$root/tests/soak/soak_report.py" weights "$work/ref/outputs/model/weights.h5" \
      "$outputs/model/weights.h5" 2>&1) || args+=(--problem "weights: $verdict")
    problem=$(remote_model "$name"); [ -z "$problem" ] || args+=(--problem "$problem")
  fi
  problem=$(leftovers "$name"); [ -z "$problem" ] || args+=(--problem "$problem")
  problem=$(debris "$name"); [ -z "$problem" ] || args+=(--problem "$problem")
  $python "$root/tests/soak/soak_report.py" round --summary "$summary" --round $round --reference "$work/ref/ledger" \
    --ledger "$work/$name/ledger" --faults "$work/$name/faults.jsonl" --run-json "$work/$name/logs/run.json" \
    --checkpoint-every $checkpoint_every --start "$t0" --wall "$wall" --reference-wall "$ref_wall" "${args[@]}" || {
    failed=$((failed + 1))
    tail -n 15 "$work/$name/cohortrun.out" | sed 's/^/  | /'
    keep="${summary%.csv}-$name"  # what the round left, for the post-mortem
    rm -rf "$keep"; cp -r "$work/$name" "$keep"; cp "$work/azurite.log" "$keep/"; gzip -r "$keep/ledger"
    say "round $round's logs, ledger and fault records kept in $keep"
  }
  rm -rf "$work/$name/ledger"  # checked; about 10 MB a round
  last_wall=${wall%.*}
done

$python "$root/tests/soak/soak_report.py" final --summary "$summary"
status=$?
# Nothing of the soak is left once Azurite is stopped.
stop_pid "$(cat "$work/azurite.pid")"
left=$(pgrep -f "$tag|$work" | grep -vx "$$") || true
[ -z "$left" ] || { say "FAILED: processes left at the end: $left"; status=1; }
say "summary in $summary"
[ $failed -eq 0 ] && [ $status -eq 0 ] && { say "passed"; exit 0; }
say "FAILED"
exit 1
