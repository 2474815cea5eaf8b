"""A PyTorch DDP script as users write it for torchrun, unchanged: the
env:// rendezvous (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE) and LOCAL_RANK.
Under cohortrun every rank trains one step of a linear model on its own batch
and checks that the averaged gradient and the updated weights are those a
single process computes from every rank's batch.

    cohortrun --procs-per-node 2 -- python3 torch_ddp.py
"""
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def batch(rank):
    g = torch.Generator().manual_seed(100 + rank)
    return torch.randn(8, 5, generator=g), torch.randn(8, 1, generator=g)


def main():
    dist.init_process_group("gloo")  # env://, as under torchrun
    rank, world = dist.get_rank(), dist.get_world_size()
    assert rank == int(os.environ["RANK"]) and world == int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    assert 0 <= local_rank < int(os.environ["LOCAL_WORLD_SIZE"])

    torch.manual_seed(rank)  # different initial weights: DDP must broadcast rank 0's
    model = DistributedDataParallel(torch.nn.Linear(5, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = batch(rank)
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()

    torch.manual_seed(0)
    reference = torch.nn.Linear(5, 1)
    grads = []
    for r in range(world):
        reference.zero_grad()
        xr, yr = batch(r)
        torch.nn.functional.mse_loss(reference(xr), yr).backward()
        grads.append([p.grad.clone() for p in reference.parameters()])
    with torch.no_grad():
        for i, p in enumerate(reference.parameters()):
            p -= 0.1 * sum(g[i] for g in grads) / world
    for got, want in zip(model.module.parameters(), reference.parameters()):
        assert torch.allclose(got, want, atol=1e-6), (got, want)
    print(f"rank {rank} of {world} (local {local_rank}): torch DDP step ok via "
          f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
