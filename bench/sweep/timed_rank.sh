#!/usr/bin/env bash
# The one meter of the quality benchmark (run_quality.sh): runs PROGRAM ARGS
# as its child and, when the child ends, appends "START END" (seconds since
# the epoch) to $COHORT_BENCH_SEGMENTS. Every process of every trial of
# every tool is wrapped the same way, so rank-seconds are the summed
# lifetimes of the training processes, measured alike for cohort-sweep and
# Optuna. SIGTERM and SIGINT are passed on to the child (a cut or paused
# trial checkpoints and exits) and its exit status is returned.
#   COHORT_BENCH_SEGMENTS=FILE timed_rank.sh PROGRAM [ARGS...]
set -u
: "${COHORT_BENCH_SEGMENTS:?set COHORT_BENCH_SEGMENTS to the file that collects the segments}"
start=$(date +%s.%N)
"$@" </dev/null &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break  # else a trapped signal ended the wait, not the child
done
if [ "$status" -gt 128 ]; then  # the child may have ended while the trap ran: its own status
  wait "$child" 2>/dev/null
  again=$?
  [ "$again" = 127 ] || status=$again
fi
echo "$start $(date +%s.%N)" >>"$COHORT_BENCH_SEGMENTS"
exit "$status"
