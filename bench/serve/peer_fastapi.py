"""Peer A: FastAPI on uvicorn with PyTorch and an asyncio dynamic batcher,
the design of TorchServe's and BentoML's batching: requests wait in an
asyncio queue, a batch task takes up to MAX_BATCH rows within MAX_DELAY_MS
of the first, runs one forward pass in a worker thread and answers each
request's future. /stats says how many batches and rows it ran.

  uvicorn --app-dir bench/serve peer_fastapi:app  (PEER_KIND, PEER_MODEL,
  PEER_NAME, PEER_MAX_BATCH, PEER_MAX_DELAY_MS from the environment)"""
import asyncio
import os

import torch
from fastapi import FastAPI, Request

import models

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
KIND, NAME = os.environ["PEER_KIND"], os.environ.get("PEER_NAME", "model")
MAX_BATCH = int(os.environ.get("PEER_MAX_BATCH", "32"))
MAX_DELAY = float(os.environ.get("PEER_MAX_DELAY_MS", "2")) / 1000
net = models.load(KIND, os.environ["PEER_MODEL"])
app = FastAPI()
queue: asyncio.Queue = asyncio.Queue()
stats = {"batches": 0, "rows": 0}


def forward(x):
    with torch.no_grad():
        return net(x)


async def batcher():
    loop = asyncio.get_running_loop()
    while True:
        items = [await queue.get()]
        rows = items[0][0].shape[0]
        deadline = loop.time() + MAX_DELAY
        while rows < MAX_BATCH:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                item = await asyncio.wait_for(queue.get(), timeout)
            except asyncio.TimeoutError:
                break
            items.append(item)
            rows += item[0].shape[0]
        x = torch.cat([x for x, _ in items])
        out = await loop.run_in_executor(None, forward, x)
        stats["batches"] += 1
        stats["rows"] += rows
        first = 0
        for x, future in items:
            future.set_result(out[first:first + x.shape[0]])
            first += x.shape[0]


@app.on_event("startup")
async def start():
    asyncio.get_running_loop().create_task(batcher())


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    x = models.input_of(await request.json())
    future = asyncio.get_running_loop().create_future()
    await queue.put((x, future))
    return models.answer(NAME, await future)


@app.get("/v2/health/ready")
async def ready():
    return {"ready": True}


@app.get("/stats")
async def get_stats():
    return stats
