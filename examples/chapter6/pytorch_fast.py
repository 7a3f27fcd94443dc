#!/usr/bin/env python3
"""PyTorch side of examples/chapter6/fast.lua: the same net, init and schedule.

Trains on Fashion-MNIST (the IDX files cnngen reads) and prints, per epoch,
the training cost, the seconds of training (the test set's evaluation not
included, as in cnngen's table) and the test accuracy; then the total.

    python3 examples/chapter6/pytorch_fast.py [--threads 2] [--seed 1]

Needs PyTorch (Debian: apt-get install python3-torch, and libopenblas0-openmp
for a BLAS faster than the reference one); no make target runs it.
docs/chapter6.md has both sides as measured.
"""
import argparse, gzip, math, os, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# where cnngen finds "fashion-mnist" (runtime/dataset.h)
DATA = os.path.join(os.environ.get("CNNGEN_DATASETS_DIR", "/usr/share/datasets"), "fashion-mnist")


def idx(path):
    """an IDX file, plain or with .gz (the plain one first, as cnngen)"""
    if os.path.exists(path):
        with open(path, "rb") as f:
            raw = f.read()
    else:
        with gzip.open(path + ".gz", "rb") as f:
            raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(d, part):
    x = idx(os.path.join(d, f"{part}-images-idx3-ubyte")).astype(np.float32) / 255.0
    y = idx(os.path.join(d, f"{part}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


class Net(nn.Module):
    """fast.lua: conv 20@5x5 relu, maxpool 2, conv 40@5x5 relu, maxpool 2, dense 200 relu, dense 10 softmax"""

    def __init__(self, maps1, maps2, units):
        super().__init__()
        self.conv1 = nn.Conv2d(1, maps1, 5)
        self.conv2 = nn.Conv2d(maps1, maps2, 5)
        self.fc1 = nn.Linear(maps2 * 4 * 4, units)
        self.fc2 = nn.Linear(units, 10)
        # cnngen's init: weights N(0, 2/fan_in) in relu layers, N(0, 1/fan_in)
        # in the softmax layer; biases 0 in relu layers, N(0, 1) in softmax
        for layer, relu in ((self.conv1, 1), (self.conv2, 1), (self.fc1, 1), (self.fc2, 0)):
            fan_in = layer.weight[0].numel()
            nn.init.normal_(layer.weight, 0.0, math.sqrt((2.0 if relu else 1.0) / fan_in))
            if relu:
                nn.init.zeros_(layer.bias)
            else:
                nn.init.normal_(layer.bias, 0.0, 1.0)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)              # logits: cross_entropy is softmax + log-likelihood


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        right = sum((net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                    for i in range(0, len(x), 1000))
    net.train()
    return right / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--l2", type=float, default=30.0, help="cnngen's lambda (Nielsen's): weight decay lambda/n")
    ap.add_argument("--schedule", default="8:0.04,3:0.004", help="EPOCHS:ETA,... the stages, momentum at rest at each")
    ap.add_argument("--maps", default="20,40,200", help="conv maps, conv maps, dense units")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    n = len(xtr)
    net = Net(*map(int, a.maps.split(",")))
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    # cnngen's step: v <- mu v - eta (g + (lambda/n) w), w <- w + v (biases: no
    # decay); PyTorch's SGD: b <- mu b + (g + wd w), w <- w - lr b: the same
    # step with v = -lr b, lr = eta, wd = lambda/n
    wd = a.l2 / n
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{sum(p.numel() for p in net.parameters())} parameters; batch {a.batch}, "
          f"momentum {a.momentum}, l2 {a.l2} (weight decay {wd:.3g}), schedule {a.schedule}, seed {a.seed}")
    total, epoch = 0.0, 0
    for stage in a.schedule.split(","):
        epochs, eta = stage.split(":")
        opt = torch.optim.SGD([{"params": weights, "weight_decay": wd},
                               {"params": biases, "weight_decay": 0.0}],
                              lr=float(eta), momentum=a.momentum)
        for _ in range(int(epochs)):
            epoch += 1
            t0 = time.perf_counter()
            order = torch.randperm(n)
            cost = 0.0
            for i in range(0, n, a.batch):
                j = order[i:i + a.batch]
                loss = F.cross_entropy(net(xtr[j]), ytr[j])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                cost += loss.item() * len(j)
            secs = time.perf_counter() - t0
            total += secs
            print(f"epoch {epoch}  eta {float(eta):g}  cost {cost / n:.4f}  "
                  f"test accuracy {100 * accuracy(net, xte, yte):.2f}%  {secs:.1f} s  {n / secs:.0f} samples/s",
                  flush=True)
    print(f"RESULT pytorch acc {100 * accuracy(net, xte, yte):.2f}% train {total:.1f} s")


if __name__ == "__main__":
    main()
