#!/usr/bin/env python3
"""PyTorch CPU reference timings for clnn-bench.

Reads one case per line on stdin, "OP key=value ...", and prints "torch VERSION"
then one line per case in the same order: "ok FORWARD_MS FORWARD_BACKWARD_MS" (the
second is "nan" where there is no backward), or "error TEXT". Times are medians of
--repeat runs after a warm-up, with --threads CPU threads like clnn-bench's device.

ops: gemm (m, n, k), conv2d (n, c, h, w, k, kh, kw, stride, pad, groups),
maxpool2d (n, c, h, w, kernel, stride, pad), avgpool2d (same), lstm / gru / rnn
(t, n, input, hidden; one layer, sequence-major), attention (n, h, t, d:
matmul-softmax-matmul; with fused=1 F.scaled_dot_product_attention, PyTorch's own
fused kernel, or before PyTorch 2.0 the same in 256-query blocks recomputed in
backward, so the T x T scores are never all stored), layernorm (rows, features),
softmax (rows, features; over the last axis), conv_transpose2d (n, c, h, w, k, kh,
kw, stride, pad), train_mlp and train_cnn (n: one Adam training step of the seed
MLP 784-128-10 or the seed CNN of examples/mnist-cnn.c on a batch of n 28x28
images, sparse cross-entropy from logits; the step's time is the "forward"
figure, the second is nan).
"""
import argparse
import statistics
import sys
import time


def median_ms(fn, repeat):
    fn()  # warm-up: allocations, one-off dispatch
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def parse_case(line):
    """ "conv2d n=64 c=3" -> {"op": "conv2d", "n": 64, "c": 3} """
    words = line.split()
    case = {"op": words[0]}
    for word in words[1:]:
        key, value = word.split("=", 1)
        case[key] = int(value)
    return case


def training_pair(torch, forward):
    """(inference forward, forward + backward with dy = 1) for a forward closure."""
    def inference():
        with torch.no_grad():
            return forward()

    def train():
        y = forward()
        y.backward(torch.ones_like(y))
    return inference, train


def seed_model(torch, op):
    """The seed MLP or the seed CNN (examples/mnist-mlp.c, examples/mnist-cnn.c)."""
    nn = torch.nn
    if op == "train_mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(64 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10))


def train_step(torch, op, n, rand, g):
    """One Adam step on a batch of n images: the closure clnn-bench's train-step
    suite times beside clnn_model_train_on_batch."""
    model = seed_model(torch, op)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = rand(n, 1, 28, 28)
    y = torch.randint(0, 10, (n,), generator=g)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def make_case(torch, case):
    """Returns (forward, forward_backward or None) closures for one case."""
    op = case["op"]
    F = torch.nn.functional
    g = torch.Generator().manual_seed(0)

    def rand(*shape, grad=False):
        t = torch.rand(*shape, generator=g) * 2 - 1
        return t.requires_grad_(grad)

    if op == "gemm":
        a, b = rand(case["m"], case["k"]), rand(case["k"], case["n"])
        return (lambda: torch.mm(a, b)), None
    if op == "conv2d":
        x = rand(case["n"], case["c"], case["h"], case["w"], grad=True)
        groups = case.get("groups", 1)
        w = rand(case["k"], case["c"] // groups, case["kh"], case["kw"], grad=True)
        b = rand(case["k"], grad=True)
        return training_pair(torch, lambda: F.conv2d(x, w, b, stride=case["stride"],
                                                     padding=case["pad"], groups=groups))
    if op in ("maxpool2d", "avgpool2d"):
        x = rand(case["n"], case["c"], case["h"], case["w"], grad=True)
        pool = F.max_pool2d if op == "maxpool2d" else F.avg_pool2d
        return training_pair(torch, lambda: pool(x, case["kernel"], case["stride"], case["pad"]))
    if op in ("lstm", "gru", "rnn"):
        cell = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[op]
        layer = cell(case["input"], case["hidden"])
        x = rand(case["t"], case["n"], case["input"], grad=True)
        return training_pair(torch, lambda: layer(x)[0])
    if op == "attention":
        shape = (case["n"], case["h"], case["t"], case["d"])
        q, k, v = rand(*shape, grad=True), rand(*shape, grad=True), rand(*shape, grad=True)
        scale = case["d"] ** -0.5

        def block(qb):
            return torch.matmul(
                torch.softmax(torch.matmul(qb, k.transpose(-2, -1)) * scale, dim=-1), v)

        if not case.get("fused", 0):
            return training_pair(torch, lambda: block(q))
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch 2.0 on
            return training_pair(torch, lambda: F.scaled_dot_product_attention(q, k, v))
        # before 2.0: 256-query blocks, recomputed in backward (checkpoint), so
        # the T x T scores are never all stored either
        from torch.utils.checkpoint import checkpoint
        return training_pair(torch, lambda: torch.cat(
            [checkpoint(block, q[:, :, i:i + 256]) for i in range(0, case["t"], 256)], dim=-2))
    if op == "softmax":
        x = rand(case["rows"], case["features"], grad=True)
        return training_pair(torch, lambda: torch.softmax(x, dim=-1))
    if op == "conv_transpose2d":
        x = rand(case["n"], case["c"], case["h"], case["w"], grad=True)
        w = rand(case["c"], case["k"], case["kh"], case["kw"], grad=True)
        b = rand(case["k"], grad=True)
        return training_pair(torch, lambda: F.conv_transpose2d(
            x, w, b, stride=case["stride"], padding=case["pad"]))
    if op in ("train_mlp", "train_cnn"):
        return train_step(torch, op, case["n"], rand, g), None
    if op == "layernorm":
        x = rand(case["rows"], case["features"], grad=True)
        norm = torch.nn.LayerNorm(case["features"], eps=1e-6)
        return training_pair(torch, lambda: norm(x))
    raise ValueError("unknown op " + repr(op))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    try:
        import torch
    except ImportError as e:
        print("error PyTorch is not installed (Debian: python3-torch): %s" % e)
        return 1
    torch.set_num_threads(args.threads)
    print("torch", torch.__version__)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            fwd, fwd_bwd = make_case(torch, parse_case(line))
            both = median_ms(fwd_bwd, args.repeat) if fwd_bwd else float("nan")
            print("ok %.6f %.6f" % (median_ms(fwd, args.repeat), both))
        except Exception as e:  # report per case; the other cases still run
            print("error", str(e).replace("\n", " "))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
