#!/usr/bin/env bash
# A stand-in trainer for the cohortrun --upload test: rank 0 writes a log
# line and commits one checkpoint the way cohort's Checkpointer does (write a
# dot-named folder, rename it, then replace `latest` by a rename), and waits
# until cohort-upload has copied it, so the test sees an upload during the run.
#   fake_trainer.sh [SECONDS]   (just sleep SECONDS instead)
set -euo pipefail
[ "${COHORT_RANK:-0}" = 0 ] || exit 0
if [ $# -gt 0 ]; then sleep "$1"; echo "slept $1 s" > "$COHORT_OUTPUTS_DIR/final.txt"; exit 0; fi
ck="$COHORT_OUTPUTS_DIR/checkpoints"
mkdir -p "$ck/.step-00000010.tmp"
head -c 3000000 /dev/urandom > "$ck/.step-00000010.tmp/model.h5"
echo '{"step":10,"loss":0.5}' >> "$COHORT_LOGS_DIR/metrics.jsonl"
sleep 2.5  # the watcher passes at least twice while the folder is being written
mv "$ck/.step-00000010.tmp" "$ck/step-00000010"
echo step-00000010 > "$ck/.latest.tmp"
mv "$ck/.latest.tmp" "$ck/latest"
for _ in $(seq 200); do
  grep -qs "checkpoint of" "$COHORT_LOGS_DIR/upload.log" && break
  sleep 0.1
done
grep -qs "checkpoint of" "$COHORT_LOGS_DIR/upload.log" || { echo "the checkpoint was not uploaded during the run"; exit 1; }
echo done > "$COHORT_OUTPUTS_DIR/final.txt"
