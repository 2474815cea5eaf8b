#!/usr/bin/python3
"""cohort-model containerize beside umoci, on the same files, in the same run
(bench/README.md, "Images").

  cohort   cohort-model containerize: finds the server's libraries (ldd), exports
           the version from the registry, writes both layers, config, manifest
  umoci    umoci (Debian), the daemonless OCI tool: umoci new, then umoci insert of
           the same server files and the same model files as two layers, then
           umoci config with the same command line (the files staged beforehand,
           not timed: only the packing is)

The model is the benchmark's TorchScript 784-2048-2048-10 MLP, in two versions.
Rows (written as they are measured; a rerun skips rows already there):

  first      a build into a new folder: seconds, compressed and unpacked MB
  again      the same inputs into another new folder: is the digest the same?
  next       version 2 into the first folder: seconds (what a new version costs)

Needs root (umoci unpack stages the files from our image's root).

  run_image.py BUILD_DIR [--csv bench/results/image.csv]
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
FIELDS = ["tool", "step", "seconds", "compressed_mb", "unpacked_mb", "same_digest", "digest"]


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


def timed(argvs):
    start = time.monotonic()
    for argv in argvs:
        run(argv)
    return time.monotonic() - start


def layout_sizes(layout, tag):
    index = json.load(open(os.path.join(layout, "index.json")))
    entry = next(m for m in index["manifests"]
                 if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    blob = lambda d: os.path.join(layout, "blobs", *d.split(":", 1))  # noqa: E731
    manifest = json.load(open(blob(entry["digest"])))
    compressed = entry["size"] + manifest["config"]["size"] + sum(l["size"] for l in manifest["layers"])
    return entry["digest"], compressed / 1e6


def tree_mb(path):
    total = 0
    for folder, _, files in os.walk(path):
        for f in files:
            p = os.path.join(folder, f)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
    return total / 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--csv", default=os.path.join(ROOT, "bench/results/image.csv"))
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    done = set()
    if os.path.exists(args.csv):
        done = {(r["tool"], r["step"]) for r in csv.DictReader(open(args.csv))}
    out = open(args.csv, "a", newline="")
    writer = csv.DictWriter(out, FIELDS)
    if not done:
        writer.writeheader()

    def row(**r):
        if (r["tool"], r["step"]) in done:
            return
        writer.writerow(r)
        out.flush()
        print(r, flush=True)

    work = tempfile.mkdtemp(prefix="cohort_image_bench.")
    os.chdir(work)
    registry = os.path.join(work, "registry")
    model = [os.path.join(build, "bin/cohort-model"), "--registry", registry]
    for v in (1, 2):
        folder = f"mlp{v}/outputs/model"
        os.makedirs(folder)
        run([PY, "-c", f"""
import json, torch
torch.manual_seed({v})
net = torch.nn.Sequential(torch.nn.Linear(784, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                          torch.nn.ReLU(), torch.nn.Linear(2048, 10)).eval()
torch.jit.save(torch.jit.script(net), "{folder}/model.pt")
json.dump({{"architecture": "mlp-784-2048-2048-10", "framework": "torchscript"}}, open("{folder}/model.json", "w"))
"""])
        run(model + ["register", "mlp", "--from", f"mlp{v}/outputs"])

    # cohort
    built = json.loads(run(model + ["--json", "containerize", "mlp:1", "--to", "ours"]))
    row(tool="cohort", step="first", seconds=round(built["seconds"], 2),
        compressed_mb=round(built["compressed_bytes"] / 1e6, 1), unpacked_mb=round(built["unpacked_bytes"] / 1e6, 1),
        same_digest="", digest=built["manifest_digest"])
    again = json.loads(run(model + ["--json", "containerize", "mlp:1", "--to", "ours-again"]))
    row(tool="cohort", step="again", seconds=round(again["seconds"], 2), compressed_mb="", unpacked_mb="",
        same_digest=again["manifest_digest"] == built["manifest_digest"], digest=again["manifest_digest"])
    nxt = json.loads(run(model + ["--json", "containerize", "mlp:2", "--to", "ours"]))
    row(tool="cohort", step="next", seconds=round(nxt["seconds"], 2),
        compressed_mb=round(nxt["compressed_bytes"] / 1e6, 1), unpacked_mb=round(nxt["unpacked_bytes"] / 1e6, 1),
        same_digest="", digest=nxt["manifest_digest"])

    # umoci, on the same files: our image's root, unpacked, split into the
    # server's files and the model's registry (staged, not timed).
    run(["umoci", "unpack", "--image", "ours-again:mlp-1", "bundle"])
    rootfs = os.path.join(work, "bundle/rootfs")
    shutil.move(os.path.join(rootfs, "registry"), "registry1")
    run(model + ["containerize", "mlp:2", "--to", "ours-2"])
    run(["umoci", "unpack", "--image", "ours-2:mlp-2", "bundle2"])
    config = json.load(open(os.path.join(work, "ours/blobs/sha256",
                                         json.load(open(os.path.join(work, "ours/blobs/sha256",
                                                                     json.load(open("ours/index.json"))["manifests"][0]["digest"][7:])))["config"]["digest"][7:])))["config"]
    config_flags = ["--config.user", config["User"], "--config.workingdir", config["WorkingDir"],
                    "--config.stopsignal", config["StopSignal"], "--config.exposedports", "8000/tcp"]
    for e in config["Env"]:
        config_flags += ["--config.env", e]
    for word in config["Entrypoint"]:
        config_flags += ["--config.entrypoint", word]

    def umoci_build(layout, version, registry_dir):
        steps = [["umoci", "init", "--layout", layout],
                 ["umoci", "new", "--image", f"{layout}:server"],
                 ["umoci", "insert", "--image", f"{layout}:server", rootfs, "/"],
                 ["umoci", "insert", "--image", f"{layout}:server", "--tag", f"mlp-{version}", registry_dir, "/registry"],
                 ["umoci", "config", "--image", f"{layout}:mlp-{version}"] + config_flags]
        return timed(steps)

    seconds = umoci_build("peer", 1, "registry1")
    digest, compressed = layout_sizes("peer", "mlp-1")
    row(tool="umoci", step="first", seconds=round(seconds, 2), compressed_mb=round(compressed, 1),
        unpacked_mb=round(tree_mb(rootfs) + tree_mb("registry1"), 1), same_digest="", digest=digest)
    seconds = umoci_build("peer-again", 1, "registry1")
    digest_again, _ = layout_sizes("peer-again", "mlp-1")
    row(tool="umoci", step="again", seconds=round(seconds, 2), compressed_mb="", unpacked_mb="",
        same_digest=digest_again == digest, digest=digest_again)
    start = time.monotonic()
    run(["umoci", "insert", "--image", "peer:server", "--tag", "mlp-2",
         os.path.join(work, "bundle2/rootfs/registry"), "/registry"])
    run(["umoci", "config", "--image", "peer:mlp-2"] + config_flags)
    seconds = time.monotonic() - start
    digest2, compressed2 = layout_sizes("peer", "mlp-2")
    row(tool="umoci", step="next", seconds=round(seconds, 2), compressed_mb=round(compressed2, 1), unpacked_mb="",
        same_digest="", digest=digest2)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
