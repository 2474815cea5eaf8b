#!/usr/bin/env bash
# Does early termination save compute? The scikit-learn example's sweep
# (examples/sklearn_sweep: 24 trials, 2 at a time, TPE) run as shipped
# (bandit) and with `policy: none`, alternating which goes first, ROUNDS
# times. Each run is one row of bench/sweep/results/policy_cost.csv, written
# as soon as it is measured (a rerun skips the rows there): wall seconds,
# rank-seconds summed over trials (each trial's started..ended in the store
# times its ranks), trials completed and cut, the best val_accuracy, and the
# median gap from a trial's end to the next trial's start (slot refill).
#   bench/sweep/run_policy_cost.sh [BUILD_DIR] [ROUNDS]   (defaults: build 3; about 5 minutes)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
rounds="${2:-3}"
sweep="$build/bin/cohort-sweep"
[ -x "$sweep" ] || { echo "build cohort-sweep first (ninja -C $build cohort-sweep cohortrun)"; exit 1; }
results="$root/bench/sweep/results/policy_cost.csv"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_bench_policy.XXXXXX")"
trap 'pkill -f "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
[ -f "$results" ] || echo "round,policy,wall_s,rank_s,completed,cut,best,refill_median_s" >"$results"

for policy in bandit none; do  # the shipped file, and the same without a policy
  sed -e "s|^program: .*|program: $root/examples/sklearn_sweep/train.py|" -e '/^registry:/d' \
    "$root/examples/sklearn_sweep/sweep.yaml" >"$work/$policy.yaml"
done
sed -i 's|^policy: .*|policy: none|' "$work/none.yaml"

measure() {  # measure ROUND POLICY
  grep -q "^$1,$2," "$results" && { echo "round $1 $2: measured already"; return; }
  local dir="$work/r$1-$2" start end
  start=$(date +%s.%N)
  "$sweep" run "$work/$2.yaml" --dir "$dir" --quiet
  end=$(date +%s.%N)
  /usr/bin/python3 - "$dir" "$1" "$2" "$start" "$end" >>"$results" <<'PY'
import datetime, re, sqlite3, statistics, sys
d, rnd, policy, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
c = sqlite3.connect(f"{d}/sweep.db")
rows = c.execute("SELECT id, state, started, ended FROM trials").fetchall()
rank_s = sum(e - s for _, _, s, e in rows)  # one rank a trial
completed = sum(1 for r in rows if r[1] == "completed")
cut = sum(1 for r in rows if r[1] == "cut")
best = c.execute("SELECT max(m.value) FROM metrics m JOIN trials t ON t.id = m.trial WHERE t.state = 'completed' "
                 "AND m.step = (SELECT max(step) FROM metrics WHERE trial = m.trial)").fetchone()[0]
# Slot refill: from each trial's end to the next start after it.
starts = sorted(s for _, _, s, _ in rows)
gaps = [min((s for s in starts if s >= e), default=None) for _, _, _, e in rows]
gaps = [g - e for g, (_, _, _, e) in zip(gaps, rows) if g is not None]
print(f"{rnd},{policy},{end - start:.2f},{rank_s:.2f},{completed},{cut},{best:.4f},"
      f"{statistics.median(gaps) if gaps else 0:.3f}")
PY
  tail -1 "$results"
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then measure "$r" bandit; measure "$r" none
  else measure "$r" none; measure "$r" bandit; fi
done
/usr/bin/python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| policy | runs | wall s (median) | rank-s (median) | completed / cut | best val_accuracy |")
print("| --- | --- | --- | --- | --- | --- |")
med = {}
for p in ("bandit", "none"):
    r = [x for x in rows if x["policy"] == p]
    if not r:
        continue
    m = lambda k: statistics.median(float(x[k]) for x in r)
    med[p] = m("rank_s")
    print(f"| {p} | {len(r)} | {m('wall_s'):.1f} | {m('rank_s'):.1f} | "
          f"{m('completed'):.0f} / {m('cut'):.0f} | {max(float(x['best']) for x in r):.4f} |")
if len(med) == 2:
    print(f"rank-seconds, bandit / none: {med['bandit'] / med['none']:.2f}")
PY
