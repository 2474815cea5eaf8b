"""Checks the logs the Fashion-MNIST example wrote through cohort::runlog:
metrics.jsonl (every field, one line per step), the TensorBoard event file
(decoded by tfevents_reader, values equal to metrics.jsonl's to float32 precision) and
each rank's timeline (valid JSON, the expected spans per step).

    check_example_logs.py LOGS_DIR RANKS STEPS
"""
import glob
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfevents_reader  # noqa: E402

FIELDS = ["step", "epoch", "time", "loss", "lr", "samples_per_s", "data_wait_s", "comm_s",
          "checkpoint_blocked_s", "allreduce_s"]


def fail(message):
    print("check_example_logs: FAILED:", message)
    sys.exit(1)


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    logs, ranks, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    # metrics.jsonl
    with open(os.path.join(logs, "metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    # Step lines, and the lines RunLog.report() adds after each evaluation.
    rows = [r for r in lines if "loss" in r]
    reports = [r for r in lines if "loss" not in r]
    if [r["step"] for r in reports] != [steps] or "test_accuracy" not in reports[0]:
        fail(f"expected one report line with test_accuracy at step {steps}, found {reports}")
    if not 0 < reports[0]["test_accuracy"] <= 1:
        fail(f"implausible test accuracy {reports[0]}")
    if [r["step"] for r in rows] != list(range(1, steps + 1)):
        fail(f"metrics.jsonl has steps {[r['step'] for r in rows][:5]}..., not 1..{steps}")
    for r in rows:
        missing = [k for k in FIELDS if k not in r]
        if missing:
            fail(f"step {r['step']} lacks {missing}")
        if not (math.isfinite(r["loss"]) and 0 < r["loss"] < 10):
            fail(f"step {r['step']}: loss {r['loss']}")
        if not (r["samples_per_s"] > 0 and r["data_wait_s"] >= 0 and r["comm_s"] >= 0 and r["lr"] > 0):
            fail(f"step {r['step']}: implausible values {r}")
    if not rows[-1]["loss"] < rows[0]["loss"]:
        fail(f"the loss did not fall: {rows[0]['loss']} -> {rows[-1]['loss']}")
    if ranks > 1 and not any(r["allreduce_s"] > 0 for r in rows):
        fail("no step reports allreduce time")
    print(f"metrics.jsonl: {len(rows)} steps, loss {rows[0]['loss']:.3f} -> {rows[-1]['loss']:.3f}")

    # TensorBoard
    files = glob.glob(os.path.join(logs, "tensorboard", "events.out.tfevents.*"))
    if len(files) != 1:
        fail(f"expected one event file, found {files}")
    events = tfevents_reader.read_events(files[0])
    if events[0].file_version != "brain.Event:2":
        fail(f"the first event is not the file version: {events[0]}")
    by_step = {}
    for e in events[1:]:
        for v in e.summary.value:
            by_step.setdefault(e.step, {})[v.tag] = v.simple_value
    for r in rows:
        got = by_step.get(r["step"], {})
        for tag in ["loss", "lr", "samples_per_s", "data_wait_s", "comm_s", "checkpoint_blocked_s"]:
            # simple_value is a float32; metrics.jsonl has 9 significant digits.
            if tag not in got or not math.isclose(got[tag], as_float32(r[tag]), rel_tol=2e-7, abs_tol=1e-30):
                fail(f"step {r['step']}: TensorBoard {tag} = {got.get(tag)}, metrics.jsonl {r[tag]}")
    if "test_accuracy" not in by_step.get(steps, {}):
        fail("no test_accuracy scalar at the last step")
    print(f"tensorboard: {len(events)} events decode with matching values; "
          f"test_accuracy {by_step[steps]['test_accuracy']:.4f}")

    # Timelines
    for rank in range(ranks):
        path = os.path.join(logs, "timeline", f"rank-{rank}.json")
        with open(path) as f:
            trace = json.load(f)
        spans = [e for e in trace if e.get("ph") == "X"]
        for e in spans:
            if e["pid"] != rank or e["dur"] < 0 or not isinstance(e["ts"], int):
                fail(f"{path}: bad event {e}")
        count = {}
        for e in spans:
            count[e["name"]] = count.get(e["name"], 0) + 1
        for name in ["data wait", "forward", "backward", "optimizer"]:
            if count.get(name) != steps:
                fail(f"{path}: {count.get(name)} '{name}' spans for {steps} steps")
        buckets = [e for e in spans if e["name"].startswith("allreduce bucket")]
        if ranks > 1 and len(buckets) < steps:
            fail(f"{path}: {len(buckets)} bucket allreduce spans for {steps} steps")
        if buckets and not all(e["tid"] == 1 and e["args"]["bytes"] > 0 for e in buckets):
            fail(f"{path}: a bucket span is not on the allreduce track")
        # Each bucket's allreduce lies inside its step's backward (issued and
        # waited for there); allow 1 ms for clock rounding.
        backward = sorted((e["ts"], e["ts"] + e["dur"]) for e in spans if e["name"] == "backward")
        for b in buckets:
            if not any(s - 1000 <= b["ts"] and b["ts"] + b["dur"] <= e + 1000 for s, e in backward):
                fail(f"{path}: {b} is outside every backward span")
        print(f"timeline rank {rank}: {len(spans)} spans ({len(buckets)} bucket allreduces), valid JSON")
    print("check_example_logs: passed")


main()
