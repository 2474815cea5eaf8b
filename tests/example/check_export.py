"""Loads the example's exported model (OUTPUTS/model/weights.h5 and
model.json) with h5py into the same network written in PyTorch, classifies
Fashion-MNIST's 10,000 test images read from the idx files, and compares the
classes with the C++ model's (--predictions). Nothing of cohort is used.

    check_export.py MODEL_DIR PREDICTIONS IDX_DIR
"""
import gzip
import json
import sys

import h5py
import numpy as np
import torch
from torch import nn


class ConvNet(nn.Module):
    """runtime/cohort/models/conv_net.cc, in PyTorch."""

    def __init__(self, conv1, conv2, hidden):
        super().__init__()
        self.conv1 = nn.Conv2d(1, conv1, 5, padding=2)
        self.conv2 = nn.Conv2d(conv1, conv2, 5, padding=2)
        self.fc1 = nn.Linear(conv2 * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, 1, rows, cols)


def main():
    model_dir, predictions_path, idx_dir = sys.argv[1:4]
    card = json.load(open(f"{model_dir}/model.json"))
    with h5py.File(f"{model_dir}/weights.h5", "r") as f:
        state = {name: torch.from_numpy(f[name][...]) for name in f}
    for t in card["tensors"]:
        assert list(state[t["name"]].shape) == t["shape"], t
    config = card["config"]  # the options the model was trained with (--conv1, --conv2, --hidden)
    net = ConvNet(config["conv1"], config["conv2"], config["hidden"])  # dropout: none in eval
    net.load_state_dict(state, strict=True)  # every name and shape must match
    net.eval()
    images = torch.from_numpy(idx_images(f"{idx_dir}/t10k-images-idx3-ubyte.gz").copy())
    x = (images.float() / 255 - 0.2860) / 0.3530
    torch.set_num_threads(1)
    with torch.no_grad():
        ours = torch.cat([net(x[i:i + 500]).argmax(1) for i in range(0, len(x), 500)]).numpy()
    theirs = np.loadtxt(predictions_path, dtype=np.int64)
    assert len(theirs) == len(ours), (len(theirs), len(ours))
    evaluated = theirs >= 0
    differing = int((ours[evaluated] != theirs[evaluated]).sum())
    print(f"check_export: {card['architecture']}, test accuracy {card['metrics']['test_accuracy']:.4f}; "
          f"{differing} of {int(evaluated.sum())} predictions differ")
    if evaluated.sum() < 9900 or differing:
        sys.exit(1)


main()
