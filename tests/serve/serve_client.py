#!/usr/bin/python3
"""A client of cohort-serve for check_serve.sh, written with the standard
library's http.client (keep-alive) and PyTorch as the reference.

  serve_client.py example PORT SHA256 MODEL_DIR IDX_DIR
  serve_client.py torchscript PORT MODEL_PT
  serve_client.py malformed PORT
  serve_client.py drain PORT SERVER_PID
  serve_client.py ready-while-draining PORT SERVER_PID
  serve_client.py load PORT STOP_FILE V1_MODEL_PT V2_MODEL_PT [V2_SHARE]
"""
import gzip
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "serve"))
import models  # noqa: E402  (the example's ConvNet in PyTorch, shared with the benchmark)


def request(port, method, path, body=None, conn=None):
    """(status, headers, parsed JSON or text) of one request."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
    r = conn.getresponse()
    data = r.read()
    if own:
        conn.close()
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = data.decode(errors="replace")
    return r.status, dict(r.getheaders()), parsed


def check(condition, message):
    if not condition:
        sys.exit("serve_client: " + message)


def infer_body(name, array, datatype="FP32", request_id=None):
    body = {"inputs": [{"name": name, "shape": list(array.shape), "datatype": datatype,
                        "data": array.reshape(-1).tolist()}]}
    if request_id:
        body["id"] = request_id
    return json.dumps(body)


def example(port, sha256, model_dir, idx_dir):
    net = models.load("convnet", model_dir)  # the ConvNet in PyTorch, its weights read with h5py
    with gzip.open(os.path.join(idx_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:16].astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(images)).numpy()

    status, headers, body = request(port, "POST", "/v2/models/fm/infer", infer_body("image", images, request_id="r1"))
    check(status == 200, f"infer: {status} {body}")
    check(body["id"] == "r1" and body["model_name"] == "fm" and body["model_version"] == "1", body)
    out = body["outputs"][0]
    check(out["shape"] == [16, 10] and out["datatype"] == "FP32", out)
    got = np.array(out["data"], np.float32).reshape(16, 10)
    diff = float(np.abs(got - expected).max())
    check(diff <= 1e-5, f"the answers differ from PyTorch's by {diff}")
    print(f"16 images: the largest difference from PyTorch's forward is {diff:.2e}")
    check(headers.get("Cohort-Model-Version") == "1", headers)
    check(headers.get("Cohort-Model-Sha256") == sha256, headers)

    # One request per image on 8 connections at once: batched, same answers.
    results = [None] * 16

    def one(i):
        s, _, b = request(port, "POST", "/v2/models/fm/versions/1/infer", infer_body("image", images[i:i + 1]))
        results[i] = (s, np.array(b["outputs"][0]["data"], np.float32) if s == 200 else b)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for i, (s, data) in enumerate(results):
        check(s == 200, f"image {i}: {s} {data}")
        check(float(np.abs(data - expected[i]).max()) <= 1e-5, f"image {i} alone differs")

    status, _, meta = request(port, "GET", "/v2/models/fm")
    check(status == 200 and meta["platform"] == "pytorch_libtorch" and meta["versions"] == ["1"], meta)
    check(meta["inputs"] == [{"name": "image", "datatype": "FP32", "shape": [-1, 28, 28]}], meta)
    status, _, lineage = request(port, "GET", "/v2/models/fm/versions/1/lineage")
    check(status == 200 and isinstance(lineage, dict) and lineage, f"lineage: {status} {lineage}")
    check(request(port, "GET", "/v2/models/fm/versions/2/infer")[0] == 404, "version 2 is not served")
    check(request(port, "GET", "/v2/models/other")[0] == 404, "no model 'other'")
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/fm/ready", "/v2"):
        check(request(port, "GET", path)[0] == 200, path)
    status, _, metrics = request(port, "GET", "/metrics")
    check(status == 200 and f'sha256="{sha256}"' in metrics, "metrics: no model info")
    check('cohort_serve_requests_total{code="200"}' in metrics, "metrics: no answers counted")
    check("cohort_serve_batch_rows_bucket" in metrics, "metrics: no batch sizes")


def torchscript(port, model_pt):
    net = torch.jit.load(model_pt).eval()
    x = np.random.default_rng(3).random((5, 784), dtype=np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    status, headers, body = request(port, "POST", "/v2/models/mlp/infer", infer_body("x", x))
    check(status == 200, f"{status} {body}")
    got = np.array(body["outputs"][0]["data"], np.float32).reshape(5, 10)
    diff = float(np.abs(got - expected).max())
    check(diff <= 1e-5, f"the answers differ from PyTorch's by {diff}")
    status, _, meta = request(port, "GET", "/v2/models/mlp")
    check(meta["platform"] == "pytorch_torchscript", meta)
    print(f"TorchScript MLP: the largest difference from PyTorch's forward is {diff:.2e}")


def malformed(port):
    image = np.zeros((1, 28, 28), np.float32)
    good = infer_body("image", image)
    cases = [
        (infer_body("image", np.zeros((1, 27, 28), np.float32)), 400, "inputs[0].shape: this model takes [-1, 28, 28]"),
        (infer_body("image", np.zeros((1, 28, 28), np.int64), "INT64"), 400, "inputs[0].datatype: this model takes FP32"),
        (good.replace("0.0", "NaN", 1), 400, "the body: "),
        (good[: len(good) // 2], 400, "the body: "),
        ('{"inputs":[{"name":"image","shape":[1],"datatype":"FP32","data":' + "[" * 500000, 400, "deeper"),
        (json.dumps({"inputs": [{"name": "image", "shape": [1, 28, 28], "datatype": "FP32",
                                 "data": [[["1"] * 28] * 28]}]}), 400, "inputs[0].data[0][0][0]: not a number"),
        ("{}", 400, "inputs: missing"),
    ]
    # 10 MB of nesting, over --max-body-mb 1: 413 as soon as the headers are
    # read (as curl sees it, sending Expect: 100-continue before a large body).
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw:
        raw.sendall(b"POST /v2/models/fm/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % (10 << 20) + b"[" * 65536)
        answer = b""
        while b"}" not in answer:
            chunk = raw.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n", 1)[0]
    check(head.startswith(b"HTTP/1.1 413") and b"--max-body-mb" in answer, f"10 MB body: {answer[:300]!r}")
    print(f"  413: {answer.split(b'{', 1)[-1][:110].decode()}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for body, want, says in cases:
        try:
            status, _, answer = request(port, "POST", "/v2/models/fm/infer", body)
        except (ConnectionError, http.client.HTTPException) as e:
            sys.exit(f"serve_client: {body[:60]!r}: the connection failed: {e}")
        message = answer.get("error", "") if isinstance(answer, dict) else str(answer)
        check(status == want and says in message, f"{body[:60]!r}: {status} {message[:200]!r}, not {want} with {says!r}")
        print(f"  {status}: {message[:110]}")
        # The server goes on: the next request on a kept-alive connection is answered.
        status, _, answer = request(port, "POST", "/v2/models/fm/infer", good, conn)
        check(status == 200, f"after {body[:40]!r} a good request got {status} {answer}")


def drain(port, server_pid):
    image = np.zeros((2, 28, 28), np.float32)
    body = infer_body("image", image)
    counts = {"200": 0, "503": 0, "other": 0, "errors_before": 0, "errors_after": 0}
    lock = threading.Lock()
    term_at = [None]
    stop = threading.Event()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            sent = time.monotonic()
            try:
                conn.request("POST", "/v2/models/fm/infer", body=body)
                r = conn.getresponse()
                r.read()
                key = str(r.status) if r.status in (200, 503) else "other"
                if r.status == 503:
                    check(r.getheader("Retry-After") == "1", "a 503 without Retry-After")
                with lock:
                    counts[key] += 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except (ConnectionError, http.client.HTTPException, OSError):
                with lock:
                    # A request sent before the SIGTERM must have been answered.
                    late = term_at[0] is not None and sent >= term_at[0]
                    counts["errors_after" if late else "errors_before"] += 1
                conn.close()
                if term_at[0] is not None:
                    return  # the server is going away
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    threads = [threading.Thread(target=client) for _ in range(8)]
    [t.start() for t in threads]
    time.sleep(1.5)
    term_at[0] = time.monotonic()
    os.kill(server_pid, signal.SIGTERM)
    time.sleep(0.05)
    try:
        ready = request(port, "GET", "/v2/health/ready")[0]
    except OSError:
        ready = "gone (nothing was in flight)"
    time.sleep(1.0)
    stop.set()
    [t.join() for t in threads]
    print(f"  {counts}; readiness after SIGTERM: {ready}")
    check(counts["200"] > 20, f"too few answers under load: {counts}")
    check(counts["other"] == 0 and counts["errors_before"] == 0, f"requests failed: {counts}")
    # (Readiness is checked while a request runs: ready-while-draining.)


def ready_while_draining(port, server_pid):
    """A 2,048-row request is running when SIGTERM comes: readiness is 503 at
    once, a new inference request 503 with Retry-After, and the running one
    is answered 200."""
    x = np.random.default_rng(5).random((2048, 784), dtype=np.float32)
    result = {}

    def big():
        result["status"] = request(port, "POST", "/v2/models/mlp/infer", infer_body("x", x))[0]

    worker = threading.Thread(target=big)
    worker.start()
    for _ in range(600):  # until it has been read: in flight beside this metrics request
        metrics = request(port, "GET", "/metrics")[2]
        if "cohort_serve_in_flight 2" in metrics:
            break
        time.sleep(0.01)
    else:
        sys.exit("serve_client: the large request was never seen in flight")
    os.kill(server_pid, signal.SIGTERM)
    time.sleep(0.02)
    ready = request(port, "GET", "/v2/health/ready")
    late = request(port, "POST", "/v2/models/mlp/infer", infer_body("x", x[:1]))
    worker.join()
    print(f"  readiness {ready[0]}, a new request {late[0]} (Retry-After {late[1].get('Retry-After')}), "
          f"the running one {result.get('status')}")
    check(ready[0] == 503 and ready[2] == {"ready": False}, f"readiness while draining: {ready}")
    check(late[0] == 503 and late[1].get("Retry-After") == "1", f"a request while draining: {late[:1]}")
    check(result.get("status") == 200, f"the request running at SIGTERM: {result}")


def load(port, stop_file, v1_pt, v2_pt, v2_share=None):
    """4 keep-alive clients until STOP_FILE exists (or 600 answers, with
    V2_SHARE); then: every answer 200, both versions seen (in the
    Cohort-Model-Version header), each answer equal to PyTorch's forward of
    the version it names, and version 2's share of the answers within 0.07
    of V2_SHARE when given."""
    x = np.random.default_rng(7).random((2, 784), dtype=np.float32)
    expected = {}
    for version, pt in (("1", v1_pt), ("2", v2_pt)):
        with torch.no_grad():
            expected[version] = torch.jit.load(pt).eval()(torch.from_numpy(x)).numpy()
    body = infer_body("x", x)
    seen, bad, lock = {}, [], threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not os.path.exists(stop_file) and (v2_share is None or sum(seen.values()) < 600):
            try:
                status, headers, answer = request(port, "POST", "/v2/models/mlp/infer", body, conn)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    bad.append(f"connection: {e}")
                return
            version = headers.get("Cohort-Model-Version")
            with lock:
                if not seen:
                    open(stop_file + ".started", "w").close()  # the caller may move the alias now
                seen[version] = seen.get(version, 0) + 1
                if status != 200:
                    bad.append(f"{status} {answer}")
                elif version not in expected or answer.get("model_version") != version:
                    bad.append(f"version {version} / {answer.get('model_version')}")
                else:
                    got = np.array(answer["outputs"][0]["data"], np.float32).reshape(2, 10)
                    if float(np.abs(got - expected[version]).max()) > 1e-5:
                        bad.append(f"version {version}'s answer differs from its model's")

    threads = [threading.Thread(target=client) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(f"  answers by version: {seen}; problems: {len(bad)}")
    check(not bad, f"{bad[:5]}")
    check(seen.get("1", 0) > 0 and seen.get("2", 0) > 0, f"not both versions answered: {seen}")
    if v2_share is not None:
        share = seen["2"] / sum(seen.values())
        print(f"  version 2 answered {share:.3f} of the requests (asked: {v2_share})")
        check(abs(share - v2_share) <= 0.07, f"version 2's share {share:.3f}, not about {v2_share}")


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "example":
        example(port, sys.argv[3], sys.argv[4], sys.argv[5])
    elif mode == "torchscript":
        torchscript(port, sys.argv[3])
    elif mode == "malformed":
        malformed(port)
    elif mode == "drain":
        drain(port, int(sys.argv[3]))
    elif mode == "load":
        load(port, sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]) if len(sys.argv) > 6 else None)
    elif mode == "ready-while-draining":
        ready_while_draining(port, int(sys.argv[3]))
    print("serve_client: ok")
