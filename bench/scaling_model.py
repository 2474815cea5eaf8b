#!/usr/bin/env python3
"""The scaling model of docs/scaling.md: cohort's data-parallel step time and
scaling efficiency from the measured cost of each link level, the compute of
a step, the model's parameters, the bucket caps and the compression.

    bench/scaling_model.py check   [--probes CSV] [--runs CSV]
    bench/scaling_model.py predict [--probes CSV] [--runs CSV] [--gbit 25] [--per-host 8]
    bench/scaling_model.py buckets [--probes CSV] [--runs CSV] [--rate 1gbit]

check    fits the link levels to bench/results/scaling_probe.csv and predicts
         every configuration of bench/results/scaling_runs.csv (both written
         by bench/run_scaling.sh), measured against predicted.
predict  the step time and efficiency from 2 to 4,096 ranks on a cluster whose
         machines are joined at --gbit, for the bench MLPs and a GPT-2-small-
         sized model, float32 and bf16, and where each falls below 80%.
buckets  the bucket cap the model finds fastest for a measured link.

Standard library only.
"""
import argparse
import csv
import math
import os
import statistics
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 128  # per rank, bench_ddp_step's
MIB = 1 << 20
WIRE = {"none": 1.0, "bf16": 0.5, "fp16": 0.5}  # bytes on the wire per float32 byte


# ---------------------------------------------------------------- the model's inputs

class Level:
    """One link level, measured with `count` ranks (shared memory: ranks of
    the machine; network: hosts x 1 rank). Reducing a bucket of B bytes costs

        shared memory:  alpha + beta * B
        network:        (H-1) * alpha + 2(H-1)/H * B * w * beta + gamma[c] * B / L

    (H hosts of L ranks, w the wire bytes per float32 byte of compression c);
    DataParallel's copy of a gradient of B bytes into its bucket costs
    copy_alpha + copy_beta * B."""

    def __init__(self, alpha, beta, gamma=None, copy=(0.0, 0.0), count=2):
        self.alpha, self.beta, self.gamma = alpha, beta, gamma or {}
        self.copy_alpha, self.copy_beta = copy
        self.count = count

    def copy_time(self, nbytes):
        return self.copy_alpha + self.copy_beta * nbytes

    def __repr__(self):
        g = "".join(f", gamma_{c} {v * 1e12:.0f} ps/B" for c, v in self.gamma.items())
        return (f"alpha {self.alpha * 1e6:.0f} us, beta {self.beta * 1e12:.0f} ps/B{g}, copy "
                f"{self.copy_beta * 1e12:.0f} ps/B")


def fit_line(points):
    """Least squares of seconds = a + b * bytes, weighted by 1/seconds: the
    large sizes, where gradients are, set the slope without the small ones
    counting for nothing."""
    sw = sx = sy = sxx = sxy = 0.0
    for x, y in points:
        w = 1.0 / y
        sw, sx, sy, sxx, sxy = sw + w, sx + w * x, sy + w * y, sxx + w * x * x, sxy + w * x * y
    b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx)
    a = (sy - b * sx) / sw
    return max(a, 0.0), b


def read_levels(path):
    """The levels of the probe file, named KIND@COUNT (shm@2, net-1gbit@3).
    A network probe's line is one reduction among H hosts x 1 rank: its
    intercept is (H-1) alpha, its slope 2(H-1)/H beta (float32), and a
    compressed slope is that times w plus gamma."""
    rows = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            rows[(row["level"], row["compress"])].append((int(row["bytes"]), float(row["seconds"])))
    levels = {}
    for name in sorted({lv for lv, _ in rows}):
        kind, count = name.split("@")
        count = int(count)
        copy = fit_line(rows[(name, "copy")]) if (name, "copy") in rows else (0.0, 0.0)
        if kind == "shm":
            a, b = fit_line(rows[(name, "none")]) if count > 1 else (0.0, 0.0)
            levels[name] = Level(a, b, copy=copy, count=count)
            continue
        a, b = fit_line(rows[(name, "none")])
        share = 2 * (count - 1) / count
        gamma = {}
        for c in ("bf16", "fp16"):
            if (name, c) in rows:
                _, bc = fit_line(rows[(name, c)])
                gamma[c] = max(bc - WIRE[c] * b, 0.0)
        levels[name] = Level(a / (count - 1), b / share, gamma, copy, count)
    return levels, rows


def level_for(levels, kind, count):
    """The level KIND measured with `count` ranks, else with the nearest count."""
    measured = [lv for name, lv in levels.items() if name.split("@")[0] == kind]
    if not measured:
        sys.exit(f"scaling_model.py: no probe of {kind}: run bench/run_scaling.sh")
    return min(measured, key=lambda lv: (abs(lv.count - count), lv.count))


# ---------------------------------------------------------------- models

def mlp(hidden):
    """bench_ddp_step's MLP 784-hidden-hidden-10: layers in forward order as
    (parameter sizes, backward work). A Linear layer's backward computes the
    weight's gradient (in x out multiply-adds per sample) and, except for the
    first layer, the input's (as many)."""
    dims = [(784, hidden), (hidden, hidden), (hidden, 10)]
    layers = []
    for k, (i, o) in enumerate(dims):
        work = i * o * (1 if k == 0 else 2)
        layers.append(([i * o, o], work))
    return layers


def gpt2_small():
    """A GPT-2-small-sized transformer (124 M parameters: 12 blocks of width
    768, vocabulary 50257, context 1024, the output layer tied to the token
    embedding). Backward work per layer in proportion to its matrix sizes; the
    tied embedding's gradient is complete only at the end of backward, so it
    stands first in forward order with the output projection's work."""
    d, v, n = 768, 50257, 1024
    layers = [([v * d, n * d], 2 * v * d)]  # token (tied) and position embeddings
    for _ in range(12):
        layers.append(([d, d, 3 * d * d, 3 * d, d * d, d], 2 * 4 * d * d))  # ln1, attention
        layers.append(([d, d, 4 * d * d, 4 * d, 4 * d * d, d], 2 * 8 * d * d))  # ln2, MLP
    layers.append(([d, d], 0))  # final layer norm
    return layers


def plan_buckets(layers, first_cap, cap):
    """runtime/cohort/ddp/bucket_plan.cc's rule, on float32 parameters:
    walk the parameters last to first; a bucket closes before a parameter that
    would overflow it, and as soon as it reaches its cap; the first bucket
    closed has the small cap. Returns (bytes, index of the layer whose
    gradient completes it) per bucket, in the order they are reduced."""
    params = [(4 * n, k) for k, (sizes, _) in enumerate(layers) for n in sizes]
    done, filled, last = [], 0, None

    def cap_now():
        return first_cap if not done else cap

    for size, layer in reversed(params):
        if filled and filled + size > cap_now():
            done.append((filled, last))
            filled = 0
        filled += size
        last = layer
        if filled >= cap_now():
            done.append((filled, last))
            filled = 0
    if filled:
        done.append((filled, last))
    return done


def ready_times(layers, forward, backward):
    """When each layer's gradients are complete: backward runs the layers
    last to first, each taking its share of the backward time by work."""
    total = sum(w for _, w in layers) or 1.0
    ready, clock = [0.0] * len(layers), forward
    for k in reversed(range(len(layers))):
        clock += backward * layers[k][1] / total
        ready[k] = clock
    return ready


def reduce_time(nbytes, hosts, per_host, levels, net, compress):
    """One bucket's reduction, as cohort runs it (Note [Bucket exchange],
    Note [Shared-memory allreduce]): on one machine, the shared-memory sum;
    across machines, the same shared-memory stage (if more than one rank per
    machine) and then each local rank's slice exchanged with its peers on the
    other hosts: two phases (reduce-scatter and allgather), each sending
    (hosts-1)/hosts of the machine's bytes through its link and meeting
    hosts-1 peers; compression shrinks the bytes and costs CPU per rank's
    slice."""
    local = 0.0
    if per_host > 1:
        shm = level_for(levels, "shm", per_host)
        local = shm.alpha + shm.beta * nbytes
    if hosts == 1:
        return local
    link = level_for(levels, net, hosts)
    wire = 2 * (hosts - 1) / hosts * nbytes * WIRE[compress] * link.beta
    latency = (hosts - 1) * link.alpha
    cpu = link.gamma.get(compress, 0.0) * nbytes / per_host
    return local + latency + wire + cpu


def copy_level(levels, hosts, per_host, net):
    """The level whose probe ran as many ranks at once as the configuration:
    its copy cost is the gradients' copy into their buckets."""
    return level_for(levels, net, hosts) if hosts > 1 else level_for(levels, "shm", per_host)


def step_time(layers, compute, hosts, per_host, levels, net, compress, first_cap, cap):
    """The step: forward, backward with each bucket's reduction started on
    the comm thread once its gradients are complete and copied in and the
    bucket before it is done, then the update once backward and every
    reduction are done. compute = (forward, backward, update) seconds,
    measured with as many ranks running at once. Returns (step seconds,
    communication seconds)."""
    forward, backward, update = compute
    ready = ready_times(layers, forward, backward)
    copy = copy_level(levels, hosts, per_host, net)
    end, comm, copied = 0.0, 0.0, 0.0
    for nbytes, layer in plan_buckets(layers, first_cap, cap):
        # Backward copies each gradient into its bucket as it is ready, which
        # delays the rest of backward and this bucket's start alike.
        copied += copy.copy_time(nbytes)
        if hosts * per_host == 1:
            continue  # nothing to reduce
        t = reduce_time(nbytes, hosts, per_host, levels, net, compress)
        end = max(end, ready[layer] + copied) + t
        comm += t
    return max(forward + backward + copied, end) + update, comm


def best_schedule(layers, compute, hosts, per_host, levels, net, compress):
    """The step no bucket plan can beat: every parameter in a bucket of its
    own, reduced with no latency, as soon as its gradient is ready."""
    free = {}
    for name, lv in levels.items():
        free[name] = Level(0.0, lv.beta, lv.gamma, (0.0, lv.copy_beta), lv.count)
    return step_time(layers, compute, hosts, per_host, free, net, compress, 1, 1)[0]


# ---------------------------------------------------------------- check

def read_runs(path):
    """Median over rounds of each configuration's samples/s and phases."""
    groups = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            if not row["samples_per_s"]:
                continue
            key = (row["level"], int(row["hosts"]), int(row["ranks_per_host"]), int(row["hidden"]),
                   row["compress"], row["bucket_mb"], row["config"])
            groups[key].append({k: float(row[k]) for k in (
                "samples_per_s", "forward_ms", "backward_ms", "update_ms", "exposed_comm_ms")})
    return {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in groups.items()}


def caps(bucket_mb):
    return MIB, (25 if bucket_mb == "default" else float(bucket_mb)) * MIB


def check(args):
    levels, _ = read_levels(args.probes)
    print("link levels fitted to the probes (seconds = alpha + beta x bucket bytes):")
    for name, level in sorted(levels.items()):
        print(f"  {name:12} {level}")
    runs = read_runs(args.runs)
    print(f"\n{'level':11} {'hosts':>5} {'ranks/h':>7} {'model':>6} {'compress':>8} {'cap':>7} |"
          f" {'measured':>8} {'predicted':>9} {'residual':>8} | {'comm':>6} {'max(c,m)':>8}"
          f" {'best':>8}")
    worst, residuals = 0.0, []
    for key, m in sorted(runs.items()):
        level, hosts, per_host, hidden, compress, bucket_mb, config = key
        if config != "cohort":
            continue
        base = runs.get(("local" if level == "local" else "net", hosts, per_host, hidden, "none",
                         "default", "no-dp"))
        if base is None:
            print(f"  (no compute measured for {key})")
            continue
        compute = tuple(base[f] / 1000 for f in ("forward_ms", "backward_ms", "update_ms"))
        layers = mlp(hidden)
        net = level if level.startswith("net-") else None
        step, comm = step_time(layers, compute, hosts, per_host, levels, net, compress,
                               *caps(bucket_mb))
        ranks = hosts * per_host
        predicted = ranks * BATCH / step
        residual = predicted / m["samples_per_s"] - 1
        residuals.append(residual)
        worst = max(worst, abs(residual))
        bound = max(sum(compute), comm + compute[2])
        best = best_schedule(layers, compute, hosts, per_host, levels, net, compress)
        print(f"{level:11} {hosts:5} {per_host:7} {hidden:6} {compress:>8} {bucket_mb:>7} |"
              f" {m['samples_per_s']:8.1f} {predicted:9.1f} {100 * residual:+7.1f}% |"
              f" {1000 * comm:6.1f} {ranks * BATCH / bound:8.1f} {ranks * BATCH / best:8.1f}")
    if residuals:
        print(f"\n{len(residuals)} configurations; worst residual {100 * worst:.1f}%, median "
              f"|residual| {100 * statistics.median(abs(r) for r in residuals):.1f}% "
              f"(floor: within 15%: {'met' if worst <= 0.15 else 'missed'})")
    print("samples/s; residual = predicted / measured - 1; comm = the predicted reductions' time "
          "per step (ms);\nmax(c,m) = samples/s if the step took max(compute, communication); "
          "best = samples/s of the best schedule\nthe gradients' order allows (every parameter "
          "reduced alone, with no latency, once ready)")


# ---------------------------------------------------------------- predict

def cluster_levels(levels, gbit, net_from, per_host, cores):
    """The network level of a cluster at `gbit`: the measured level of 2
    hosts with its per-byte wire cost scaled by the ratio of rates, its
    latency and compression costs kept, and the copy cost of `per_host` ranks
    copying at once (the nearest measured)."""
    # A cluster's machine gives every rank a core: the levels measured with
    # more ranks than this machine has cores stand for nothing there.
    out = {name: lv for name, lv in levels.items() if lv.count <= cores}
    base = level_for(out, net_from, 2)
    shm = level_for(out, "shm", per_host)
    measured_gbit = float(net_from.split("-")[1].replace("gbit", ""))
    out["net-cluster@2"] = Level(base.alpha, base.beta * measured_gbit / gbit, base.gamma,
                                 (shm.copy_alpha, shm.copy_beta), 2)
    return out


def efficiency(layers, compute, hosts, per_host, levels, compress):
    step, _ = step_time(layers, compute, hosts, per_host, levels, "net-cluster", compress, MIB,
                        25 * MIB)
    return sum(compute) / step, step


def least_compute(layers, compute, hosts, per_host, levels, compress, floor=0.8):
    """The compute per step (the same split, scaled) at which the efficiency
    reaches `floor`: bisection, since it grows with the compute."""
    low, high = 1e-6, 1e6
    for _ in range(200):
        mid = math.sqrt(low * high)
        eff, _ = efficiency(layers, tuple(mid * t for t in compute), hosts, per_host, levels,
                            compress)
        low, high = (low, mid) if eff >= floor else (mid, high)
    return high * sum(compute)


def predict(args):
    levels, _ = read_levels(args.probes)
    levels = cluster_levels(levels, args.gbit, args.net_from, args.per_host, args.cores)
    runs = read_runs(args.runs)
    models = []
    for hidden in (2048, 4608):
        base = runs.get(("local", 1, 1, hidden, "none", "default", "no-dp"))
        if not base:
            continue
        compute = tuple(base[f] / 1000 for f in ("forward_ms", "backward_ms", "update_ms"))
        models.append((f"MLP 784-{hidden}-{hidden}-10, batch {BATCH} per rank", mlp(hidden),
                       compute))
    compute, rate = gpt2_compute(runs, args.gpt2_tokens)
    if compute:
        models.append((f"GPT-2 small, {args.gpt2_tokens} tokens per rank at the MLP's measured "
                       f"{rate / 1e9:.0f} GFLOP/s", gpt2_small(), compute))
    per_host = args.per_host
    print(f"cluster: {per_host} ranks per machine, machines joined at {args.gbit:g} Gbit/s; "
          f"default bucket caps (1 MiB first, 25 MiB)\n"
          f"  shm level: {level_for(levels, 'shm', per_host)}\n"
          f"  network level: {level_for(levels, 'net-cluster', 2)} ({args.net_from}'s per-byte "
          f"cost scaled "
          f"to {args.gbit:g} Gbit/s)")
    for name, layers, compute in models:
        params = sum(sum(s) for s, _ in layers)
        print(f"\n{name}: {params / 1e6:.1f} M parameters, compute {1000 * sum(compute):.1f} ms "
              f"per step")
        print(f"{'ranks':>6} {'hosts':>5} | " + " | ".join(
            f"{c + ' step ms':>14} {'eff':>5} {'80% needs':>10}" for c in ("none", "bf16")))
        last_good = {}
        for ranks in [2 ** k for k in range(1, 13)]:
            hosts, local = max(1, ranks // per_host), min(ranks, per_host)
            cells = []
            for c in ("none", "bf16"):
                eff, step = efficiency(layers, compute, hosts, local, levels, c)
                if eff >= 0.8 and last_good.get(c, ranks // 2) == ranks // 2:
                    last_good[c] = ranks
                need = least_compute(layers, compute, hosts, local, levels, c)
                cells.append(f"{1000 * step:14.1f} {100 * eff:4.0f}% {1000 * need:8.1f}ms")
            print(f"{ranks:6} {hosts:5} | " + " | ".join(cells))
        for c in ("none", "bf16"):
            print(f"  {c}: at least 80% efficient up to "
                  f"{last_good.get(c, 'no number of')} ranks")
    print("eff = compute / step (weak scaling: the batch per rank fixed); 80% needs = the compute "
          "per step that would give 80%")


# ---------------------------------------------------------------- buckets

def gpt2_compute(runs, tokens):
    """GPT-2 small's compute per step at the rank's measured rate (the bench
    MLP's floating-point operations per second alone on one rank): 6 x
    parameters x tokens, a third forward and two thirds backward."""
    base = runs.get(("local", 1, 1, 2048, "none", "default", "no-dp"))
    if not base:
        return None, None
    compute = tuple(base[f] / 1000 for f in ("forward_ms", "backward_ms", "update_ms"))
    rate = 6 * sum(sum(s) for s, _ in mlp(2048)) * BATCH / sum(compute)
    seconds = 6 * sum(sum(s) for s, _ in gpt2_small()) * tokens / rate
    return (seconds / 3, 2 * seconds / 3, 0.0), rate


def buckets(args):
    levels, _ = read_levels(args.probes)
    runs = read_runs(args.runs)
    net = f"net-{args.rate}"
    caps_mb = (0.25, 1, 2, 4, 8, 16, 25, 64, 128)
    print(f"predicted step (ms) by bucket cap (MiB), first bucket 1 MiB, 2 hosts x 1 rank, "
          f"{net} ({level_for(levels, net, 2)}):")
    models = []
    for hidden in (2048, 4608):
        base = runs.get(("net", 2, 1, hidden, "none", "default", "no-dp"))
        if base:
            models.append((f"MLP {hidden}", mlp(hidden), tuple(
                base[f] / 1000 for f in ("forward_ms", "backward_ms", "update_ms"))))
    compute, rate = gpt2_compute(runs, args.gpt2_tokens)
    if compute:
        models.append((f"GPT-2 small ({args.gpt2_tokens} tokens at {rate / 1e9:.0f} GFLOP/s)",
                       gpt2_small(), compute))
    for name, layers, compute in models:
        for c in ("none", "bf16"):
            steps = {cap_mb: step_time(layers, compute, 2, 1, levels, net, c, MIB,
                                       cap_mb * MIB)[0] for cap_mb in caps_mb}
            best = min(steps, key=steps.get)
            cells = "  ".join(f"{cap_mb:g}: {1000 * t:.0f}" for cap_mb, t in steps.items())
            print(f"  {name} {c:5} {cells}  (best {best:g} MiB, "
                  f"{100 * (1 - steps[best] / steps[25]):.1f}% below the default 25)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["check", "predict", "buckets"])
    parser.add_argument("--probes", default=os.path.join(HERE, "results", "scaling_probe.csv"))
    parser.add_argument("--runs", default=os.path.join(HERE, "results", "scaling_runs.csv"))
    parser.add_argument("--gbit", type=float, default=25.0)
    parser.add_argument("--net-from", default="net-10gbit",
                        help="the measured level whose costs the cluster's link scales")
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument("--cores", type=int, default=os.cpu_count(),
                        help="cores of the machine the probes ran on (predict uses the levels "
                             "measured with at most that many ranks)")
    parser.add_argument("--gpt2-tokens", type=int, default=1024,
                        help="GPT-2 small's tokens per rank per step")
    parser.add_argument("--rate", default="1gbit")
    args = parser.parse_args()
    for path in (args.probes, args.runs):
        if not os.path.exists(path):
            sys.exit(f"scaling_model.py: no {path}: run bench/run_scaling.sh first")
    {"check": check, "predict": predict, "buckets": buckets}[args.command](args)


if __name__ == "__main__":
    main()
