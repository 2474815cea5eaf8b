"""The benchmark's two models, the same weights for cohort and the peers:

  mlp      the 784-2048-2048-10 MLP, TorchScript (model.pt), input "x" FP32 [N, 784]
  convnet  examples/fashion_mnist's ConvNet with weights.h5 of a short run,
           input "image" FP32 [N, 28, 28] (pixels 0-255, normalised inside)

load(kind, folder) -> a torch module for the peers (eval, no grad)."""
import json
import os

import h5py
import torch


class ConvNet(torch.nn.Module):
    """examples/fashion_mnist/conv_net.cc in PyTorch, with the example's normalisation."""

    def __init__(self, conv1, conv2, hidden):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, conv1, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(conv1, conv2, 5, padding=2)
        self.fc1 = torch.nn.Linear(conv2 * 7 * 7, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, images):
        x = ((images / 255 - 0.2860) / 0.3530).unsqueeze(1)
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


def load(kind, folder):
    if kind == "mlp":
        net = torch.jit.load(os.path.join(folder, "model.pt"))
    else:
        config = json.load(open(os.path.join(folder, "model.json")))["config"]
        net = ConvNet(config["conv1"], config["conv2"], config["hidden"])
        with h5py.File(os.path.join(folder, "weights.h5"), "r") as f:
            net.load_state_dict({k: torch.from_numpy(f[k][...]) for k in f}, strict=True)
    return net.eval()


def input_of(request):
    """The first input of an Open Inference Protocol request as a tensor."""
    first = request["inputs"][0]
    return torch.tensor(first["data"], dtype=torch.float32).reshape(first["shape"])


def answer(name, output):
    return {"model_name": name, "outputs": [{"name": "output0", "shape": list(output.shape),
                                             "datatype": "FP32", "data": output.reshape(-1).tolist()}]}
