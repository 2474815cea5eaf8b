"""The peer of bench_kernels --adamw: torch.optim.AdamW(fused=True) on the same
shapes (one 1e9-element tensor, or the 148 tensors of GPT-2 124M), float32,
same hyper-parameters; prints "RESULT shape=... ms=..." (median of 15 timed
steps after 2 warm-up steps, CUDA events), as bench_kernels does."""
import argparse

import torch


def gpt2_shapes():
    d, vocab, context = 768, 50257, 1024
    sizes = [vocab * d, context * d]
    for _ in range(12):
        sizes += [d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d]
    return sizes + [d, d]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shape", choices=["1b", "gpt2"])
    args = parser.parse_args()
    sizes = [1_000_000_000] if args.shape == "1b" else gpt2_shapes()
    params = [torch.randn(n, device="cuda").requires_grad_() for n in sizes]
    for p in params:
        p.grad = torch.randn_like(p)
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                            fused=True)
    for _ in range(2):
        opt.step()
    times = []
    for _ in range(15):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        opt.step()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    print(f"RESULT shape={args.shape} tensors={len(sizes)} ms={times[len(times) // 2]:.4f}")


if __name__ == "__main__":
    main()
