#!/usr/bin/env python3
"""The PyTorch peer of bench_ddp_step: the same training step under
torch.nn.parallel.DistributedDataParallel over gloo.

    /usr/bin/python3 bench/ddp_step_torch.py --ranks 2 [--warmup W] [--blocks B] [--steps K]

Same model (784-2048-2048-10, ReLU), batch 128 per rank, SGD (lr 0.01,
momentum 0.9), cross-entropy on random data drawn once per rank, one thread per
rank, same timing scheme as bench_ddp_step: B blocks of K steps after W warm-up
steps, a block's samples/s = ranks x batch x K / the slowest rank's time, the
median over blocks reported. The ranks are processes started with
torch.multiprocessing on 127.0.0.1. With --ranks 1 the model is trained
without DDP (plain single-process training, PyTorch's fastest 1-rank figure).
With --zero the optimizer is torch.distributed.optim.ZeroRedundancyOptimizer
over the same SGD: each rank updates its shard of the parameters and
broadcasts it, PyTorch's counterpart of cohort's shared parameters.
Rank 0 prints a human line and a line starting "RESULT" that
run_ddp_step.sh reads.

Across hosts (bench/run_ddp_netns.sh): one process per host with
--rank R --world W --master ADDR:PORT (gloo over TCP to ADDR). --hidden sets
the two hidden layers' width (2048: 5.8 M parameters; 4608: 25 M), and
--hook fp16 / powersgd registers DDP's fp16_compress_hook or powerSGD_hook
(rank 1, PyTorch's default; compression from step 2 rather than 10, so that
the timed steps are compressed ones; without error feedback, which aborts
over gloo in torch 1.13).
"""
import argparse
import os
import socket
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402

BATCH = 128  # per rank
INPUTS, CLASSES = 784, 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slowest(seconds, world):
    """The largest of every rank's `seconds`."""
    if world == 1:
        return seconds
    t = torch.tensor([seconds], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t.item()


def barrier(world):
    if world > 1:
        dist.barrier()


def register_hook(model, hook):
    """DDP's communication hook named `hook` (None: plain float32 allreduce)."""
    if hook == "fp16":
        from torch.distributed.algorithms.ddp_comm_hooks import default_hooks
        model.register_comm_hook(None, default_hooks.fp16_compress_hook)
    elif hook == "powersgd":
        from torch.distributed.algorithms.ddp_comm_hooks import powerSGD_hook
        # Without error feedback: with it (the default), Debian's torch 1.13 over
        # gloo aborts in the first compressed step ("enforce fail at
        # gloo/transport/tcp/pair.cc:510 op.preamble.length <= op.nbytes").
        state = powerSGD_hook.PowerSGDState(process_group=None, matrix_approximation_rank=1,
                                            start_powerSGD_iter=2, use_error_feedback=False)
        model.register_comm_hook(state, powerSGD_hook.powerSGD_hook)


def train(rank, world, master, args):
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://{master}", rank=rank,
                                world_size=world)
    torch.manual_seed(0)  # DDP broadcasts rank 0's weights anyway
    hidden = args.hidden
    net = nn.Sequential(nn.Linear(INPUTS, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                        nn.Linear(hidden, CLASSES))
    model = DistributedDataParallel(net) if world > 1 else net
    if world > 1:
        register_hook(model, args.hook)
    if args.zero and world > 1:
        from torch.distributed.optim import ZeroRedundancyOptimizer
        opt = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.SGD, lr=0.01,
                                      momentum=0.9)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    # Synthetic data, different on each rank and fixed for the whole run.
    torch.manual_seed(1000 + rank)
    inputs = torch.randn(BATCH, INPUTS)
    labels = torch.randint(CLASSES, (BATCH,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        opt.step()
        return loss.item()

    first_loss = step()
    for _ in range(args.warmup - 1):
        step()

    rates = []
    last_loss = 0.0
    for _ in range(args.blocks):
        barrier(world)
        start = time.perf_counter()
        for _ in range(args.steps):
            last_loss = step()
        rates.append(world * BATCH * args.steps / slowest(time.perf_counter() - start, world))

    # The replicas must agree after training, or the figure means nothing.
    with torch.no_grad():
        checksum = sum(p.double().sum() for p in net.parameters()).reshape(1)
    if world > 1:
        low, high = checksum.clone(), checksum.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        if low.item() != high.item():
            raise RuntimeError(f"replicas diverged: parameter sums {low.item()} .. {high.item()}")

    if rank == 0:
        rate = statistics.median(rates)
        kind = ("DDP (gloo) + ZeRO" if args.zero else "DDP (gloo)") if world > 1 else "no DDP"
        if args.hook:
            kind += f" + {args.hook} hook"
        print(f"PyTorch {kind}: {world} rank(s), {rate:.1f} samples/s (median of {args.blocks} "
              f"blocks of {args.steps} steps), loss {first_loss:.4f} -> {last_loss:.4f}")
        print(f"RESULT impl=torch ranks={world} samples_per_s={rate:.2f}", flush=True)
    if world > 1:
        # Leave without tearing DDP down: in PyTorch 1.13 the destructor of
        # DDP's reducer can deadlock (it joins a gloo thread that waits for
        # the GIL the destructor holds). Every rank has finished its
        # collectives once it passes this barrier.
        dist.barrier()
        sys.stdout.flush()
        os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6, help="steps per timed block")
    parser.add_argument("--zero", action="store_true",
                        help="shard the optimizer with ZeroRedundancyOptimizer")
    parser.add_argument("--hidden", type=int, default=2048, help="width of both hidden layers")
    parser.add_argument("--hook", choices=["fp16", "powersgd"],
                        help="DDP communication hook: fp16_compress_hook or powerSGD_hook")
    parser.add_argument("--rank", type=int, help="this process's rank (one process per host)")
    parser.add_argument("--world", type=int, help="with --rank: the number of processes")
    parser.add_argument("--master", help="with --rank: ADDR:PORT of rank 0's rendezvous")
    args = parser.parse_args()
    if args.rank is not None:
        if args.world is None or args.master is None:
            parser.error("--rank needs --world and --master")
        train(args.rank, args.world, args.master, args)
    elif args.ranks == 1:
        train(0, 1, "", args)
    else:
        master = f"127.0.0.1:{free_port()}"
        mp.spawn(train, args=(args.ranks, master, args), nprocs=args.ranks, join=True)


if __name__ == "__main__":
    main()
