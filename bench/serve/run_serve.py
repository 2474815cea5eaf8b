#!/usr/bin/python3
"""cohort-serve beside two peers, on the same weights, in the same run
(bench/README.md, "Serving"):

  cohort   cohort-serve (the MLP, TorchScript) and `fashion_mnist serve` (the ConvNet)
  A        FastAPI + uvicorn, PyTorch 1.13, an asyncio dynamic batcher (peer_fastapi.py)
  B        Flask + gunicorn, one forward pass per request (peer_flask.py)

Each server runs on core 0 (taskset), wrk on core 1, one thread each side
(OMP_NUM_THREADS=1); the same one-sample request, 10 s per point after 2 s
of warm-up, at 1, 8, 32 and 64 connections. Rows go to the CSV as they are
measured, and a rerun skips rows already there.

  run_serve.py BUILD_DIR [--csv bench/results/serve.csv] [--seconds 10]
"""
import argparse
import csv
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
FIELDS = ["model", "server", "connections", "req_per_s", "p50_ms", "p99_ms", "mean_batch",
          "cpu_s_per_1000", "non_2xx", "socket_errors"]
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def tree_cpu_seconds(pid):
    """User + system CPU seconds of pid and its live descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
        todo += children.get(p, [])
    return total


def prepare(build, work):
    """The two models and their request bodies in `work`."""
    import torch
    mlp = os.path.join(work, "mlp", "model")
    if not os.path.exists(os.path.join(mlp, "model.pt")):
        os.makedirs(mlp, exist_ok=True)
        torch.manual_seed(1)
        net = torch.nn.Sequential(torch.nn.Linear(784, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                                  torch.nn.ReLU(), torch.nn.Linear(2048, 10)).eval()
        torch.jit.save(torch.jit.script(net), os.path.join(mlp, "model.pt"))
        json.dump({"architecture": "mlp-784-2048-2048-10"}, open(os.path.join(mlp, "model.json"), "w"))
    conv = os.path.join(work, "convnet", "outputs", "model")
    if not os.path.exists(os.path.join(conv, "weights.h5")):
        subprocess.run([os.path.join(build, "bin", "cohort-pack"), "--fashion-mnist",
                        "/usr/share/datasets/fashion-mnist", "--to", os.path.join(work, "data")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(build, "bin", "cohortrun"), "--procs-per-node", "1",
                        "--outputs", os.path.join(work, "convnet", "outputs"),
                        "--logs", os.path.join(work, "convnet", "logs"), "--",
                        os.path.join(build, "examples", "fashion_mnist", "fashion_mnist"),
                        "--data", os.path.join(work, "data"), "--epochs", "1", "--max-train", "4096"],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
                                                                        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1"))
    rng = np.random.default_rng(0)
    bodies = {
        "mlp": {"inputs": [{"name": "x", "shape": [1, 784], "datatype": "FP32",
                            "data": [round(float(v), 4) for v in rng.random(784)]}]},
        "convnet": {"inputs": [{"name": "image", "shape": [1, 28, 28], "datatype": "FP32",
                                "data": [float(v) for v in rng.integers(0, 256, 784)]}]},
    }
    scripts = {}
    for kind, body in bodies.items():
        path = os.path.join(work, f"{kind}.lua")
        with open(path, "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
            f.write("wrk.body = " + json.dumps(json.dumps(body)) + "\n")
        scripts[kind] = path
    return {"mlp": mlp, "convnet": conv}, scripts


def start(server, kind, folder, build, port):
    """The server's process, pinned to core 0, once it answers readiness."""
    if server == "cohort":
        program = (os.path.join(build, "bin", "cohort-serve") if kind == "mlp" else
                   os.path.join(build, "examples", "fashion_mnist", "fashion_mnist"))
        argv = [program] + ([] if kind == "mlp" else ["serve"]) + [
            folder, "--port", str(port), "--threads", "1", "--max-batch", "32", "--max-delay-ms", "2"]
        env = ENV
    else:
        env = dict(ENV, PEER_KIND=kind, PEER_MODEL=folder, PEER_NAME="model", PEER_MAX_BATCH="32",
                   PEER_MAX_DELAY_MS="2")
        if server == "A":
            argv = [PY, "-m", "uvicorn", "--app-dir", HERE, "peer_fastapi:app", "--host", "127.0.0.1",
                    "--port", str(port), "--log-level", "warning", "--no-access-log"]
        else:
            argv = ["/usr/bin/gunicorn", "--chdir", HERE, "-w", "1", "-b", f"127.0.0.1:{port}",
                    "--log-level", "warning", "peer_flask:app"]
    proc = subprocess.Popen(["taskset", "-c", "0"] + argv, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            if "true" in get(f"http://127.0.0.1:{port}/v2/health/ready"):
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            sys.exit(f"{server} {kind} did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    sys.exit(f"{server} {kind} never became ready")


def batch_counter(server, port):
    """(rows, batches) the server has run so far."""
    if server == "cohort":
        text = get(f"http://127.0.0.1:{port}/metrics")
        rows = float(re.search(r"^cohort_serve_batch_rows_sum (\S+)", text, re.M).group(1))
        count = float(re.search(r"^cohort_serve_batch_rows_count (\S+)", text, re.M).group(1))
        return rows, count
    if server == "A":
        s = json.loads(get(f"http://127.0.0.1:{port}/stats"))
        return s["rows"], s["batches"]
    return None


def wrk(port, script, connections, seconds):
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, f"http://127.0.0.1:{port}/v2/models/model/infer"],
                         capture_output=True, text=True, check=True).stdout

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50"), "p99_ms": ms("99"), "requests": requests,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0}


def measure(server, kind, folder, script, build, connections, seconds):
    port = free_port()
    proc = start(server, kind, folder, build, port)
    try:
        rows = []
        wrk(port, script, max(connections), 2)  # warm-up
        for c in connections:
            before, cpu0 = batch_counter(server, port), tree_cpu_seconds(proc.pid)
            r = wrk(port, script, c, seconds)
            after, cpu1 = batch_counter(server, port), tree_cpu_seconds(proc.pid)
            mean_batch = 1.0 if before is None else (after[0] - before[0]) / max(after[1] - before[1], 1)
            rows.append({"model": kind, "server": server, "connections": c, "req_per_s": round(r["req_per_s"], 1),
                         "p50_ms": round(r["p50_ms"], 3), "p99_ms": round(r["p99_ms"], 3),
                         "mean_batch": round(mean_batch, 2),
                         "cpu_s_per_1000": round((cpu1 - cpu0) / max(r["requests"], 1) * 1000, 3),
                         "non_2xx": r["non_2xx"], "socket_errors": r["socket_errors"]})
            print("  " + ", ".join(f"{k} {v}" for k, v in rows[-1].items()), flush=True)
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ceiling(kind, folder, batch, seconds=3):
    """Requests (one row each) per second of the model's own forward pass at `batch` rows, on core 0."""
    code = f"""
import sys, time, torch
sys.path.insert(0, {HERE!r})
import models
torch.set_num_threads(1)
net = models.load({kind!r}, {folder!r})
x = torch.rand({batch}, *([784] if {kind!r} == "mlp" else [28, 28])) * (1 if {kind!r} == "mlp" else 255)
with torch.no_grad():
    for _ in range(5): net(x)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < {seconds}:
        net(x); n += 1
print(n * {batch} / (time.perf_counter() - t0))
"""
    out = subprocess.run(["taskset", "-c", "0", PY, "-c", code], capture_output=True, text=True, env=ENV, check=True)
    return float(out.stdout.strip())


def idle_connections(build, folder, script, seconds):
    """p50 at 1 connection, alone and beside 1,000 idle keep-alive connections."""
    port = free_port()
    proc = start("cohort", "mlp", folder, build, port)
    idle = []
    try:
        wrk(port, script, 1, 2)
        alone = wrk(port, script, 1, seconds)["p50_ms"]
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.append(s)
        for s in idle:
            s.recv(4096)  # answered, and kept open
        beside = wrk(port, script, 1, seconds)["p50_ms"]
        return alone, beside
    finally:
        for s in idle:
            s.close()
        proc.terminate()
        proc.wait(timeout=30)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--csv", default=os.path.join(ROOT, "bench", "results", "serve.csv"))
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "cohort_bench_serve"))
    a = p.parse_args()
    build = os.path.abspath(a.build)
    os.makedirs(a.work, exist_ok=True)
    folders, scripts = prepare(build, a.work)
    done = set()
    if os.path.exists(a.csv):
        done = {(r["model"], r["server"], int(r["connections"])) for r in csv.DictReader(open(a.csv))}
    connections = [1, 8, 32, 64]
    for kind in ("mlp", "convnet"):
        for server in ("cohort", "A", "B"):
            todo = [c for c in connections if (kind, server, c) not in done]
            if not todo:
                continue
            print(f"{kind} on {server}", flush=True)
            rows = measure(server, kind, folders[kind], scripts[kind], build, todo, a.seconds)
            new = not os.path.exists(a.csv)
            with open(a.csv, "a", newline="") as f:
                w = csv.DictWriter(f, FIELDS)
                if new:
                    w.writeheader()
                w.writerows(rows)
    rows = list(csv.DictReader(open(a.csv)))
    table = {(r["model"], r["server"], int(r["connections"])): r for r in rows}
    print("\nmodel    conns | cohort req/s  p50 ms  p99 ms  batch  cpu/1k |  A req/s  p50 ms  p99 ms  batch |"
          "  B req/s  p50 ms  p99 ms | cohort/A req/s  p50  p99 | cohort/B req/s")
    for kind in ("mlp", "convnet"):
        for c in connections:
            co, pa, pb = (table.get((kind, s, c)) for s in ("cohort", "A", "B"))
            if not (co and pa and pb):
                continue
            f = lambda r, k: float(r[k])
            print(f"{kind:8} {c:5} | {f(co,'req_per_s'):12.0f} {f(co,'p50_ms'):7.2f} {f(co,'p99_ms'):7.2f} "
                  f"{f(co,'mean_batch'):6.1f} {f(co,'cpu_s_per_1000'):7.3f} | {f(pa,'req_per_s'):8.0f} "
                  f"{f(pa,'p50_ms'):7.2f} {f(pa,'p99_ms'):7.2f} {f(pa,'mean_batch'):6.1f} | "
                  f"{f(pb,'req_per_s'):8.0f} {f(pb,'p50_ms'):7.2f} {f(pb,'p99_ms'):7.2f} | "
                  f"{f(co,'req_per_s')/f(pa,'req_per_s'):14.2f} {f(co,'p50_ms')/f(pa,'p50_ms'):4.2f} "
                  f"{f(co,'p99_ms')/f(pa,'p99_ms'):4.2f} | {f(co,'req_per_s')/f(pb,'req_per_s'):14.2f}")
    print("\nthe model's own forward pass (libtorch through PyTorch, 1 thread, core 0) at cohort's batch at 32 connections:")
    for kind in ("mlp", "convnet"):
        co = table.get((kind, "cohort", 32))
        if co:
            batch = max(1, round(float(co["mean_batch"])))
            top = ceiling(kind, folders[kind], batch)
            print(f"  {kind}: batch {batch}: {top:.0f} requests/s; cohort-serve {float(co['req_per_s']):.0f}, "
                  f"{float(co['req_per_s']) / top:.2f} of it")
    alone, beside = idle_connections(build, folders["mlp"], scripts["mlp"], a.seconds)
    print(f"\n1 connection, mlp: p50 {alone:.3f} ms alone, {beside:.3f} ms beside 1,000 idle keep-alive "
          f"connections ({beside / alone:.2f}x)")


if __name__ == "__main__":
    main()
