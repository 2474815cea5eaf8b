"""The soak's checks and summary (scripts/soak.sh, docs/soak.md).

  soak_report.py reference LEDGER_DIR WORLD --samples N
      the uninterrupted run's ledger: one attempt, every step on every rank,
      each epoch N // 64 batches of 64 distinct samples of the N (the last
      N % 64 of each epoch's order are dropped); prints its steps and median
      step time
  soak_report.py weights A.h5 B.h5
      the two models' tensors bitwise equal
  soak_report.py round --summary CSV --round N --reference LEDGER_DIR --ledger LEDGER_DIR
                       --faults FAULTS.jsonl --run-json RUN.JSON --wall S --reference-wall S
                       [--problem TEXT ...]
      checks a chaos round's ledger against the reference's, appends one CSV
      row per fault to the summary and a '# round' line; exit 1 if the round failed
  soak_report.py final --summary CSV
      appends the final table (as '# ' lines) and prints it

A ledger line is `RESTART EPOCH STEP RANK UNIX_TIME id id ...`. A step is
trained again after a restart when it came after the newest checkpoint; the
line of the last attempt that trained it is the one that counts.
"""
import csv
import datetime
import json
import os
import statistics
import sys
from collections import defaultdict

FIELDS = ["round", "fault", "kind", "aimed", "hit", "target", "at_s", "held_s", "attempt", "restarts_caused",
          "restarts_so_far", "time_lost_s", "survived", "note"]


def read_ledger(folder):
    """[(restart, epoch, step, rank, time, ids)] of every rank-R.ledger in folder."""
    lines = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".ledger"):
            continue
        with open(os.path.join(folder, name)) as f:
            for number, text in enumerate(f, 1):
                if not text.endswith("\n"):
                    raise ValueError(f"{name}:{number}: a cut line (no newline)")
                parts = text.split()
                lines.append((int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]), float(parts[4]),
                              tuple(int(x) for x in parts[5:])))
    return lines


def final_lines(lines, problems, checkpoint_every=0):
    """{(epoch, step, rank): ids} from the last attempt that trained each; counts replays."""
    by_key = defaultdict(list)
    for restart, epoch, step, rank, _, ids in lines:
        by_key[(epoch, step, rank)].append((restart, ids))
    per_attempt = defaultdict(list)
    for restart, epoch, step, rank, _, ids in lines:
        per_attempt[(restart, rank)].append(step)
    for (restart, rank), steps in sorted(per_attempt.items()):
        # An attempt trains on from where it resumed, skipping nothing.
        if sorted(steps) != list(range(min(steps), max(steps) + 1)):
            problems.append(f"attempt {restart} rank {rank}: steps {min(steps)}..{max(steps)} with a gap or twice")
        if checkpoint_every and (min(steps) - 1) % checkpoint_every:
            problems.append(f"attempt {restart} rank {rank} began at step {min(steps)}, not after a checkpoint")
    final, replays = {}, 0
    for key, seen in by_key.items():
        attempts = [r for r, _ in seen]
        if len(set(attempts)) != len(attempts):
            problems.append(f"epoch {key[0]} step {key[1]} rank {key[2]}: twice in one attempt {sorted(attempts)}")
        last_restart, last_ids = max(seen)
        final[key] = last_ids
        replays += len(seen) - 1
        if any(ids != last_ids for _, ids in seen):
            problems.append(f"epoch {key[0]} step {key[1]} rank {key[2]}: a replay trained other samples")
    return final, replays


def epoch_check(final, problems, label):
    """Every sample at most once per epoch; returns {epoch: set of ids}."""
    per_epoch = defaultdict(list)
    for (epoch, _, _), ids in final.items():
        per_epoch[epoch].extend(ids)
    sets = {}
    for epoch, ids in sorted(per_epoch.items()):
        sets[epoch] = set(ids)
        if len(ids) != len(sets[epoch]):
            problems.append(f"{label}: epoch {epoch}: {len(ids) - len(sets[epoch])} sample(s) trained twice")
    return sets


def reference(folder, world, samples=None):
    problems = []
    lines = read_ledger(folder)
    if any(line[0] != 0 for line in lines):
        problems.append("the reference was restarted")
    final, replays = final_lines(lines, problems)
    if replays:
        problems.append(f"the reference trained {replays} step(s) twice")
    steps = sorted({(e, s) for e, s, _ in final})
    for epoch, step in steps:
        if any((epoch, step, r) not in final for r in range(world)):
            problems.append(f"the reference's step {step} lacks a rank")
    sets = epoch_check(final, problems, "the reference")
    if samples is not None:
        for epoch, ids in sorted(sets.items()):
            if len(ids) != samples // 64 * 64 or min(ids) < 0 or max(ids) >= samples:
                problems.append(f"the reference's epoch {epoch} trained {len(ids)} distinct samples, "
                                f"not {samples // 64 * 64} of 0..{samples - 1}")
    rank0 = sorted(t for r, e, s, rank, t, ids in lines if rank == 0)
    step_s = (rank0[-1] - rank0[0]) / (len(rank0) - 1) if len(rank0) > 1 else 0.0  # checkpoints included
    return problems, {"steps": len(steps), "samples": {e: len(s) for e, s in sets.items()},
                      "step_s": round(step_s, 6)}


def time_lost(faults, rank0, step_s):
    """Seconds each fault cost: from it to the next fault (the last: to the last
    step), less the time the steps gained in that while take undisturbed; the
    steps gained are the rise of the highest step rank 0 has trained.
    rank0: [(time, step, attempt)] of rank 0's lines, in time order."""
    if not rank0:
        return [0.0] * len(faults)

    def high(t):
        return max((s for time, s, _ in rank0 if time <= t), default=0)

    # The round's own pace (the machine's load changes): the median time of
    # 50 steps in a row of one attempt, checkpoints included.
    by_attempt = defaultdict(list)
    for time_, step, attempt in rank0:
        by_attempt[attempt].append(time_)
    spans = [(t[i + 50] - t[i]) / 50 for t in by_attempt.values() for i in range(0, len(t) - 50, 10)]
    step_s = statistics.median(spans) if spans else step_s
    ends = [f["t_inject"] for f in faults[1:]] + [rank0[-1][0]]
    lost = []
    for f, end in zip(faults, ends):
        start = f["t_inject"]
        if end <= start:
            lost.append(0.0)  # struck after the last step: export, the last upload
            continue
        lost.append(max(0.0, (end - start) - (high(end) - high(start)) * step_s))
    return lost


def iso_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def check_round(a):
    problems = list(a.problem)
    try:
        run = json.load(open(a.run_json))
    except (OSError, ValueError) as e:
        run = {"attempts": []}
        problems.append(f"no run.json: {e}")
    faults = []
    if os.path.exists(a.faults):
        faults = [json.loads(line) for line in open(a.faults) if line.strip()]
    ref_problems, ref = reference(a.reference, a.world)
    ref_final, _ = final_lines(read_ledger(a.reference), [])
    ref_sets = epoch_check(ref_final, [], "reference")
    try:
        lines = read_ledger(a.ledger)
    except (OSError, ValueError) as e:
        lines = []
        problems.append(f"the ledger cannot be read: {e}")
    final, replays = final_lines(lines, problems, a.checkpoint_every)
    missing = sorted(set(ref_final) - set(final))
    extra = sorted(set(final) - set(ref_final))
    if missing:
        problems.append(f"{len(missing)} step(s) never trained, the first (epoch, step, rank) {missing[0]}")
    if extra:
        problems.append(f"{len(extra)} step(s) the reference did not train, the first {extra[0]}")
    differ = [k for k in final if k in ref_final and final[k] != ref_final[k]]
    if differ:
        problems.append(f"{len(differ)} step(s) trained other samples than the reference, the first {differ[0]}")
    sets = epoch_check(final, problems, "this round")
    for epoch, ids in ref_sets.items():
        if sets.get(epoch, set()) != ids:
            lost = len(ids - sets.get(epoch, set()))
            problems.append(f"epoch {epoch}: {lost} sample(s) of the reference's never trained")

    # Restarts: the attempts that failed, each blamed on the last fault before its end.
    ends = [iso_time(x["end_time"]) for x in run.get("attempts", [])[:-1] if x.get("end_time")]
    restarts = run.get("restarts", len(ends))
    rank0 = sorted((t, s, r) for r, e, s, rank, t, ids in lines if rank == 0)
    ok = not problems
    starts = [f["t_inject"] for f in faults] + [float("inf")]
    lost = time_lost(faults, rank0, ref["step_s"])
    so_far = 0
    with open(a.summary, "a+", newline="") as out:
        out.seek(0)
        header = any(line.startswith(FIELDS[0] + ",") for line in out)
        w = csv.writer(out)
        if not header:
            w.writerow(FIELDS)
        for i, f in enumerate(faults):
            caused = sum(1 for e in ends if starts[i] <= e < starts[i + 1])
            so_far += caused
            w.writerow([a.round, f.get("n"), f["kind"], f["aimed"], f.get("hit", ""), f.get("target", ""),
                        round(f["t_inject"] - a.start, 1), f.get("held_s", 0), f.get("attempt"), caused, so_far,
                        round(lost[i], 2), "yes" if ok else "no", f.get("note", "")])
        verdict = "passed" if ok else "FAILED: " + "; ".join(problems[:8])
        out.write(f"# round {a.round}: {verdict}; {len(faults)} fault(s), {restarts} restart(s), "
                  f"{replays} step line(s) replayed, {a.wall:.1f} s (reference {a.reference_wall:.1f} s)\n")
    print(f"round {a.round}: {verdict}")
    for attempt in run.get("attempts", [])[:-1]:
        print(f"  attempt {attempt.get('restart')}: exit {attempt.get('exit_status')}: "
              f"{str(attempt.get('root_cause', ''))[:160]}")
    return 0 if ok else 1


def final(a):
    rows, rounds = [], []
    with open(a.summary) as f:
        for line in f:
            if line.startswith("# round "):
                rounds.append(line)
    with open(a.summary) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    by_kind = defaultdict(lambda: [0, 0, 0, []])
    for r in rows:
        k = by_kind[r["kind"]]
        k[0] += 1
        k[1] += r["survived"] == "yes"
        k[2] += int(r["restarts_caused"])
        k[3].append(float(r["time_lost_s"]))
    passed = sum(": passed;" in r for r in rounds)
    table = ["", "soak summary", f"{'fault':<12} {'injected':>8} {'survived':>8} {'restarts':>8} "
             f"{'lost/fault s (median)':>22} {'lost/fault s (max)':>19}"]
    for kind in sorted(by_kind):
        n, ok, restarts, lost = by_kind[kind]
        table.append(f"{kind:<12} {n:>8} {ok:>8} {restarts:>8} {statistics.median(lost):>22.2f} {max(lost):>19.2f}")
    total = [sum(v[i] for v in by_kind.values()) for i in range(3)]
    lost = [x for v in by_kind.values() for x in v[3]]
    table.append(f"{'all':<12} {total[0]:>8} {total[1]:>8} {total[2]:>8} "
                 f"{(statistics.median(lost) if lost else 0):>22.2f} {(max(lost) if lost else 0):>19.2f}")
    table.append(f"rounds: {len(rounds)}, passed {passed}, failed {len(rounds) - passed}")
    with open(a.summary, "a") as out:
        out.writelines("# " + line + "\n" for line in table)
    print("\n".join(table))
    return 0 if rounds and passed == len(rounds) else 1


def same_weights(a, b):
    import h5py
    import numpy as np
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        if sorted(x) != sorted(y):
            return f"other tensors: {sorted(x)} and {sorted(y)}"
        bad = [k for k in x if x[k].dtype != y[k].dtype or
               not np.array_equal(x[k][...].view(np.uint8), y[k][...].view(np.uint8))]
        return "differ in " + ", ".join(bad) if bad else ""


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reference")
    r.add_argument("ledger")
    r.add_argument("world", type=int)
    r.add_argument("--samples", type=int)
    w = sub.add_parser("weights")
    w.add_argument("a")
    w.add_argument("b")
    c = sub.add_parser("round")
    for name in ("--summary", "--reference", "--ledger", "--faults", "--run-json"):
        c.add_argument(name, required=True)
    c.add_argument("--round", type=int, required=True)
    c.add_argument("--world", type=int, default=2)
    c.add_argument("--checkpoint-every", type=int, default=0, help="steps between checkpoints (0: not checked)")
    c.add_argument("--start", type=float, required=True, help="the round's start (Unix time)")
    c.add_argument("--wall", type=float, required=True)
    c.add_argument("--reference-wall", type=float, required=True)
    c.add_argument("--problem", action="append", default=[], help="a failure found by soak.sh")
    f = sub.add_parser("final")
    f.add_argument("--summary", required=True)
    a = p.parse_args()
    if a.command == "reference":
        problems, facts = reference(a.ledger, a.world, a.samples)
        print(json.dumps(facts))
        for problem in problems:
            print("reference ledger: " + problem, file=sys.stderr)
        return 1 if problems else 0
    if a.command == "weights":
        try:
            problem = same_weights(a.a, a.b)
        except OSError as e:
            problem = str(e)
        print(problem or "bitwise equal")
        return 1 if problem else 0
    if a.command == "round":
        return check_round(a)
    return final(a)


if __name__ == "__main__":
    sys.exit(main())
