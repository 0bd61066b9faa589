#!/usr/bin/env python3
"""PyTorch CPU reference for the epoch times of examples/mnist-mlp and
examples/mnist-cnn: the same model, initialisation (Glorot uniform, zero biases,
as Keras and clnn), Adam (lr 1e-3, eps 1e-7), batch and data (Debian's
dataset-fashion-mnist, pixels scaled to [0, 1], shuffled every epoch).

Prints one line per epoch, "epoch E SECONDS loss LOSS", then
"test accuracy ACC". bench/epoch.sh runs it beside the clnn examples.
"""
import argparse
import gzip
import os
import struct
import time


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def load(torch, data_dir, prefix):
    dims, pixels = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"))
    _, labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"))
    x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).float().div_(255.0)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x.view(dims[0], 1, dims[1], dims[2]), y


def model_of(torch, name):
    nn = torch.nn
    if name == "mlp":
        layers = [nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)]
    else:
        layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
                  nn.Linear(64 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10)]
    model = nn.Sequential(*layers)
    for layer in model:
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["mlp", "cnn"])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load(torch, args.data, "train")
    tx, ty = load(torch, args.data, "t10k")
    model = model_of(torch, args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.functional.cross_entropy
    print("torch %s, %d threads, batch %d" % (torch.__version__, args.threads, args.batch))
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(x.shape[0])
        total, t0 = 0.0, time.perf_counter()
        for first in range(0, x.shape[0], args.batch):
            idx = order[first:first + args.batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.shape[0]
        seconds = time.perf_counter() - t0
        print("epoch %d %.2f s loss %.4f" % (epoch, seconds, total / x.shape[0]), flush=True)
    with torch.no_grad():
        predicted = torch.cat([model(tx[i:i + 1000]).argmax(1) for i in range(0, tx.shape[0], 1000)])
    print("test accuracy %.4f" % (predicted == ty).float().mean().item())


if __name__ == "__main__":
    main()
