"""Benchmarks of `bptui.engine.train` and of the step trace, each against its target.

Run: .venv/bin/python benchmarks/bench_train.py  (best of 3 repetitions of each figure;
the two sides of a ratio are timed in turn)

1. Mazur's 2-2-2 net, 100,000 epochs: `train` against a plain scalar Python loop of the same
   algorithm, written by hand below (target: ratio <= 1.0).
2. A 32-64-64-10 net (tanh, tanh, sigmoid; half_sse; batch_mean; 256 samples), 200 epochs:
   `train` (its numpy backend) against PyTorch eager on the CPU in float64 with one thread,
   with the same algorithm written out by hand (forward and backward as matrix products;
   autograd is timed too, for reference). Skipped when torch cannot be imported; torch is no
   dependency of bptui: install it in a venv of its own, with bptui, to measure it.
   Target: ratio <= 1.0.
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


def best_of_both(ours: Callable[[], float], theirs: Callable[[], float]) -> tuple[float, float]:
    """The least of REPEATS timings of each, taken in turn, so that a change in the machine's
    load falls on both sides of a ratio alike."""
    times = [(ours(), theirs()) for _ in range(REPEATS)]
    return min(t[0] for t in times), min(t[1] for t in times)


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
        bench_big()
    with busy_process() as pid, phase("loaded", f"a busy process beside, pid {pid}"):
        bench_mazur()
        bench_big()
    bench_trace()


if __name__ == "__main__":
    main()
