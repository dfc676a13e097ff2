"""Trains Distillery's student network in PyTorch (CPU) on features exported by compare.ts.

Same network (sparse features densified per batch -> Linear(hidden) -> ReLU -> Linear(classes)),
same Glorot-uniform initialisation, same Adam learning rate, batch size, epochs and per-epoch
shuffling as core/ml/train-mlp.ts on hard labels. Prints one JSON line with the training time.

Usage: bench/.venv-torch/bin/python bench/pytorch/train.py <export folder>
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch


def load(folder: Path):
    meta = json.loads((folder / "meta.json").read_text())
    indptr = np.fromfile(folder / "indptr.i32", dtype=np.int32)
    indices = np.fromfile(folder / "indices.i32", dtype=np.int32)
    values = np.fromfile(folder / "values.f32", dtype=np.float32)
    labels = np.fromfile(folder / "labels.i32", dtype=np.int32)
    orders = np.fromfile(folder / "orders.i32", dtype=np.int32).reshape(meta["epochs"], -1)
    return meta, indptr, indices, values, labels, orders


def densify(rows, indptr, indices, values, inputs):
    batch = np.zeros((len(rows), inputs), dtype=np.float32)
    for i, r in enumerate(rows):
        start, end = indptr[r], indptr[r + 1]
        batch[i, indices[start:end]] = values[start:end]
    return torch.from_numpy(batch)


def main() -> None:
    folder = Path(sys.argv[1])
    meta, indptr, indices, values, labels, orders = load(folder)
    torch.manual_seed(meta["seed"])
    model = torch.nn.Sequential(
        torch.nn.Linear(meta["inputs"], meta["hidden"]),
        torch.nn.ReLU(),
        torch.nn.Linear(meta["hidden"], meta["classes"]),
    )
    for layer in (model[0], model[2]):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=meta["learningRate"])
    loss_fn = torch.nn.CrossEntropyLoss()
    targets = torch.from_numpy(labels.astype(np.int64))
    batch_size = meta["batchSize"]
    started = time.perf_counter()
    losses = []
    for epoch in range(meta["epochs"]):
        order = orders[epoch]
        total = 0.0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            x = densify(rows, indptr, indices, values, meta["inputs"])
            optimizer.zero_grad()
            loss = loss_fn(model(x), targets[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / len(order))
    seconds = time.perf_counter() - started
    rows_trained = meta["epochs"] * len(labels)
    print(json.dumps({
        "seconds": seconds,
        "rowsPerSecond": rows_trained / seconds,
        "epochLosses": losses,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
