"""Peer B: Flask under gunicorn, one forward pass per request, the classic
scoring server of MLflow's and Azure ML's images.

  gunicorn --chdir bench/serve peer_flask:app  (PEER_KIND, PEER_MODEL, PEER_NAME)"""
import os

import torch
from flask import Flask, jsonify, request

import models

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
net = models.load(os.environ["PEER_KIND"], os.environ["PEER_MODEL"])
NAME = os.environ.get("PEER_NAME", "model")
app = Flask(__name__)


@app.post("/v2/models/<name>/infer")
def infer(name):
    with torch.no_grad():
        return jsonify(models.answer(NAME, net(models.input_of(request.get_json()))))


@app.get("/v2/health/ready")
def ready():
    return {"ready": True}
