#!/usr/bin/python3
"""Checks a cohort data set with h5py (Debian's python3-h5py), independently of cohort:
every shard named in index.json opens, has the size and checksum listed (XXH3-128
recomputed with python3-xxhash, or SHA-256 with hashlib), and holds
one dataset per column with the listed dtype and shape; the concatenated rows
equal the source arrays (--npy NAME=FILE, --idx NAME=FILE[.gz]).

    check_shards.py DATASET_DIR [--npy NAME=FILE ...] [--idx NAME=FILE ...]
"""
import argparse
import gzip
import hashlib
import json
import os
import sys

import h5py
import numpy as np
import xxhash


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--npy", action="append", default=[])
    parser.add_argument("--idx", action="append", default=[])
    args = parser.parse_args()
    sources = {}
    for spec in args.npy:
        name, path = spec.split("=", 1)
        sources[name] = np.load(path)
    for spec in args.idx:
        name, path = spec.split("=", 1)
        sources[name] = read_idx(path)

    with open(os.path.join(args.dataset, "index.json")) as f:
        index = json.load(f)
    assert index["format"] == "cohort-dataset" and index["version"] == 1, index
    columns = index["columns"]
    assert sorted(c["name"] for c in columns) == sorted(sources), (columns, list(sources))
    parts = {c["name"]: [] for c in columns}
    for shard in index["shards"]:
        path = os.path.join(args.dataset, shard["file"])
        with open(path, "rb") as f:
            data = f.read()
        assert len(data) == shard["bytes"], (path, len(data), shard["bytes"])
        if "xxh128" in shard:
            assert xxhash.xxh3_128_hexdigest(data) == shard["xxh128"], path
        else:
            assert hashlib.sha256(data).hexdigest() == shard["sha256"], path
        with h5py.File(path, "r") as h5:
            assert sorted(h5.keys()) == sorted(parts), (path, list(h5.keys()))
            for c in columns:
                d = h5[c["name"]]
                assert d.dtype == np.dtype(c["dtype"]), (path, c, d.dtype)
                assert list(d.shape) == [shard["samples"]] + c["shape"], (path, c, d.shape)
                assert d.chunks is not None, (path, c["name"], "not chunked")
                parts[c["name"]].append(d[()])
    total = 0
    for c in columns:
        joined = np.concatenate(parts[c["name"]])
        total = len(joined)
        assert np.array_equal(joined, sources[c["name"]]), c["name"] + " differs from its source"
    assert total == index["samples"], (total, index["samples"])
    print("check_shards: %s: %d shards, %d samples, columns %s: h5py reads them and they match" % (
        args.dataset, len(index["shards"]), total, ", ".join(c["name"] for c in columns)))


if __name__ == "__main__":
    sys.exit(main())
