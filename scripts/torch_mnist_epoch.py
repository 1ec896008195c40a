#!/usr/bin/env python3
"""PyTorch's side of the README's Fashion-MNIST epoch comparison: the recipe of examples/mnist.cpp
(Adam 1e-3, batch 128, pixels / 255, cross entropy, shuffled, 468 full batches) on 2 threads, timing
the training steps only, like `mnist` does. Run it with OpenBLAS:

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp python3 scripts/torch_mnist_epoch.py [mlp|cnn]
"""
import gzip
import sys
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    model_name = sys.argv[1] if len(sys.argv) > 1 else "mlp"
    if model_name not in ("mlp", "cnn"):
        sys.exit("usage: torch_mnist_epoch.py [mlp|cnn]")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    images = torch.from_numpy(idx(f"{DATA}/train-images-idx3-ubyte.gz", 16).astype(np.float32) / 255.0)
    labels = torch.from_numpy(idx(f"{DATA}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    nn = torch.nn
    if model_name == "mlp":
        images = images.reshape(-1, 784)
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        images = images.reshape(-1, 1, 28, 28)
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(images.shape[0])
    steps = images.shape[0] // 128
    start = time.perf_counter()
    for s in range(steps):
        batch = order[s * 128:(s + 1) * 128]
        loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"torch {model_name}: {steps} steps in {time.perf_counter() - start:.2f} s, last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
