"""Benchmarks of `bptui.engine.train` and of the step trace, each against its target.

Run: .venv/bin/python benchmarks/bench_train.py  (best of 3 repetitions of each figure;
the two sides of a ratio are timed in turn)

1. Mazur's 2-2-2 net, 100,000 epochs: `train` against a plain scalar Python loop of the same
   algorithm, written by hand below (target: ratio <= 1.0).
   1a. The same net with `[optimizer] name = "adam"` (torch's defaults: β = (0.9, 0.999),
   ε = 1e-8; the net's η = 0.5): `train` against a hand-written scalar Adam loop doing the same
   arithmetic (target: ratio <= 1.0).
2. A 32-64-64-10 net (tanh, tanh, sigmoid; half_sse; batch_mean; 256 samples), 200 epochs:
   `train` (its numpy backend) against PyTorch eager on the CPU in float64 with one thread,
   with the same algorithm written out by hand (forward and backward as matrix products;
   autograd is timed too, for reference). Skipped when torch cannot be imported; torch is no
   dependency of bptui: install it in a venv of its own, with bptui, to measure it.
   Target: ratio <= 1.0.
   2a. The same net with Adam (torch's defaults, η = 0.001 as torch.optim.Adam's default lr):
   `train` against the same hand-written forward and backward in torch, each epoch's gradients
   handed to torch.optim.Adam (its default, single-tensor implementation on the CPU; its fused
   one and autograd are timed too, for reference). Target: ratio <= 1.0.
   Every line checks that both sides computed the same numbers: Mazur's SGD its last loss, the
   Adam lines every epoch's loss and the final weights (target: 1e-9 relative), the SGD torch
   line the final weights.
   1 and 2 are measured twice: unloaded (after waiting up to --wait-idle seconds, 20 by
   default, for the machine to be idle) and loaded, with one busy process beside them (a
   child Python running `while True: pass`, started before and killed after). Each phase
   prints the load average and how many CPUs were busy while it ran (from /proc/stat, ours
   included): numpy's BLAS threads spin against any other busy process, and these lines show
   whether `train` keeps its ratios then.
3. The trace of one epoch of benchmarks/net-16-32-32-10.json: `compute_epoch`, `EpochTrace`,
   and every step from `eager_steps()` formatted with `bptui.fmt.numbers(step, 9)`.
   Target: <= 1 s.

The benchmark runs with bytecode writing on, as an installed program has it: started with
-B or PYTHONDONTWRITEBYTECODE, it starts itself again without them.

`--write-net` rewrites benchmarks/net-16-32-32-10.json from its fixed seeds.

numpy's speed depends on OpenBLAS's kernels: OPENBLAS_CORETYPE, when set, forces a kernel
family, which may be slower than the one OpenBLAS would pick. Run with
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` to measure numpy as it comes.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bptui.engine import train as train_module
from bptui.engine.loader import load_network, parse_bytes, parse_document, preset_text
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


def best_of_both(ours: Callable[[], float], theirs: Callable[[], float]) -> tuple[float, float]:
    """The least of REPEATS timings of each, taken in turn, so that a change in the machine's
    load falls on both sides of a ratio alike."""
    times = [(ours(), theirs()) for _ in range(REPEATS)]
    return min(t[0] for t in times), min(t[1] for t in times)


def ratio_line(label: str, ours: str, theirs: str, ratio: float, target: float) -> str:
    verdict = "ok" if ratio <= target else "OVER TARGET"
    return f"{label}: {ours}, {theirs}, ratio {ratio:.2f} (target <= {target:.1f}) {verdict}"


AGREEMENT = 1e-9  # the most relative difference allowed between the two sides' numbers


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest |ours − theirs| / max(|ours|, |theirs|), elementwise (0 where both are 0)."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = np.maximum(np.abs(ours), np.abs(theirs))
    difference = np.abs(ours - theirs)
    return float(np.max(np.where(scale > 0.0, difference / np.where(scale > 0.0, scale, 1.0), 0.0)))


def agreement_text(losses: float, weights: float, last: float) -> str:
    verdict = "ok" if max(losses, weights) <= AGREEMENT else "DISAGREE"
    return (
        f"; every epoch's loss agrees to {losses:.1e}, final weights to {weights:.1e} "
        f"(last loss {last:.6g}; target <= {AGREEMENT:.0e}) {verdict}"
    )


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
    ours, theirs = best_of_both(
        lambda: train(network, epochs=epochs).seconds, lambda: mazur_scalar_loop(epochs)[1]
    )
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


def _sigmoid(x: float) -> float:
    """The stable sigmoid, as the engine computes it."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def mazur_adam_network() -> Network:
    """Mazur's preset with `[optimizer] name = "adam"` added (torch's defaults)."""
    text = preset_text("mazur") + '\n[optimizer]\nname = "adam"\n'
    document = parse_bytes(text.encode("utf-8"), "mazur-adam.toml", ".toml")
    return parse_document(document, source="mazur-adam.toml", default_name="mazur-adam")


def mazur_adam_loop(epochs: int) -> tuple[list[float], list[float], float]:
    """Mazur's 2-2-2 net trained online with Adam (torch.optim.Adam's arithmetic), by hand.

    The arithmetic is the generated code's, operation for operation, as it must be for the two
    sides to agree: Adam's normalised step (m / √v) turns a last-bit difference in a gradient
    near zero into a step of η's size, so at η = 0.5 any other rounding (1/(1 + e^−x) for a
    negative x rather than e^x/(1 + e^x), −(t − out)·out·(1 − out) rather than
    (out − t)·(out·(1 − out))) ends in other weights. Hence the stable sigmoid with its branch.
    (The loss reaches exactly 0 after some 3,000 epochs: both outputs round to their targets;
    the rest of the run does the same arithmetic on zero gradients.)
    Returns the loss after each epoch, the final weights w1..w8 and the loop's time.
    """
    w1, w2, w3, w4 = 0.15, 0.20, 0.25, 0.30
    w5, w6, w7, w8 = 0.40, 0.45, 0.50, 0.55
    m1 = m2 = m3 = m4 = m5 = m6 = m7 = m8 = 0.0  # first moments
    v1 = v2 = v3 = v4 = v5 = v6 = v7 = v8 = 0.0  # second moments
    b1, b2 = 0.35, 0.60
    i1, i2 = 0.05, 0.10
    t1, t2 = 0.01, 0.99
    lr = 0.5
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    c1, c2 = 1.0 - beta1, 1.0 - beta2
    losses = []
    start = time.perf_counter()
    for step in range(1, epochs + 1):
        net = w1 * i1 + w2 * i2 + b1
        if net >= 0.0:
            out_h1 = 1.0 / (1.0 + math.exp(-net))
        else:
            e = math.exp(net)
            out_h1 = e / (1.0 + e)
        net = w3 * i1 + w4 * i2 + b1
        if net >= 0.0:
            out_h2 = 1.0 / (1.0 + math.exp(-net))
        else:
            e = math.exp(net)
            out_h2 = e / (1.0 + e)
        net = w5 * out_h1 + w6 * out_h2 + b2
        if net >= 0.0:
            out_o1 = 1.0 / (1.0 + math.exp(-net))
        else:
            e = math.exp(net)
            out_o1 = e / (1.0 + e)
        net = w7 * out_h1 + w8 * out_h2 + b2
        if net >= 0.0:
            out_o2 = 1.0 / (1.0 + math.exp(-net))
        else:
            e = math.exp(net)
            out_o2 = e / (1.0 + e)
        r1 = out_o1 - t1
        r2 = out_o2 - t2
        losses.append(0.5 * (r1 * r1 + r2 * r2))
        d_o1 = r1 * (out_o1 * (1.0 - out_o1))
        d_o2 = r2 * (out_o2 * (1.0 - out_o2))
        d_h1 = (d_o1 * w5 + d_o2 * w7) * (out_h1 * (1.0 - out_h1))
        d_h2 = (d_o1 * w6 + d_o2 * w8) * (out_h2 * (1.0 - out_h2))
        step_size = lr / (1.0 - beta1**step)
        root_bc2 = math.sqrt(1.0 - beta2**step)
        g = d_h1 * i1
        m1 = beta1 * m1 + c1 * g
        v1 = beta2 * v1 + c2 * (g * g)
        w1 -= step_size * (m1 / (math.sqrt(v1) / root_bc2 + eps))
        g = d_h1 * i2
        m2 = beta1 * m2 + c1 * g
        v2 = beta2 * v2 + c2 * (g * g)
        w2 -= step_size * (m2 / (math.sqrt(v2) / root_bc2 + eps))
        g = d_h2 * i1
        m3 = beta1 * m3 + c1 * g
        v3 = beta2 * v3 + c2 * (g * g)
        w3 -= step_size * (m3 / (math.sqrt(v3) / root_bc2 + eps))
        g = d_h2 * i2
        m4 = beta1 * m4 + c1 * g
        v4 = beta2 * v4 + c2 * (g * g)
        w4 -= step_size * (m4 / (math.sqrt(v4) / root_bc2 + eps))
        g = d_o1 * out_h1
        m5 = beta1 * m5 + c1 * g
        v5 = beta2 * v5 + c2 * (g * g)
        w5 -= step_size * (m5 / (math.sqrt(v5) / root_bc2 + eps))
        g = d_o1 * out_h2
        m6 = beta1 * m6 + c1 * g
        v6 = beta2 * v6 + c2 * (g * g)
        w6 -= step_size * (m6 / (math.sqrt(v6) / root_bc2 + eps))
        g = d_o2 * out_h1
        m7 = beta1 * m7 + c1 * g
        v7 = beta2 * v7 + c2 * (g * g)
        w7 -= step_size * (m7 / (math.sqrt(v7) / root_bc2 + eps))
        g = d_o2 * out_h2
        m8 = beta1 * m8 + c1 * g
        v8 = beta2 * v8 + c2 * (g * g)
        w8 -= step_size * (m8 / (math.sqrt(v8) / root_bc2 + eps))
    # the loss after the last epoch
    out_h1 = _sigmoid(w1 * i1 + w2 * i2 + b1)
    out_h2 = _sigmoid(w3 * i1 + w4 * i2 + b1)
    r1 = _sigmoid(w5 * out_h1 + w6 * out_h2 + b2) - t1
    r2 = _sigmoid(w7 * out_h1 + w8 * out_h2 + b2) - t2
    losses.append(0.5 * (r1 * r1 + r2 * r2))
    seconds = time.perf_counter() - start
    return losses[1:], [w1, w2, w3, w4, w5, w6, w7, w8], seconds


def bench_mazur_adam() -> None:
    epochs = 100_000
    network = mazur_adam_network()
    losses, weights, _ = mazur_adam_loop(epochs)
    result = train(network, epochs=epochs)
    ours_weights = np.concatenate([w.ravel() for w in result.params.weights])
    agree = agreement_text(
        relative_difference(result.losses, np.array(losses)),
        relative_difference(ours_weights, np.array(weights)),
        float(result.losses[-1]),
    )
    ours, theirs = best_of_both(
        lambda: train(network, epochs=epochs).seconds, lambda: mazur_adam_loop(epochs)[2]
    )
    print(
        ratio_line(
            "mazur adam 100k epochs",
            f"train {ours:.3f} s ({ours / epochs * 1e6:.2f} us/epoch)",
            f"scalar Adam loop {theirs:.3f} s ({theirs / epochs * 1e6:.2f} us/epoch)",
            ours / theirs,
            1.0,
        )
        + agree
    )


# ---------------------------------------------------------------------------------------------
# 2. A bigger net: train (numpy) against PyTorch


def big_network(optimizer: str = "sgd") -> Network:
    """32-64-64-10, tanh/tanh/sigmoid, half_sse, batch_mean, 256 samples, all seeded; η = 0.5
    for SGD, torch.optim.Adam's default 0.001 for Adam (torch's default settings)."""
    rng = np.random.default_rng(32)
    inputs = rng.standard_normal((256, 32))
    targets = np.zeros((256, 10))
    targets[np.arange(256), rng.integers(0, 10, size=256)] = 1.0
    document = {
        "name": "bench 32-64-64-10",
        "learning_rate": 0.5 if optimizer == "sgd" else 0.001,
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
    if optimizer != "sgd":
        document["optimizer"] = {"name": optimizer}
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


def torch_adam(
    network: Network, epochs: int, fused: bool = False, autograd: bool = False
) -> tuple[list[float], list[np.ndarray], float]:
    """The same batch_mean training with torch.optim.Adam (torch's defaults but the net's η):
    the gradients from the hand-written backward pass of `torch_manual`, or from autograd.
    `fused`: torch's fused CPU kernel rather than its default single-tensor loop.
    Returns the loss after each epoch, the final weights and the time."""
    import torch

    torch.set_num_threads(1)
    grad = autograd
    weights = [
        torch.tensor(w, dtype=torch.float64, requires_grad=grad) for w in network.params.weights
    ]
    biases = [
        torch.tensor(b, dtype=torch.float64, requires_grad=grad) for b in network.params.biases
    ]
    optimizer = torch.optim.Adam(
        [*weights, *biases], lr=network.learning_rate, fused=True if fused else None
    )
    x = torch.tensor(network.inputs, dtype=torch.float64)
    t = torch.tensor(network.targets, dtype=torch.float64)
    count = x.shape[0]
    activations = [torch.tanh, torch.tanh, torch.sigmoid]
    losses = []
    start = time.perf_counter()
    for epoch in range(epochs + 1):
        with torch.set_grad_enabled(grad and epoch < epochs):
            outs = [x]
            for w, b, f in zip(weights, biases, activations, strict=True):
                outs.append(f(outs[-1] @ w.T + b))
            out = outs[-1]
            loss = 0.5 * ((t - out) ** 2).sum()
        if epoch:
            losses.append(loss.detach())  # the loss after the epoch before
        if epoch == epochs:
            break
        if autograd:
            optimizer.zero_grad()
            (loss / count).backward()
        else:
            with torch.no_grad():
                delta = (out - t) * (out * (1.0 - out))
                for k in range(len(weights) - 1, -1, -1):
                    below = outs[k]
                    weights[k].grad = (delta.T @ below) / count
                    biases[k].grad = delta.sum(dim=0) / count
                    if k > 0:
                        delta = (delta @ weights[k]) * (1.0 - below * below)
        optimizer.step()
    seconds = time.perf_counter() - start
    return [float(loss) for loss in losses], [w.detach().numpy() for w in weights], seconds


def bench_big() -> None:
    network = big_network()
    epochs = 200
    label = "32-64-64-10 batch_mean 256 samples 200 epochs"
    # (the engine before its BLAS thread limit has no `one_blas_thread`)
    limited = getattr(train_module, "one_blas_thread", lambda _: False)(network)
    threads = "1 BLAS thread" if limited else f"BLAS threads: {blas_threads()}"

    def ours_text(ours: float) -> str:
        return f"train (numpy, {threads}) {ours:.3f} s ({ours / epochs * 1e6:.0f} us/epoch)"

    try:
        import torch
    except ImportError:
        ours = best(lambda: train(network, epochs=epochs).seconds)
        print(f"{label}: {ours_text(ours)}; torch not importable, comparison skipped")
        return
    result = train(network, epochs=epochs)
    torch_weights, _ = torch_manual(network, epochs)
    agree = max(
        float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
        for a, b in zip(torch_weights, result.params.weights, strict=True)
    )
    ours, theirs = best_of_both(
        lambda: train(network, epochs=epochs).seconds, lambda: torch_manual(network, epochs)[1]
    )
    print(
        ratio_line(
            label,
            ours_text(ours),
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


def bench_big_adam() -> None:
    network = big_network("adam")
    epochs = 200
    label = "32-64-64-10 batch_mean 256 samples 200 epochs adam"
    try:
        import torch
    except ImportError:
        ours = best(lambda: train(network, epochs=epochs).seconds)
        print(f"{label}: train (numpy) {ours:.3f} s; torch not importable, comparison skipped")
        return
    result = train(network, epochs=epochs)
    losses, weights, _ = torch_adam(network, epochs)
    agree = agreement_text(
        relative_difference(result.losses, np.array(losses)),
        max(relative_difference(a, b) for a, b in zip(result.params.weights, weights, strict=True)),
        float(result.losses[-1]),
    )
    ours, theirs = best_of_both(
        lambda: train(network, epochs=epochs).seconds, lambda: torch_adam(network, epochs)[2]
    )
    print(
        ratio_line(
            label,
            f"train (numpy) {ours:.3f} s ({ours / epochs * 1e6:.0f} us/epoch)",
            f"torch {torch.__version__} eager float64 1 thread, manual backward, "
            f"torch.optim.Adam {theirs:.3f} s ({theirs / epochs * 1e6:.0f} us/epoch)",
            ours / theirs,
            1.0,
        )
        + agree
    )
    fused_losses, _, _ = torch_adam(network, epochs, fused=True)
    fused = best(lambda: torch_adam(network, epochs, fused=True)[2])
    autograd = best(lambda: torch_adam(network, epochs, autograd=True)[2])
    print(
        f"    (torch.optim.Adam(fused=True): {fused:.3f} s ({fused / epochs * 1e6:.0f} us/epoch), "
        f"ratio {ours / fused:.2f}, losses agree to "
        f"{relative_difference(result.losses, np.array(fused_losses)):.1e}; with autograd: "
        f"{autograd:.3f} s ({autograd / epochs * 1e6:.0f} us/epoch), ratio {ours / autograd:.2f})"
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


# ---------------------------------------------------------------------------------------------
# Load


def blas_threads() -> str:
    """numpy's BLAS libraries and their thread counts now, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "(threadpoolctl not installed)"
    libraries = [
        f"{lib['internal_api']} {lib.get('version')} {lib.get('architecture', '')} "
        f"{lib['num_threads']}".replace("  ", " ")
        for lib in threadpool_info()
        if lib["user_api"] == "blas"
    ]
    return ", ".join(libraries) or "(none found)"


def cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs since boot, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields)  # idle + iowait


def busy_cpus(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How many CPUs were busy on average between two `cpu_times()`."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    idle, total = after[0] - before[0], after[1] - before[1]
    return (1.0 - idle / total) * (os.cpu_count() or 1)


def wait_idle(limit: float) -> str:
    """Wait up to `limit` seconds for the machine to be idle (under 0.1 CPU busy over half a
    second); says how busy it was last."""
    deadline = time.monotonic() + limit
    while True:
        before = cpu_times()
        time.sleep(0.5)
        busy = busy_cpus(before, cpu_times())
        if busy is None:
            return "CPU use unknown"
        if busy < 0.1 or time.monotonic() >= deadline:
            waited = "" if busy < 0.1 else f" after waiting {limit:.0f} s"
            return f"{busy:.2f} CPUs busy before it{waited}"


def load_text() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


@contextmanager
def phase(title: str, note: str) -> Iterator[None]:
    """Prints the phase's title and load beforehand, and the CPUs busy while it ran after."""
    print(f"{title} ({note}; {load_text()}):")
    before = cpu_times()
    yield
    busy = busy_cpus(before, cpu_times())
    during = "CPU use unknown" if busy is None else f"{busy:.2f} of {os.cpu_count()} CPUs busy"
    print(f"    ({during} while it ran, ours included; {load_text()})")


@contextmanager
def busy_process() -> Iterator[int]:
    """A child Python spinning in `while True: pass` for the duration."""
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it start spinning
        yield child.pid
    finally:
        child.kill()
        child.wait()


def bytecode_on() -> None:
    """Start again with bytecode writing on (as an installed program has it) if it is off."""
    if not sys.flags.dont_write_bytecode or os.environ.get("BPTUI_BENCH_RESTARTED"):
        return
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["BPTUI_BENCH_RESTARTED"] = "1"
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def option(name: str, default: float) -> float:
    args = sys.argv[1:]
    if name in args and args.index(name) + 1 < len(args):
        return float(args[args.index(name) + 1])
    return default


def main() -> None:
    if "--write-net" in sys.argv[1:]:
        write_trace_net()
        return
    bytecode_on()
    blas = ", ".join(
        f"{name}={os.environ.get(name) or '(unset)'}"
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    )
    bytecode = "off" if sys.dont_write_bytecode else "on"
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {blas}, BLAS (threads): "
        f"{blas_threads()}, {os.cpu_count()} CPUs, bytecode {bytecode}, best of {REPEATS}"
    )
    print(f"bptui engine: {Path(train_module.__file__).parent}")
    with phase("unloaded", wait_idle(option("--wait-idle", 20.0))):
        bench_mazur()
        bench_mazur_adam()
        bench_big()
        bench_big_adam()
    with busy_process() as pid, phase("loaded", f"a busy process beside, pid {pid}"):
        bench_mazur()
        bench_mazur_adam()
        bench_big()
        bench_big_adam()
    bench_trace()


if __name__ == "__main__":
    main()
