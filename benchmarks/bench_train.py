"""Benchmarks of `bptui.engine.train` and of the step trace, each against its target.

Run: .venv/bin/python benchmarks/bench_train.py  (best of 3 repetitions of each figure)

1. Mazur's 2-2-2 net, 100,000 epochs: `train` against a plain scalar Python loop of the same
   algorithm, written by hand below (target: ratio <= 1.0).
2. A 32-64-64-10 net (tanh, tanh, sigmoid; half_sse; batch_mean; 256 samples), 200 epochs:
   `train` (its numpy backend) against PyTorch eager on the CPU in float64 with one thread,
   with the same algorithm written out by hand (forward and backward as matrix products;
   autograd is timed too, for reference). Skipped when torch cannot be imported; torch is no
   dependency of bptui (see the report for how it was measured). Target: ratio <= 1.0.
3. The trace of one epoch of benchmarks/net-16-32-32-10.json: `compute_epoch`, `EpochTrace`,
   and every step from `eager_steps()` formatted with `bptui.fmt.numbers(step, 9)`.
   Target: <= 1 s.

`--write-net` rewrites benchmarks/net-16-32-32-10.json from its fixed seeds.

numpy's speed depends on OpenBLAS's kernels: OPENBLAS_CORETYPE, when set, forces a kernel
family, which may be slower than the one OpenBLAS would pick. Run with
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` to measure numpy as it comes.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bptui.engine.loader import load_network, parse_document
from bptui.engine.network import Network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.engine.train import train
from bptui.fmt import numbers

HERE = Path(__file__).resolve().parent
TRACE_NET = HERE / "net-16-32-32-10.json"
REPEATS = 3


def best(run: Callable[[], float]) -> float:
    """The least of REPEATS timings; `run` returns its own time in seconds."""
    return min(run() for _ in range(REPEATS))


def ratio_line(label: str, ours: str, theirs: str, ratio: float, target: float) -> str:
    verdict = "ok" if ratio <= target else "OVER TARGET"
    return f"{label}: {ours}, {theirs}, ratio {ratio:.2f} (target <= {target:.1f}) {verdict}"


# ---------------------------------------------------------------------------------------------
# 1. Mazur's net: train against a hand-written scalar loop


def mazur_scalar_loop(epochs: int) -> tuple[list[float], float]:
    """Mazur's 2-2-2 net trained online, written out by hand: the plain-Python reference.

    Returns the loss after each epoch (as `train` does: each forward pass gives the loss
    after the previous epoch, one more pass gives the last) and the loop's time.
    """
    w1, w2, w3, w4 = 0.15, 0.20, 0.25, 0.30
    w5, w6, w7, w8 = 0.40, 0.45, 0.50, 0.55
    b1, b2 = 0.35, 0.60
    i1, i2 = 0.05, 0.10
    t1, t2 = 0.01, 0.99
    lr = 0.5
    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        out_h1 = 1.0 / (1.0 + math.exp(-(w1 * i1 + w2 * i2 + b1)))
        out_h2 = 1.0 / (1.0 + math.exp(-(w3 * i1 + w4 * i2 + b1)))
        out_o1 = 1.0 / (1.0 + math.exp(-(w5 * out_h1 + w6 * out_h2 + b2)))
        out_o2 = 1.0 / (1.0 + math.exp(-(w7 * out_h1 + w8 * out_h2 + b2)))
        losses.append(0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2)
        d_o1 = -(t1 - out_o1) * out_o1 * (1.0 - out_o1)
        d_o2 = -(t2 - out_o2) * out_o2 * (1.0 - out_o2)
        d_h1 = (d_o1 * w5 + d_o2 * w7) * out_h1 * (1.0 - out_h1)
        d_h2 = (d_o1 * w6 + d_o2 * w8) * out_h2 * (1.0 - out_h2)
        w5 -= lr * d_o1 * out_h1
        w6 -= lr * d_o1 * out_h2
        w7 -= lr * d_o2 * out_h1
        w8 -= lr * d_o2 * out_h2
        w1 -= lr * d_h1 * i1
        w2 -= lr * d_h1 * i2
        w3 -= lr * d_h2 * i1
        w4 -= lr * d_h2 * i2
    out_h1 = 1.0 / (1.0 + math.exp(-(w1 * i1 + w2 * i2 + b1)))
    out_h2 = 1.0 / (1.0 + math.exp(-(w3 * i1 + w4 * i2 + b1)))
    out_o1 = 1.0 / (1.0 + math.exp(-(w5 * out_h1 + w6 * out_h2 + b2)))
    out_o2 = 1.0 / (1.0 + math.exp(-(w7 * out_h1 + w8 * out_h2 + b2)))
    losses.append(0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2)
    seconds = time.perf_counter() - start
    return losses[1:], seconds


def bench_mazur() -> None:
    epochs = 100_000
    network = load_network("mazur")
    losses, _ = mazur_scalar_loop(epochs)
    result = train(network, epochs=epochs)
    agree = abs(result.losses[-1] - losses[-1]) / losses[-1]
    ours = best(lambda: train(network, epochs=epochs).seconds)
    theirs = best(lambda: mazur_scalar_loop(epochs)[1])
    print(
        ratio_line(
            "mazur 100k epochs",
            f"train {ours:.3f} s ({ours / epochs * 1e6:.2f} us/epoch)",
            f"scalar loop {theirs:.3f} s ({theirs / epochs * 1e6:.2f} us/epoch)",
            ours / theirs,
            1.0,
        )
        + f"; last losses agree to {agree:.1e}"
    )


# ---------------------------------------------------------------------------------------------
# 2. A bigger net: train (numpy) against PyTorch


def big_network() -> Network:
    """32-64-64-10, tanh/tanh/sigmoid, half_sse, batch_mean, 256 samples, all seeded."""
    rng = np.random.default_rng(32)
    inputs = rng.standard_normal((256, 32))
    targets = np.zeros((256, 10))
    targets[np.arange(256), rng.integers(0, 10, size=256)] = 1.0
    document = {
        "name": "bench 32-64-64-10",
        "learning_rate": 0.5,
        "loss": "half_sse",
        "update": "batch_mean",
        "seed": 0,
        "layers": [
            {"activation": "tanh", "size": 64},
            {"activation": "tanh", "size": 64},
            {"activation": "sigmoid", "size": 10},
        ],
        "samples": [
            {"inputs": x.tolist(), "targets": t.tolist()}
            for x, t in zip(inputs, targets, strict=True)
        ],
    }
    return parse_document(document, source="bench", default_name="bench")


def torch_manual(network: Network, epochs: int) -> tuple[list[np.ndarray], float]:
    """The same batch_mean training in PyTorch, forward and backward written out."""
    import torch

    torch.set_num_threads(1)
    weights = [torch.tensor(w, dtype=torch.float64) for w in network.params.weights]
    biases = [torch.tensor(b, dtype=torch.float64) for b in network.params.biases]
    x = torch.tensor(network.inputs, dtype=torch.float64)
    t = torch.tensor(network.targets, dtype=torch.float64)
    lr = network.learning_rate
    count = x.shape[0]
    activations = [torch.tanh, torch.tanh, torch.sigmoid]
    losses = []
    start = time.perf_counter()
    with torch.no_grad():
        for epoch in range(epochs + 1):
            outs = [x]
            for w, b, f in zip(weights, biases, activations, strict=True):
                outs.append(f(outs[-1] @ w.T + b))
            out = outs[-1]
            loss = 0.5 * ((t - out) ** 2).sum()
            if epoch:
                losses.append(loss)  # the loss after the epoch before
            if epoch == epochs:
                break
            delta = (out - t) * (out * (1.0 - out))
            for k in range(len(weights) - 1, -1, -1):
                below = outs[k]
                grad_w = delta.T @ below
                grad_b = delta.sum(dim=0)
                if k > 0:
                    delta = (delta @ weights[k]) * (1.0 - below * below)
                weights[k] -= lr * (grad_w / count)
                biases[k] -= lr * (grad_b / count)
    seconds = time.perf_counter() - start
    return [w.numpy() for w in weights], seconds


def torch_autograd(network: Network, epochs: int) -> float:
    """The same training with autograd computing the gradients (for reference)."""
    import torch

    torch.set_num_threads(1)
    weights = [
        torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in network.params.weights
    ]
    biases = [
        torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in network.params.biases
    ]
    x = torch.tensor(network.inputs, dtype=torch.float64)
    t = torch.tensor(network.targets, dtype=torch.float64)
    lr = network.learning_rate
    count = x.shape[0]
    activations = [torch.tanh, torch.tanh, torch.sigmoid]
    start = time.perf_counter()
    for _ in range(epochs):
        a = x
        for w, b, f in zip(weights, biases, activations, strict=True):
            a = f(a @ w.T + b)
        loss = 0.5 * ((t - a) ** 2).sum()
        for p in (*weights, *biases):
            p.grad = None
        (loss / count).backward()
        with torch.no_grad():
            for p in (*weights, *biases):
                p -= lr * p.grad
    return time.perf_counter() - start


def bench_big() -> None:
    network = big_network()
    epochs = 200
    label = "32-64-64-10 batch_mean 256 samples 200 epochs"
    ours = best(lambda: train(network, epochs=epochs).seconds)
    ours_text = f"train (numpy) {ours:.3f} s ({ours / epochs * 1e6:.0f} us/epoch)"
    try:
        import torch
    except ImportError:
        print(f"{label}: {ours_text}; torch not importable, comparison skipped")
        return
    result = train(network, epochs=epochs)
    torch_weights, _ = torch_manual(network, epochs)
    agree = max(
        float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
        for a, b in zip(torch_weights, result.params.weights, strict=True)
    )
    theirs = best(lambda: torch_manual(network, epochs)[1])
    print(
        ratio_line(
            label,
            ours_text,
            f"torch {torch.__version__} eager float64 1 thread, manual backward "
            f"{theirs:.3f} s ({theirs / epochs * 1e6:.0f} us/epoch)",
            ours / theirs,
            1.0,
        )
        + f"; weights agree to {agree:.1e}"
    )
    autograd = best(lambda: torch_autograd(network, epochs))
    print(
        f"    (torch autograd: {autograd:.3f} s ({autograd / epochs * 1e6:.0f} us/epoch), "
        f"ratio {ours / autograd:.2f})"
    )


# ---------------------------------------------------------------------------------------------
# 3. The trace of one epoch


def write_trace_net() -> None:
    """benchmarks/net-16-32-32-10.json: weights from seed 0, samples from numpy seed 16."""
    rng = np.random.default_rng(16)
    inputs = np.round(rng.uniform(-1.0, 1.0, size=(4, 16)), 4)
    targets = np.round(rng.uniform(0.05, 0.95, size=(4, 10)), 4)
    document = {
        "name": "16-32-32-10",
        "description": "The trace benchmark's net: weights drawn from seed 0, four samples",
        "learning_rate": 0.5,
        "loss": "half_sse",
        "update": "online",
        "seed": 0,
        "layers": [
            {"activation": "tanh", "size": 32},
            {"activation": "tanh", "size": 32},
            {"activation": "sigmoid", "size": 10},
        ],
        "samples": [
            {"inputs": x.tolist(), "targets": t.tolist()}
            for x, t in zip(inputs, targets, strict=True)
        ],
    }
    lines = []
    for key, value in document.items():
        if isinstance(value, list):  # one layer or sample a line
            items = ",\n".join(f"    {json.dumps(item)}" for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    assert json.loads(text) == document
    TRACE_NET.write_text(text, encoding="utf-8")
    print(f"wrote {TRACE_NET}")


def trace_epoch(network: Network) -> tuple[int, float]:
    start = time.perf_counter()
    trace = EpochTrace(compute_epoch(network, network.params))
    count = 0
    for step in trace.eager_steps():
        numbers(step, 9)
        count += 1
    return count, time.perf_counter() - start


def bench_trace() -> None:
    network = load_network(TRACE_NET)
    count, _ = trace_epoch(network)
    seconds = best(lambda: trace_epoch(network)[1])
    verdict = "ok" if seconds <= 1.0 else "OVER TARGET"
    print(
        f"trace 16-32-32-10 one epoch ({network.n_samples} samples, {count:,} steps, each "
        f"formatted): {seconds:.3f} s ({seconds / count * 1e6:.1f} us/step), "
        f"ratio {seconds / 1.0:.2f} (target <= 1.0 s) {verdict}"
    )


def main() -> None:
    if "--write-net" in sys.argv[1:]:
        write_trace_net()
        return
    blas = ", ".join(
        f"{name}={os.environ.get(name) or '(unset)'}"
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    )
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {blas}, best of {REPEATS}")
    bench_mazur()
    bench_big()
    bench_trace()


if __name__ == "__main__":
    main()
