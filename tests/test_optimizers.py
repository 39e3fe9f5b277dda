"""The optimizers (bptui/engine/ops/optimizers.py) against an independent implementation.

`reference_run` below is this file's own full training loop, written from torch.optim's
documented algorithms (SGD with momentum, dampening 0 and optional Nesterov; Adam; AdamW; RMSprop
without centering or momentum) and the chain rule, in plain numpy: its own forward pass, loss,
backward pass and optimizer step, none of it the engine's. It covers three activation/loss
pairs (sigmoid + half_sse, tanh + mse, relu hidden + softmax/cross_entropy), every optimizer with
and without weight decay (adamw's decoupled), and every update mode, over 20 epochs. The
engine's `train_with` (both backends), 20 chained `compute_epoch` calls (with their state, step
counts and every traced optimizer stage) and the `bptui trace --format json` command must agree
with it to 1e-12 relative (max|a − b| / max|b|, as tests/test_train.py compares, over each
layer's weights and biases together, each optimizer slot's the same way, and each traced stage's
values of one step). The learning rates keep the runs well-conditioned: started one ulp away,
the engine's own 20 epochs move by 5e-15 at most with the default seed (momentum at η = 0.2
moved 2e-12 with one seed of 30 tried: no implementation can be held to 1e-12 then).

The random weights, inputs and targets come from numpy generators seeded with SEED (set
BPTUI_OPS_SEED to try another; a failure names the seed it ran with).

If PyTorch is importable, `test_torch_optim_agrees` compares the engine with torch.optim
directly (torch is not a dependency: the test skips without it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bptui.cli import main
from bptui.engine.errors import NetworkFileError
from bptui.engine.loader import parse_document
from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch
from bptui.engine.steps import Phase
from bptui.engine.trace import EpochTrace
from bptui.engine.train import BACKENDS, train_with
from bptui.engine.updates import initial_moments
from tests.seeds import OPS_SEED
from tests.test_train import assert_array_close, assert_losses_close

SEED = OPS_SEED
EPOCHS = 20
UPDATES = ("online", "batch_sum", "batch_mean")

# (optimizer, its settings as a network file gives them, learning rate)
CONFIGS: list[tuple[str, dict[str, Any], float]] = [
    ("sgd", {}, 0.5),
    ("sgd", {"weight_decay": 0.05}, 0.5),
    ("momentum", {}, 0.1),
    ("momentum", {"momentum": 0.5, "weight_decay": 0.05}, 0.2),
    ("nesterov", {}, 0.1),
    ("nesterov", {"momentum": 0.8, "weight_decay": 0.05}, 0.1),
    ("adam", {}, 0.05),
    ("adam", {"betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05}, 0.05),
    ("adamw", {}, 0.05),
    ("adamw", {"betas": [0.85, 0.995], "weight_decay": 0.1}, 0.05),
    ("rmsprop", {}, 0.02),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}, 0.02),
]
CONFIG_IDS = [
    name + ("-" + "-".join(f"{k}{v}" for k, v in settings.items()) if settings else "")
    for name, settings, _ in CONFIGS
]

# (hidden activation, output activation, loss, bias kinds of the two layers, train_biases). The
# softmax layer has a bias per neuron: a shared one's gradient Σ(out − t) is 0 but for rounding,
# which Adam and RMSprop would scale up to steps of ±η (the same in torch), and no test can
# compare noise to 1e-12.
NETS: dict[str, tuple[str, str, str, tuple[str, str], bool]] = {
    "sigmoid-half_sse": ("sigmoid", "sigmoid", "half_sse", ("shared", "shared"), False),
    "tanh-mse": ("tanh", "tanh", "mse", ("neuron", "neuron"), True),
    "relu-softmax-cross_entropy": ("relu", "softmax", "cross_entropy", ("shared", "neuron"), True),
}

# The engine's names for each optimizer's per-parameter state (its documented `slots`), and the
# torch.optim state they are: momentum_buffer, exp_avg, exp_avg_sq, square_avg.
SLOTS = {
    "sgd": {},
    "momentum": {"v": "buffer"},
    "nesterov": {"v": "buffer"},
    "adam": {"m": "m", "v": "v"},
    "adamw": {"m": "m", "v": "v"},
    "rmsprop": {"v": "v"},
}


def document(
    net: str,
    optimizer: str,
    settings: dict[str, Any],
    learning_rate: float,
    update: str,
    seed: int = SEED,
) -> dict[str, Any]:
    """A 3-4-2 network of 3 samples with seeded random numbers, as a network file holds it."""
    hidden, output, loss, bias_kinds, train_biases = NETS[net]
    rng = np.random.default_rng([seed, list(NETS).index(net)])
    layers = []
    n_in = 3
    for size, activation, kind in zip((4, 2), (hidden, output), bias_kinds, strict=True):
        layer: dict[str, Any] = {
            "activation": activation,
            "weights": rng.uniform(-0.8, 0.8, (size, n_in)).tolist(),
        }
        if kind == "shared":
            layer["bias"] = float(rng.uniform(-0.5, 0.5))
        elif kind == "neuron":
            layer["biases"] = rng.uniform(-0.5, 0.5, size).tolist()
        layers.append(layer)
        n_in = size
    samples = []
    for _ in range(3):
        if loss == "cross_entropy":
            target = rng.dirichlet(np.ones(2)).tolist()
        elif output == "sigmoid":
            target = rng.uniform(0.05, 0.95, 2).tolist()
        else:
            target = rng.uniform(-0.9, 0.9, 2).tolist()
        samples.append({"inputs": rng.uniform(-1, 1, 3).tolist(), "targets": target})
    return {
        "name": f"{net} {optimizer}",
        "learning_rate": learning_rate,
        "loss": loss,
        "update": update,
        "train_biases": train_biases,
        "optimizer": {"name": optimizer, **settings},
        "layers": layers,
        "samples": samples,
    }


def load(doc: dict[str, Any]) -> Network:
    return parse_document(doc, source="test", default_name="test")


# ---------------------------------------------------------------------------------------------
# The independent implementation


def activate(name: str, net: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-net))
    if name == "tanh":
        return np.tanh(net)
    if name == "relu":
        return np.where(net > 0.0, net, 0.0)
    if name == "linear":
        return net.copy()
    assert name == "softmax", name
    e = np.exp(net - np.max(net))
    return e / np.sum(e)


def activation_derivative(name: str, net: np.ndarray, out: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return out * (1.0 - out)
    if name == "tanh":
        return 1.0 - out**2
    if name == "relu":
        return np.where(net > 0.0, 1.0, 0.0)
    assert name == "linear", name
    return np.ones_like(net)


def sample_loss(loss: str, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> float:
    if loss == "half_sse":
        return float(0.5 * np.sum((t - out) ** 2))
    if loss == "mse":
        return float(np.sum((t - out) ** 2) / t.size)
    assert loss == "cross_entropy", loss
    shifted = net - np.max(net)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted)))
    return float(-np.sum(t * log_softmax))


@dataclass
class Model:
    """The network as the file gives it: one weight matrix and bias vector per layer (a shared
    bias is a vector of one, no bias an empty one), each parameter with its name."""

    activations: list[str]
    bias_kinds: list[str]
    loss: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    train_biases: bool
    inputs: np.ndarray
    targets: np.ndarray
    update: str
    weight_names: list[list[list[str]]] = field(default_factory=list)
    bias_names: list[list[str]] = field(default_factory=list)

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Model:
        layers = doc["layers"]
        kinds = [
            "shared" if "bias" in layer else "neuron" if "biases" in layer else "none"
            for layer in layers
        ]
        biases = [
            np.array([layer["bias"]] if "bias" in layer else layer.get("biases", []), dtype=float)
            for layer in layers
        ]
        model = cls(
            activations=[layer["activation"] for layer in layers],
            bias_kinds=kinds,
            loss=doc["loss"],
            weights=[np.array(layer["weights"], dtype=float) for layer in layers],
            biases=biases,
            train_biases=doc["train_biases"],
            inputs=np.array([s["inputs"] for s in doc["samples"]], dtype=float),
            targets=np.array([s["targets"] for s in doc["samples"]], dtype=float),
            update=doc["update"],
        )
        # Mazur's names (one hidden layer): w1, w2, ... layer by layer, row by row; a shared
        # bias b<layer>, a per-neuron one b_<neuron> (h1.., o1..).
        number = 0
        for li, w in enumerate(model.weights):
            rows = []
            for _ in range(w.shape[0]):
                rows.append([f"w{number + i + 1}" for i in range(w.shape[1])])
                number += w.shape[1]
            model.weight_names.append(rows)
            prefix = "o" if li == len(layers) - 1 else "h"
            if kinds[li] == "shared":
                model.bias_names.append([f"b{li + 1}"])
            elif kinds[li] == "neuron":
                model.bias_names.append([f"b_{prefix}{j + 1}" for j in range(w.shape[0])])
            else:
                model.bias_names.append([])
        return model

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        nets, outs, a = [], [], x
        for w, b, activation in zip(self.weights, self.biases, self.activations, strict=True):
            net = w @ a + (b if b.size else 0.0)  # a shared bias broadcasts
            a = activate(activation, net)
            nets.append(net)
            outs.append(a)
        return nets, outs

    def gradients(
        self, s: int, eager: Callable[[int, np.ndarray, np.ndarray], None] | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """∂E/∂W and ∂E/∂b of sample s at the current parameters (the chain rule).

        `eager(layer, grad_w, grad_b)`, if given, is called as soon as a layer's gradients are
        known, before the layer below back-propagates through its weights: an update it makes
        there is the post's `after_output_update` order."""
        x, t = self.inputs[s], self.targets[s]
        nets, outs = self.forward(x)
        last = len(self.weights) - 1
        if self.loss == "cross_entropy":
            delta = outs[last] - t  # softmax with cross-entropy
        else:
            n = t.size
            de_dout = outs[last] - t if self.loss == "half_sse" else 2.0 * (outs[last] - t) / n
            delta = de_dout * activation_derivative(self.activations[last], nets[last], outs[last])
        grad_w: list[np.ndarray] = [np.zeros(0)] * (last + 1)
        grad_b: list[np.ndarray] = [np.zeros(0)] * (last + 1)
        for li in range(last, -1, -1):
            below = x if li == 0 else outs[li - 1]
            grad_w[li] = np.outer(delta, below)
            kind = self.bias_kinds[li]
            grad_b[li] = (
                np.array([np.sum(delta)])
                if kind == "shared"
                else delta.copy()
                if kind == "neuron"
                else np.zeros(0)
            )
            if eager is not None:
                eager(li, grad_w[li], grad_b[li])
            if li:
                back = self.weights[li].T @ delta
                delta = back * activation_derivative(
                    self.activations[li - 1], nets[li - 1], outs[li - 1]
                )
        return grad_w, grad_b

    def total_loss(self) -> float:
        total = 0.0
        for s in range(len(self.inputs)):
            nets, outs = self.forward(self.inputs[s])
            total += sample_loss(self.loss, nets[-1], outs[-1], self.targets[s])
        return total

    def trained(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(parameter array, its names) of every trained array (weights, then biases)."""
        pairs = zip(self.weights, self.weight_names, strict=True)
        arrays = [(w, np.array(names)) for w, names in pairs]
        if self.train_biases:
            arrays += [
                (b, np.array(names, dtype=object))
                for b, names in zip(self.biases, self.bias_names, strict=True)
                if b.size
            ]
        return arrays


class TorchOptimizer:
    """torch.optim's update rules, from its documentation, one parameter array at a time.

    Settings default as bptui documents (torch's, but weight_decay 0 everywhere and momentum 0.9
    for momentum and nesterov). `stages` keeps, per parameter name, every intermediate value
    under the name bptui's trace shows it by: g (after L2 decay), shrink (adamw), v (momentum
    buffer; Adam's and RMSprop's second moment), n (Nesterov's direction), m, m_hat, v_hat, new.
    """

    def __init__(self, name: str, settings: dict[str, Any], lr: float) -> None:
        self.name = name
        self.lr = lr
        self.weight_decay = float(settings.get("weight_decay", 0.0))
        self.momentum = float(settings.get("momentum", 0.9))
        self.beta1, self.beta2 = settings.get("betas", (0.9, 0.999))
        self.eps = float(settings.get("eps", 1e-8))
        self.alpha = float(settings.get("alpha", 0.99))
        self.state: dict[int, dict[str, np.ndarray]] = {}

    def step(self, t: int, key: int, p: np.ndarray, grad: np.ndarray) -> dict[str, np.ndarray]:
        """Update `p` in place (optimizer step t, parameter array `key`); returns the stages."""
        lr, wd = self.lr, self.weight_decay
        g = grad
        stages: dict[str, np.ndarray] = {}
        state = self.state.setdefault(key, {})
        if self.name in ("sgd", "momentum", "nesterov"):
            # g ← g + λθ; b ← g on the first step, μb + g after; g ← g + μb (nesterov) or b
            if wd != 0.0:
                g = g + wd * p
                stages["g"] = g
            if self.name != "sgd":
                mu = self.momentum
                buffer = g.copy() if "buffer" not in state else mu * state["buffer"] + g
                state["buffer"] = buffer
                stages["v"] = buffer
                if self.name == "nesterov":
                    g = g + mu * buffer
                    stages["n"] = g
                else:
                    g = buffer
            new = p - lr * g
        elif self.name in ("adam", "adamw"):
            if self.name == "adamw":  # θ ← θ − γλθ, then Adam with the plain gradient
                if wd != 0.0:
                    p[...] = p - lr * wd * p
                    stages["shrink"] = p.copy()
            elif wd != 0.0:
                g = g + wd * p
                stages["g"] = g
            m = self.beta1 * state.get("m", 0.0) + (1.0 - self.beta1) * g
            v = self.beta2 * state.get("v", 0.0) + (1.0 - self.beta2) * g**2
            state["m"], state["v"] = m, v
            m_hat = m / (1.0 - self.beta1**t)
            v_hat = v / (1.0 - self.beta2**t)
            stages.update(m=m, v=v, m_hat=m_hat, v_hat=v_hat)
            new = p - lr * m_hat / (np.sqrt(v_hat) + self.eps)
        else:
            assert self.name == "rmsprop", self.name
            if wd != 0.0:
                g = g + wd * p
                stages["g"] = g
            v = self.alpha * state.get("v", 0.0) + (1.0 - self.alpha) * g**2
            state["v"] = v
            stages["v"] = v
            new = p - lr * g / (np.sqrt(v) + self.eps)
        p[...] = new
        stages["new"] = new.copy()
        return stages


@dataclass
class Run:
    """The reference's record of a training run."""

    weights: list[list[np.ndarray]]  # after each epoch
    biases: list[list[np.ndarray]]
    losses: list[float]
    state: list[dict[tuple[str, int], np.ndarray]]  # after each epoch: (slot, array) → values
    stages: list[dict[tuple[str, str], float]]  # per optimizer step: (param, stage) → value
    steps: int


def reference_run(doc: dict[str, Any], epochs: int = EPOCHS) -> Run:
    """Train the network of `doc` for `epochs` epochs with this file's implementation."""
    model = Model.of(doc)
    settings = {k: v for k, v in doc["optimizer"].items() if k != "name"}
    opt = TorchOptimizer(doc["optimizer"]["name"], settings, doc["learning_rate"])
    n = len(model.inputs)
    run = Run([], [], [], [], [], 0)
    t = 0

    def step(grad_w: list[np.ndarray], grad_b: list[np.ndarray]) -> None:
        nonlocal t
        t += 1
        grads = [*grad_w, *(g for g in grad_b if g.size)] if model.train_biases else grad_w
        record: dict[tuple[str, str], float] = {}
        for key, ((p, names), g) in enumerate(zip(model.trained(), grads, strict=True)):
            for stage, values in opt.step(t, key, p, g).items():
                for name, value in zip(names.ravel(), values.ravel(), strict=True):
                    record[(str(name), stage)] = float(value)
        run.stages.append(record)

    def eager_step(li: int, grad_w: np.ndarray, grad_b: np.ndarray) -> None:
        """Plain SGD's step of one layer, at once (after_output_update: only SGD may)."""
        assert opt.name == "sgd"
        record = run.stages[-1]
        arrays = [(li, model.weights[li], grad_w, model.weight_names[li])]
        if model.train_biases and grad_b.size:
            key = len(model.weights) + sum(b.size > 0 for b in model.biases[:li])
            arrays.append((key, model.biases[li], grad_b, model.bias_names[li]))
        for key, p, g, names in arrays:
            for stage, values in opt.step(t, key, p, g).items():
                for name, value in zip(np.ravel(names), values.ravel(), strict=True):
                    record[(str(name), stage)] = float(value)

    eager = doc.get("hidden_gradients") == "after_output_update"
    for _ in range(epochs):
        if model.update == "online" and eager:
            for s in range(n):
                t += 1
                run.stages.append({})
                model.gradients(s, eager_step)
        elif model.update == "online":
            for s in range(n):
                step(*model.gradients(s))
        else:
            per_sample = [model.gradients(s) for s in range(n)]
            grad_w = [per_sample[0][0][li] for li in range(len(model.weights))]
            grad_b = [per_sample[0][1][li] for li in range(len(model.weights))]
            for g_w, g_b in per_sample[1:]:
                grad_w = [a + b for a, b in zip(grad_w, g_w, strict=True)]
                grad_b = [a + b for a, b in zip(grad_b, g_b, strict=True)]
            if model.update == "batch_mean":
                grad_w = [g / n for g in grad_w]
                grad_b = [g / n for g in grad_b]
            step(grad_w, grad_b)
        run.weights.append([w.copy() for w in model.weights])
        run.biases.append([b.copy() for b in model.biases])
        run.losses.append(model.total_loss())
        run.state.append(
            {(slot, key): values.copy() for key, state in opt.state.items()
             for slot, values in state.items()}
        )  # fmt: skip
    run.steps = t
    return run


# ---------------------------------------------------------------------------------------------
# Comparing


def assert_layers_close(
    weights: tuple[np.ndarray, ...] | list[np.ndarray],
    biases: tuple[np.ndarray, ...] | list[np.ndarray],
    expected_weights: list[np.ndarray],
    expected_biases: list[np.ndarray],
    what: str,
) -> None:
    """Layer by layer, its weights and biases as one array, to RTOL relative (max|a − b| /
    max|b|): a layer's shared bias alone, one number that may pass near 0 in training, would
    measure its error against itself."""
    assert len(weights) == len(biases) == len(expected_weights) == len(expected_biases), what
    for li in range(len(weights)):
        assert weights[li].shape == expected_weights[li].shape, what
        assert biases[li].shape == expected_biases[li].shape, f"{what}: layer {li + 1} biases"
        actual = np.concatenate([weights[li].ravel(), biases[li]])
        expected = np.concatenate([expected_weights[li].ravel(), expected_biases[li]])
        assert_array_close(actual, expected, f"{what}: layer {li + 1} (seed {SEED})")


def assert_params_match(params: Params, run: Run, epoch: int, what: str) -> None:
    """The engine's parameters after 1-based `epoch` against the reference's."""
    expected_w, expected_b = run.weights[epoch - 1], run.biases[epoch - 1]
    assert_layers_close(params.weights, params.biases, expected_w, expected_b, f"{what}, {epoch}")


def assert_state_matches(network: Network, moments, run: Run, epoch: int, what: str) -> None:
    """The engine's optimizer state (one Params per slot) against the reference's; untrained
    biases keep none (empty arrays)."""
    opt = network.optimizer
    assert network.opt.slots == tuple(SLOTS[opt]), f"{opt} keeps {network.opt.slots}"
    assert len(moments) == len(SLOTS[opt])
    state = run.state[epoch - 1]
    n_layers = len(network.layers)
    for slot, params in zip(SLOTS[opt], moments, strict=True):
        ours = SLOTS[opt][slot]
        weights = [state[(ours, li)] for li in range(n_layers)]
        biases, key = [], n_layers
        for li in range(n_layers):
            if network.train_biases and network.params.biases[li].size:
                biases.append(state[(ours, key)])
                key += 1
            else:
                biases.append(np.zeros(0))
        assert_layers_close(params.weights, params.biases, weights, biases, f"{what}: {slot}")


CASES = [
    pytest.param(config, net, update, id=f"{CONFIG_IDS[c]}-{net}-{update}")
    for c, config in enumerate(CONFIGS)
    for net in NETS
    for update in UPDATES
]


def case_document(config: tuple[str, dict[str, Any], float], net: str, update: str) -> dict:
    name, settings, learning_rate = config
    return document(net, name, settings, learning_rate, update)


# ---------------------------------------------------------------------------------------------
# train_with, compute_epoch and the trace against the reference


@pytest.mark.parametrize(("config", "net", "update"), CASES)
def test_train_with_matches_the_independent_implementation(
    config: tuple[str, dict[str, Any], float], net: str, update: str
) -> None:
    doc = case_document(config, net, update)
    run = reference_run(doc)
    network = load(doc)
    assert run.steps == EPOCHS * (3 if update == "online" else 1)
    for backend in BACKENDS:
        result = train_with(network, None, EPOCHS, backend=backend)
        what = f"train_with {backend} (seed {SEED})"
        assert result.epochs == EPOCHS and result.nonfinite_epoch is None
        assert result.steps == run.steps, f"{what}: {result.steps} steps, not {run.steps}"
        assert_params_match(result.params, run, EPOCHS, what)
        assert_losses_close(result.losses, np.array(run.losses))
        assert_state_matches(network, result.moments, run, EPOCHS, what)


def stage_of(symbol: str, param: str) -> str:
    """The reference's stage name of a traced optimizer step about `param`."""
    if symbol == param + "⁺":
        return "new"
    if symbol == param + "′":
        return "shrink"
    prefix = symbol[: -len(param)]
    assert symbol.endswith(param) and prefix.endswith("_"), symbol
    return {"g_": "g", "v_": "v", "n_": "n", "m_": "m", "m̂_": "m_hat", "v̂_": "v_hat"}[prefix]


def assert_stages_match(trace: EpochTrace, run: Run, first_step: int, what: str) -> None:
    """Every traced optimizer stage of the epoch against the reference's value, stage by stage
    and step by step; and the same set of stages (none missing, none extra)."""
    traced: dict[tuple[int, str], list[tuple[float, float]]] = {}
    left: dict[int, dict[tuple[str, str], float]] = {}
    for block in trace.blocks:
        if block.phase is not Phase.UPDATE:
            continue
        step_number = first_step + max(block.sample, 0)  # online: one step per sample
        expected = left.setdefault(step_number, dict(run.stages[step_number]))
        for k in range(block.start, block.start + block.count):
            step = trace[k]
            assert step.param is not None, step.symbol
            stage = stage_of(step.symbol, step.param)
            value = expected.pop((step.param, stage), None)
            assert value is not None, f"{what}: {step.symbol} is not a stage of the reference"
            traced.setdefault((step_number, stage), []).append((step.value, value))
    assert sorted(left) == list(range(first_step, first_step + len(left))), sorted(left)
    for step_number, missing in left.items():
        assert not missing, f"{what}: not traced in step {step_number + 1}: {sorted(missing)}"
    for (step_number, stage), pairs in traced.items():
        ours, theirs = np.array(pairs).T
        assert_array_close(ours, theirs, f"{what}: {stage} at step {step_number + 1}")


@pytest.mark.parametrize(("config", "net", "update"), CASES)
def test_traced_epochs_match_the_independent_implementation(
    config: tuple[str, dict[str, Any], float], net: str, update: str
) -> None:
    """20 chained compute_epoch calls: parameters, loss, state and steps after each epoch; and
    in epochs 1, 2 and 20 every optimizer stage the trace shows (g, m, v, m̂, v̂, p⁺...)."""
    doc = case_document(config, net, update)
    run = reference_run(doc)
    network = load(doc)
    per_epoch = network.n_samples if update == "online" else 1
    params, moments, steps = network.params, None, 0
    for number in range(1, EPOCHS + 1):
        epoch = compute_epoch(network, params, moments, steps)
        what = f"compute_epoch {number} (seed {SEED})"
        assert epoch.steps_before == steps and epoch.steps_after == number * per_epoch
        assert_params_match(epoch.params_after, run, number, what)
        assert_losses_close(np.array([epoch.loss_after]), np.array([run.losses[number - 1]]))
        assert_state_matches(network, epoch.moments_after, run, number, what)
        if number in (1, 2, EPOCHS):
            trace = EpochTrace(epoch, number)
            assert_stages_match(trace, run, steps, f"trace of epoch {number} (seed {SEED})")
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after


def test_after_output_update_with_weight_decay() -> None:
    """The post's order (each layer updated before the layer below back-propagates through
    it) with SGD's weight decay: both backends and the trace as the reference."""
    doc = document("sigmoid-half_sse", "sgd", {"weight_decay": 0.1}, 0.5, "online")
    doc["hidden_gradients"] = "after_output_update"
    doc["train_biases"] = True
    run = reference_run(doc)
    network = load(doc)
    for backend in BACKENDS:
        result = train_with(network, None, EPOCHS, backend=backend)
        what = f"train_with {backend} (seed {SEED})"
        assert_params_match(result.params, run, EPOCHS, what)
        assert_losses_close(result.losses, np.array(run.losses))
        assert result.steps == run.steps
    params, moments, steps = network.params, None, 0
    for number in range(1, EPOCHS + 1):
        epoch = compute_epoch(network, params, moments, steps)
        what = f"compute_epoch {number} (seed {SEED})"
        assert_params_match(epoch.params_after, run, number, what)
        if number in (1, EPOCHS):
            trace = EpochTrace(epoch, number)
            assert_stages_match(trace, run, steps, f"trace of epoch {number} (seed {SEED})")
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after


# ---------------------------------------------------------------------------------------------
# The commands


@pytest.fixture
def bptui(capsys: pytest.CaptureFixture[str]):
    """`bptui ARGS` through `bptui.cli.main` in this process: (status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def json_layers(run: Run, model: Model, epoch: int) -> list[dict[str, Any]]:
    """The reference's parameters after `epoch` as `--format json` writes them (a shared
    bias once per neuron)."""
    layers = []
    for li, (w, b) in enumerate(zip(run.weights[epoch - 1], run.biases[epoch - 1], strict=True)):
        biases = np.repeat(b, w.shape[0]) if model.bias_kinds[li] == "shared" else b
        layers.append({"weights": w, "biases": biases})
    return layers


def assert_json_layers_close(actual: list[dict], expected: list[dict], what: str) -> None:
    def arrays(layers: list[dict], key: str) -> list[np.ndarray]:
        return [np.array(layer[key], dtype=float) for layer in layers]

    assert_layers_close(
        arrays(actual, "weights"),
        arrays(actual, "biases"),
        arrays(expected, "weights"),
        arrays(expected, "biases"),
        what,
    )


CLI_CASES = [
    pytest.param(config, UPDATES[c % 3], list(NETS)[(c // 3) % 3], id=f"{CONFIG_IDS[c]}")
    for c, config in enumerate(CONFIGS)
]


@pytest.mark.parametrize(("config", "update", "net"), CLI_CASES)
def test_trace_json_matches_the_independent_implementation(
    config: tuple[str, dict[str, Any], float], update: str, net: str, bptui, tmp_path: Path
) -> None:
    """`bptui trace --epochs 20 --format json`: the parameters and loss after every epoch, and
    the last epoch's optimizer steps, against the reference; `bptui train --epochs 20` ends
    where the trace does."""
    doc = case_document(config, net, update)
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    run = reference_run(doc)
    model = Model.of(doc)
    code, out, err = bptui("trace", str(path), "--epochs", str(EPOCHS), "--format", "json")
    assert code == 0, err
    epochs = json.loads(out)["epochs"]
    assert [e["epoch"] for e in epochs] == list(range(1, EPOCHS + 1))
    for e in epochs:
        number = e["epoch"]
        what = f"trace epoch {number} (seed {SEED})"
        assert_json_layers_close(e["layers_after"], json_layers(run, model, number), what)
        assert_losses_close(np.array([e["loss_after"]]), np.array([run.losses[number - 1]]))
    # the last epoch's optimizer steps, by symbol
    last = epochs[-1]
    updates = [(-1, step) for step in last["steps"]] + [
        (s, step)
        for s, sample in enumerate(last["samples"])
        for step in sample["steps"]
        if step["phase"] == "update"
    ]
    first_step = run.steps - (3 if update == "online" else 1)
    assert updates
    pairs: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for s, step in updates:
        (param,) = step["concerns"]
        stage = stage_of(step["symbol"], param)
        expected = run.stages[first_step + max(s, 0)][(param, stage)]
        pairs.setdefault((s, stage), []).append((step["value"], expected))
    for (s, stage), values in pairs.items():  # each stage's values as one array, per step
        ours, theirs = np.array(values).T
        assert_array_close(ours, theirs, f"{stage} in the last epoch's step {s} (seed {SEED})")

    code, out, err = bptui("train", str(path), "--epochs", str(EPOCHS), "--format", "json")
    assert code == 0, err
    trained = json.loads(out)
    assert trained["epochs"] == EPOCHS
    assert_json_layers_close(trained["layers"], last["layers_after"], "train vs trace")
    assert_losses_close(np.array([trained["loss"]]), np.array([last["loss_after"]]))


@pytest.mark.parametrize("epochs", [1, 7])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_train_epochs_agrees_with_as_many_traced_epochs(
    config: tuple[str, dict[str, Any], float], epochs: int, bptui, tmp_path: Path
) -> None:
    """`train --epochs N` against N traced epochs, online (steps that count across epochs)."""
    doc = case_document(config, "tanh-mse", "online")
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    code, out, err = bptui("train", str(path), "--epochs", str(epochs), "--format", "json")
    assert code == 0, err
    trained = json.loads(out)
    code, out, err = bptui("trace", str(path), "--epochs", str(epochs), "--format", "json")
    assert code == 0, err
    last = json.loads(out)["epochs"][-1]
    assert_json_layers_close(trained["layers"], last["layers_after"], "train vs trace")
    assert_losses_close(np.array([trained["loss"]]), np.array([last["loss_after"]]))


# ---------------------------------------------------------------------------------------------
# State


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_untrained_biases_keep_no_state(
    config: tuple[str, dict[str, Any], float], update: str
) -> None:
    """With train_biases = false no bias gets a slot, a stage or a step (adamw's decoupled decay
    included): the biases end as they began, bit for bit, in every backend and the trace."""
    doc = case_document(config, "tanh-mse", update)
    doc["train_biases"] = False
    doc["layers"][1]["bias"] = doc["layers"][1].pop("biases")[0]  # one shared, one per neuron
    network = load(doc)
    biases = network.params.biases
    assert [b.size for b in biases] == [4, 1]

    def assert_no_bias_state(moments, what: str) -> None:
        assert len(moments) == len(network.opt.slots), what
        for slot in moments:
            assert [b.size for b in slot.biases] == [0, 0], what
            assert [w.shape for w in slot.weights] == [(4, 3), (2, 4)], what

    assert_no_bias_state(initial_moments(network), "initial_moments")
    for backend in BACKENDS:
        result = train_with(network, None, 5, backend=backend)
        assert Params(result.params.biases, ()).equals(Params(biases, ()))
        assert_no_bias_state(result.moments, backend)
    params, moments, steps = network.params, None, 0
    for number in range(1, 4):
        epoch = compute_epoch(network, params, moments, steps)
        assert Params(epoch.params_after.biases, ()).equals(Params(biases, ()))
        assert_no_bias_state(epoch.moments_after, f"epoch {number}")
        about = {step.param for step in EpochTrace(epoch, number) if step.phase is Phase.UPDATE}
        assert about == {f"w{k}" for k in range(1, 21)}
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after


# ---------------------------------------------------------------------------------------------
# What the loader refuses


def refusal(doc: dict[str, Any]) -> str:
    with pytest.raises(NetworkFileError) as caught:
        load(doc)
    message = str(caught.value)
    assert "\n" not in message and message.isprintable(), message
    return message


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam", "adamw", "rmsprop"])
def test_after_output_update_is_refused_with_another_optimizer(
    optimizer: str, bptui, tmp_path: Path
) -> None:
    doc = document("sigmoid-half_sse", optimizer, {}, 0.1, "online")
    doc["hidden_gradients"] = "after_output_update"
    message = refusal(doc)
    assert message.startswith("test: hidden_gradients: ") and f'"{optimizer}"' in message
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    for command in ("trace", "train", "check"):
        code, out, err = bptui(command, str(path))
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "hidden_gradients" in err, err


BAD_SETTINGS = [
    ("adam", {"eps": -1e-8}, "optimizer.eps"),
    ("rmsprop", {"eps": -1.0}, "optimizer.eps"),
    ("adam", {"betas": [1.0, 0.999]}, "optimizer.betas[0]"),
    ("adamw", {"betas": [0.9, 1.5]}, "optimizer.betas[1]"),
    ("adam", {"betas": [-0.1, 0.999]}, "optimizer.betas[0]"),
    ("adam", {"betas": [0.9]}, "optimizer.betas"),
    ("adam", {"betas": 0.9}, "optimizer.betas"),
    ("adam", {"weight_decay": -0.01}, "optimizer.weight_decay"),
    ("momentum", {"momentum": -0.5}, "optimizer.momentum"),
    ("nesterov", {"momentum": 0}, "optimizer.momentum"),
    ("nesterov", {"momentum": 0.0}, "optimizer.momentum"),
    ("rmsprop", {"alpha": -0.5}, "optimizer.alpha"),
    ("sgd", {"momentum": 0.9}, "optimizer.momentum"),  # a key sgd does not take
    ("adam", {"alpha": 0.9}, "optimizer.alpha"),
    ("adam", {"beta1": 0.9}, "optimizer.beta1"),
    ("adam", {"eps": "small"}, "optimizer.eps"),
    ("adam", {"eps": True}, "optimizer.eps"),
    ("lbfgs", {}, "optimizer.name"),
    ("Adam", {}, "optimizer.name"),
]


@pytest.mark.parametrize(("name", "settings", "key"), BAD_SETTINGS)
def test_bad_optimizer_settings_are_refused_in_one_line(
    name: str, settings: dict[str, Any], key: str
) -> None:
    doc = document("tanh-mse", name, settings, 0.1, "online")
    assert refusal(doc).startswith(f"test: {key}: ")


@pytest.mark.parametrize(
    ("optimizer", "key"),
    [(42, "optimizer"), ({}, "optimizer.name"), ({"name": 3}, "optimizer.name")],
)
def test_a_malformed_optimizer_table_is_refused(optimizer: Any, key: str) -> None:
    doc = document("tanh-mse", "sgd", {}, 0.1, "online")
    doc["optimizer"] = optimizer
    assert refusal(doc).startswith(f"test: {key}: ")


def test_a_bad_setting_from_the_command_line(bptui, tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(
        '[optimizer]\nname = "adam"\neps = -1e-8\n\n[[layers]]\nactivation = "sigmoid"\n'
        "weights = [[0.1]]\n\n[[samples]]\ninputs = [1.0]\ntargets = [0.5]\n"
    )
    code, out, err = bptui("train", str(path))
    assert code == 2 and out == ""
    assert err == f"bptui: {path}: optimizer.eps: expected a number ≥ 0, found -1e-08\n"


# ---------------------------------------------------------------------------------------------
# torch.optim itself, when it is there

TORCH_RTOL = 1e-12


def torch_run(doc: dict[str, Any], epochs: int = EPOCHS) -> tuple[list, list]:
    """Train the network of `doc` with torch's autograd and torch.optim (float64)."""
    import torch

    model = Model.of(doc)
    f64 = torch.float64
    weights = [torch.tensor(w, dtype=f64, requires_grad=True) for w in model.weights]
    biases = [
        torch.tensor(b, dtype=f64, requires_grad=model.train_biases and b.size > 0)
        for b in model.biases
    ]
    trained = weights + [b for b in biases if b.requires_grad]
    name, lr = doc["optimizer"]["name"], doc["learning_rate"]
    s = {k: v for k, v in doc["optimizer"].items() if k != "name"}
    wd = s.get("weight_decay", 0.0)
    if name in ("sgd", "momentum", "nesterov"):
        mu = 0.0 if name == "sgd" else s.get("momentum", 0.9)
        opt: Any = torch.optim.SGD(
            trained, lr=lr, momentum=mu, nesterov=name == "nesterov", weight_decay=wd
        )
    elif name in ("adam", "adamw"):
        kind = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        opt = kind(
            trained,
            lr=lr,
            betas=tuple(s.get("betas", (0.9, 0.999))),
            eps=s.get("eps", 1e-8),
            weight_decay=wd,
        )
    else:
        opt = torch.optim.RMSprop(
            trained, lr=lr, alpha=s.get("alpha", 0.99), eps=s.get("eps", 1e-8), weight_decay=wd
        )
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
    inputs = torch.tensor(model.inputs, dtype=f64)
    targets = torch.tensor(model.targets, dtype=f64)

    def loss_of(s: int) -> Any:
        a, t = inputs[s], targets[s]
        net = a
        for w, b, activation in zip(weights, biases, model.activations, strict=True):
            net = w @ a + b if b.numel() else w @ a
            a = torch.softmax(net, 0) if activation == "softmax" else functions[activation](net)
        if model.loss == "half_sse":
            return 0.5 * torch.sum((t - a) ** 2)
        if model.loss == "mse":
            return torch.sum((t - a) ** 2) / t.numel()
        return -torch.sum(t * torch.log_softmax(net, 0))

    n = len(model.inputs)
    for _ in range(epochs):
        if model.update == "online":
            for s in range(n):
                opt.zero_grad()
                loss_of(s).backward()
                opt.step()
        else:
            opt.zero_grad()
            total = sum((loss_of(s) for s in range(1, n)), loss_of(0))
            (total / n if model.update == "batch_mean" else total).backward()
            opt.step()
    return (
        [w.detach().numpy().copy() for w in weights],
        [b.detach().numpy().copy() for b in biases],
    )


def test_torch_optim_agrees() -> None:
    """Every optimizer case against torch.optim itself (torch's autograd for the gradients),
    when PyTorch is importable; it is no dependency of bptui, so this usually skips. The
    largest relative difference over all cases is printed (run with -s to see it)."""
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch is not installed (no dependency of bptui; install it to compare)")
    worst = 0.0
    for case in CASES:
        config, net, update = case.values
        doc = case_document(config, net, update)
        weights, biases = torch_run(doc)
        network = load(doc)
        result = train_with(network, None, EPOCHS, backend="scalar")
        for ours, theirs in zip(
            (*result.params.weights, *result.params.biases), (*weights, *biases), strict=True
        ):
            if theirs.size:
                error = float(np.max(np.abs(ours - theirs))) / float(np.max(np.abs(theirs)))
                worst = max(worst, error)
                assert error <= TORCH_RTOL, f"{case.id}: relative error {error:.3g} (seed {SEED})"
    print(f"torch {torch.__version__}: largest relative difference {worst:.3g}")
