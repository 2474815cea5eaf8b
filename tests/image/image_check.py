"""The image test's checks that need Python (check_containerize.sh):

  layout DIR                   every blob of the OCI layout DIR matches its descriptor
                               (sha256 and size), from index.json down; prints the
                               manifest digest
  run BUNDLE PORT              the command line, environment, user and folder of
                               umoci's runtime config BUNDLE/config.json, as a
                               chroot command (one word a line) with --host/--port
                               appended for the test, in a mount namespace of its
                               own with /proc and /dev mounted in the root, as a
                               container runtime mounts them
  infer PORT MODEL_PT VERSION SHA256
                               an infer request to the server on PORT: the answer
                               equals PyTorch's forward of MODEL_PT within 1e-5 and
                               names VERSION and SHA256 in its headers
"""
import hashlib
import http.client
import json
import os
import sys


def fail(message):
    print(f"image_check: FAILED: {message}")
    sys.exit(1)


def blob(layout, descriptor, media_type=None):
    digest, size = descriptor["digest"], descriptor["size"]
    if media_type and descriptor["mediaType"] != media_type:
        fail(f"{digest}: mediaType {descriptor['mediaType']}, not {media_type}")
    path = os.path.join(layout, "blobs", *digest.split(":", 1))
    data = open(path, "rb").read()
    if len(data) != size:
        fail(f"{digest}: {len(data)} bytes, the descriptor says {size}")
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        fail(f"{digest}: its bytes do not hash to its name")
    return data


def layout(directory):
    if json.load(open(os.path.join(directory, "oci-layout"))) != {"imageLayoutVersion": "1.0.0"}:
        fail("oci-layout")
    index = json.load(open(os.path.join(directory, "index.json")))
    [entry] = index["manifests"]
    manifest = json.loads(blob(directory, entry, "application/vnd.oci.image.manifest.v1+json"))
    config = json.loads(blob(directory, manifest["config"], "application/vnd.oci.image.config.v1+json"))
    for layer in manifest["layers"]:
        blob(directory, layer, "application/vnd.oci.image.layer.v1.tar+gzip")
    if len(config["rootfs"]["diff_ids"]) != len(manifest["layers"]):
        fail("the config's diff_ids do not match the manifest's layers")
    run = config["config"]
    if run["User"] != "65532:65532" or run["StopSignal"] != "SIGTERM" or "8000/tcp" not in run["ExposedPorts"]:
        fail(f"the run config: {run}")
    print(entry["digest"])


def run(bundle, port):
    process = json.load(open(os.path.join(bundle, "config.json")))["process"]
    user = process["user"]
    rootfs = os.path.join(bundle, "rootfs")
    mounts = 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec "$@"'
    words = ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", mounts, rootfs,
             "/usr/bin/env", "-i", *process["env"], "/usr/sbin/chroot", f"--userspec={user['uid']}:{user['gid']}",
             rootfs, *process["args"], "--host", "127.0.0.1", "--port", port]
    if process.get("cwd") not in ("/srv",):
        fail(f"the working folder is {process.get('cwd')}")
    print("\n".join(words))


def infer(port, model_pt, version, sha256):
    import numpy as np
    import torch
    x = np.random.default_rng(7).random((3, 784), dtype=np.float32)
    with torch.no_grad():
        expected = torch.jit.load(model_pt).eval()(torch.from_numpy(x)).numpy()
    body = json.dumps({"inputs": [{"name": "x", "shape": [3, 784], "datatype": "FP32",
                                   "data": x.ravel().tolist()}]})
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    conn.request("POST", "/v2/models/mlp/infer", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    answer = json.loads(r.read())
    if r.status != 200:
        fail(f"infer: {r.status} {answer}")
    got = np.array(answer["outputs"][0]["data"], np.float32).reshape(3, 10)
    diff = float(np.abs(got - expected).max())
    if diff > 1e-5:
        fail(f"the image's answers differ from PyTorch's by {diff}")
    if r.getheader("Cohort-Model-Version") != version or r.getheader("Cohort-Model-Sha256") != sha256:
        fail(f"headers: {r.getheaders()}")
    conn.request("GET", f"/v2/models/mlp/versions/{version}/lineage")
    r = conn.getresponse()
    lineage = json.loads(r.read())
    if r.status != 200 or lineage["model"]["version"] != int(version):
        fail(f"lineage: {r.status} {lineage}")
    print(f"the image answers as PyTorch does (largest difference {diff:.2e}), version {version}")


if __name__ == "__main__":
    {"layout": layout, "run": run, "infer": infer}[sys.argv[1]](*sys.argv[2:])
