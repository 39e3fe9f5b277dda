"""The one-line "why" under each step (bptui.engine.explain): one for every step of every kind,
activation, loss, update mode, hidden-gradient order and optimizer; short, printable, about the
step's own neuron or parameter; the post's reasoning for Mazur's steps; a generic line for an
activation, loss or optimizer a user registers; cheap enough for every key press."""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from bptui.engine import explain
from bptui.engine.explain import LIMIT, why
from bptui.engine.loader import load_network, parse_document, preset_names
from bptui.engine.network import Network
from bptui.engine.ops import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    register_activation,
    register_loss,
    register_optimizer,
    unregister_activation,
)
from bptui.engine.ops.activations import Activation
from bptui.engine.ops.losses import HalfSse
from bptui.engine.ops.optimizers import Momentum
from bptui.engine.ops.terms import Call, Prod
from bptui.engine.passes import compute_epoch
from bptui.engine.steps import Kind, Step
from bptui.engine.trace import EpochTrace
from tests.netgen import networks as random_networks

PRESETS = tuple(preset_names())


def trace_of(network: Network) -> EpochTrace:
    return EpochTrace(compute_epoch(network, network.params))


def document(
    hidden: list[str],
    output: str = "sigmoid",
    loss: str = "half_sse",
    update: str = "online",
    order: str = "before_update",
    optimizer: dict[str, Any] | None = None,
    biases: tuple[str, ...] = ("neuron", "shared", "neuron"),
    train_biases: bool = True,
    sizes: tuple[int, ...] = (2, 3, 2, 3),
    samples: int = 2,
    options: dict[int, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """A small network document: `sizes` are the inputs then each layer's width (the last
    one the outputs), one activation per hidden layer then the output's."""
    rng = np.random.default_rng(7)
    activations = [*hidden, output]
    widths = list(sizes[1 : len(activations) + 1])
    widths[-1] = sizes[-1]
    layers: list[dict[str, Any]] = []
    n_in = sizes[0]
    for k, (activation, width) in enumerate(zip(activations, widths, strict=True)):
        layer: dict[str, Any] = {
            "activation": activation,
            "weights": rng.uniform(-0.8, 0.8, (width, n_in)).round(4).tolist(),
            **(options or {}).get(k, {}),
        }
        bias = biases[k % len(biases)]
        if bias == "shared":
            layer["bias"] = 0.1
        elif bias == "neuron":
            layer["biases"] = rng.uniform(-0.3, 0.3, width).round(4).tolist()
        layers.append(layer)
        n_in = width
    rows = []
    for _ in range(samples):
        targets = rng.uniform(0.1, 0.9, widths[-1])
        if loss == "cross_entropy":
            targets = np.eye(widths[-1])[int(rng.integers(widths[-1]))]
        rows.append(
            {
                "inputs": rng.uniform(-1, 1, sizes[0]).round(4).tolist(),
                "targets": targets.round(4).tolist(),
            }
        )
    doc: dict[str, Any] = {
        "name": "why",
        "learning_rate": 0.25,
        "loss": loss,
        "update": update,
        "hidden_gradients": order,
        "train_biases": train_biases,
        "layers": layers,
        "samples": rows,
    }
    if optimizer is not None:
        doc["optimizer"] = optimizer
    return doc


def network_of(**kwargs: Any) -> Network:
    return parse_document(document(**kwargs), source="why", default_name="why")


# Every activation (hidden and output), loss, update mode, hidden-gradient order, optimizer (with
# and without weight decay) and bias kind, each in at least one network.
MATRIX: dict[str, dict[str, Any]] = {
    **{
        f"hidden-{name}": {"hidden": [name, "sigmoid"]}
        for name in ("sigmoid", "tanh", "relu", "linear", "leaky_relu", "elu", "softplus", "gelu")
    },
    **{
        f"output-{name}": {"hidden": ["tanh"], "output": name}
        for name in ("tanh", "relu", "linear", "leaky_relu", "elu", "softplus", "gelu")
    },
    "alpha": {
        "hidden": ["leaky_relu", "elu"],
        "options": {0: {"alpha": 0.2}, 1: {"alpha": 0.5}},
    },
    "sse": {"hidden": ["tanh"], "loss": "sse"},
    "mse": {"hidden": ["tanh"], "loss": "mse", "output": "linear"},
    "mse-one-output": {"hidden": ["tanh"], "loss": "mse", "sizes": (2, 3, 1)},
    "bce": {"hidden": ["relu"], "loss": "bce"},
    "cross_entropy": {"hidden": ["relu"], "output": "softmax", "loss": "cross_entropy"},
    "softmax-half_sse": {"hidden": ["tanh"], "output": "softmax"},
    "softmax-sse": {"hidden": [], "output": "softmax", "loss": "sse"},
    "batch_sum": {"hidden": ["sigmoid"], "update": "batch_sum"},
    "batch_mean": {"hidden": ["tanh", "tanh"], "update": "batch_mean"},
    "after_output_update": {"hidden": ["sigmoid", "tanh"], "order": "after_output_update"},
    "no-hidden": {"hidden": [], "biases": ("none",)},
    "one-output": {"hidden": ["tanh"], "sizes": (2, 3, 1), "biases": ("none", "shared")},
    "wide": {"hidden": ["relu"], "sizes": (5, 6, 5), "biases": ("shared",)},
    "untrained-biases": {"hidden": ["sigmoid"], "train_biases": False},
    **{
        f"{name}-{decay}": {
            "hidden": ["tanh"],
            "optimizer": {"name": name, "weight_decay": decay},
        }
        for name in ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
        for decay in (0.0, 0.01)
    },
    "adam-batch_mean": {"hidden": ["tanh"], "update": "batch_mean", "optimizer": {"name": "adam"}},
    "momentum-batch_sum": {
        "hidden": ["relu"],
        "update": "batch_sum",
        "optimizer": {"name": "momentum", "weight_decay": 0.1},
    },
}


def networks() -> list[tuple[str, Network]]:
    return [(name, load_network(name)) for name in PRESETS] + [
        (name, network_of(**spec)) for name, spec in MATRIX.items()
    ]


def subject(network: Network, step: Step) -> str:
    """What the line must name: the step's parameter, else its neuron (E_total: itself)."""
    if step.kind is Kind.E_TOTAL:
        return "E_total"
    if step.param is not None:
        return step.param
    return step.concerns[0]


def mentions(line: str, name: str) -> bool:
    """`name` appears in the line as a whole name (h1 in out_h1, never in h10)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", line) is not None


def test_the_matrix_covers_every_operation_and_setting() -> None:
    assert set(PRESETS) == set(preset_names())
    nets = [network for _, network in networks()]
    activations = {layer.activation for network in nets for layer in network.layers}
    assert activations == set(ACTIVATIONS)
    assert {network.loss for network in nets} == set(LOSSES)
    assert {network.update for network in nets} == {"online", "batch_sum", "batch_mean"}
    assert {network.hidden_gradients for network in nets} == {
        "before_update",
        "after_output_update",
    }
    assert {network.optimizer for network in nets} == set(OPTIMIZERS)
    kinds = {step.kind for network in nets for step in trace_of(network)}
    assert kinds == set(Kind)


@pytest.mark.parametrize(("name", "network"), networks(), ids=[name for name, _ in networks()])
def test_every_step_gets_one_short_line_about_itself(name: str, network: Network) -> None:
    trace = trace_of(network)
    for step in trace:
        line = why(trace, step, strict=True)  # strict: a built-in step never falls back
        where = f"{name}: {step.symbol}: {line!r}"
        assert line.strip(), where
        assert line.isprintable(), where  # one line: no newline, tab or control character
        assert len(line) <= LIMIT, where
        assert mentions(line, subject(network, step)), where
        assert why(network, step) == line  # the network alone is enough


@settings(deadline=None, max_examples=40)
@given(random_networks())
def test_random_networks_get_a_line_for_every_step(network: Network) -> None:
    trace = trace_of(network)
    for step in trace:
        line = why(trace, step, strict=True)
        assert line.isprintable() and 0 < len(line) <= LIMIT, (step.symbol, line)
        assert mentions(line, subject(network, step)), (step.symbol, line)


def test_the_lines_are_specific_to_each_operation() -> None:
    """Every activation, loss and optimizer gets its own wording (not a shared generic one)."""
    hidden = ("sigmoid", "tanh", "relu", "linear", "leaky_relu", "elu", "softplus", "gelu")
    nets = {name: network_of(hidden=[name]) for name in hidden}
    outs = {name: line_for(network, "out_h1") for name, network in nets.items()}
    assert len(set(outs.values())) == len(outs)
    assert "logistic" in outs["sigmoid"] and "tanh" in outs["tanh"]
    slopes = {name: line_for(network, "∂out_h1/∂net_h1") for name, network in nets.items()}
    assert len(set(slopes.values())) == len(slopes)
    losses = {"half_sse": "sigmoid", "sse": "sigmoid", "mse": "sigmoid", "bce": "sigmoid"}
    losses["cross_entropy"] = "softmax"
    errors = {
        loss: line_for(network_of(hidden=["tanh"], output=output, loss=loss), "E_o1")
        for loss, output in losses.items()
    }
    assert len(set(errors.values())) == len(errors)
    slopes = {
        loss: line_for(network_of(hidden=["tanh"], loss=loss), "∂E_total/∂out_o1")
        for loss in ("half_sse", "sse", "mse")
    }
    assert len(set(slopes.values())) == len(slopes)
    updates = {
        name: line_for(network_of(hidden=["tanh"], optimizer={"name": name}), "w1⁺")
        for name in OPTIMIZERS
    }
    assert len(set(updates.values())) == len(updates)


def line_for(network: Network, symbol: str, sample: int = 0) -> str:
    """The line of the step computing `symbol` in `sample` (or in the epoch's batch update)."""
    trace = trace_of(network)
    for step in trace:
        if step.symbol == symbol and step.sample in (sample, -1):
            return why(trace, step)
    raise LookupError(symbol)


def test_mazurs_steps_read_as_the_post_reasons() -> None:
    mazur = load_network("mazur")
    assert line_for(mazur, "∂E_total/∂w5") == (
        "E_total depends on w5 only through net_o1, so the chain rule multiplies "
        "∂E_total/∂out_o1, ∂out_o1/∂net_o1 and ∂net_o1/∂w5."
    )
    assert line_for(mazur, "∂E_total/∂w1") == (
        "E_total depends on w1 only through net_h1, so the chain rule multiplies "
        "∂E_total/∂out_h1, ∂out_h1/∂net_h1 and ∂net_h1/∂w1."
    )
    assert line_for(mazur, "δ_o1") == (  # (its note defines δ_o1: the why does not again)
        "the error signal at o1's input: worked out once, it is reused for every weight into o1."
    )
    assert line_for(mazur, "∂E_total/∂out_h1") == (
        "h1 feeds o1 and o2, so its effect on E_total is the sum of what flows through each."
    )
    assert line_for(mazur, "∂E_o1/∂out_h1") == (
        "the part of E_total that flows from h1 through o1: o1's δ times the weight w5 "
        "between them."
    )
    assert line_for(mazur, "∂net_o1/∂w5") == (
        "net_o1 = w5·out_h1 + …: only the w5 term depends on w5, so its derivative is out_h1."
    )
    assert line_for(mazur, "w5⁺") == (
        "gradient descent: w5 takes a small step against its gradient, η = 0.5 times "
        "∂E_total/∂w5, to lower E_total."
    )
    assert line_for(mazur, "E_o1") == (
        "the squared error of o1 against its target t_o1, halved: the ½ cancels the exponent "
        "when we differentiate later on."
    )
    assert line_for(mazur, "∂out_o1/∂net_o1") == (
        "how much out_o1 changes with net_o1: the logistic function's slope is "
        "out_o1(1 − out_o1), read off the output."
    )


def test_the_posts_code_order_goes_through_the_updated_weights() -> None:
    network = load_network("mazur-2015")
    path = line_for(network, "∂E_o1/∂out_h1")
    assert "w5⁺" in path and "already-updated" in path and "post's code" in path
    update = line_for(network, "w5⁺")
    assert "w5⁺" in update and "layer below" in update
    # the hidden layer's own updates have nothing below them
    assert "layer below" not in line_for(network, "w1⁺")


def test_fused_output_deltas_say_why_out_minus_target() -> None:
    bce = line_for(network_of(hidden=["relu"], loss="bce"), "δ_o1")
    assert bce.startswith("sigmoid with binary cross-entropy:") and "out_o1 − t_o1" in bce
    assert "finite" in bce
    ce = line_for(load_network("relu-softmax"), "δ_o2")
    assert ce.startswith("softmax with cross-entropy:") and "out_o2 − t_o2" in ce
    softmax = line_for(network_of(hidden=["tanh"], output="softmax"), "δ_o1")
    assert softmax.startswith("softmax:") and "every output" in softmax


def test_update_lines_name_the_mode_and_the_optimizers_settings() -> None:
    online = line_for(load_network("xor"), "b_o1⁺")
    assert "η = 0.5" in online
    batch_mean = line_for(load_network("tanh-2332"), "w1⁺")
    assert "averaged" in batch_mean and "one update per epoch" in batch_mean
    batch_sum = line_for(network_of(hidden=["tanh"], update="batch_sum"), "w3⁺")
    assert "summed" in batch_sum and "one update per epoch" in batch_sum

    adam = network_of(
        hidden=["tanh"], optimizer={"name": "adam", "betas": [0.8, 0.99], "weight_decay": 0.1}
    )
    assert "β1 = 0.8" in line_for(adam, "m_w2")
    assert "β2 = 0.99" in line_for(adam, "v_w2")
    hat = line_for(adam, "m̂_w2", sample=1)  # the second sample's step: t = 2
    assert "t = 2" in hat and "m̂_w2 = m_w2/(1 − β1^t)" in hat
    assert "λ = 0.1" in line_for(adam, "g_w2")
    adamw = network_of(hidden=["tanh"], optimizer={"name": "adamw", "weight_decay": 0.01})
    assert "decoupled" in line_for(adamw, "w2′")
    momentum = network_of(hidden=["tanh"], optimizer={"name": "momentum", "momentum": 0.7})
    assert "μ = 0.7" in line_for(momentum, "v_w2")
    nesterov = network_of(hidden=["tanh"], optimizer={"name": "nesterov"})
    assert "look-ahead" in line_for(nesterov, "n_w2")
    rmsprop = network_of(hidden=["tanh"], optimizer={"name": "rmsprop", "alpha": 0.9})
    assert "α = 0.9" in line_for(rmsprop, "v_w2")


def test_activation_parameters_and_kinks_are_named() -> None:
    network = network_of(hidden=["leaky_relu", "elu"], options={0: {"alpha": 0.2}})
    assert "α = 0.2" in line_for(network, "out_h1_1")
    assert "α = 0.2" in line_for(network, "∂out_h1_1/∂net_h1_1")
    relu = line_for(load_network("relu-softmax"), "∂out_h1/∂net_h1")
    assert "kink" in relu and "1[net > 0]" in relu


class Cube(Activation):
    """out = net³, a user's own activation."""

    name = "cube"

    def forward(self, net, p):
        return net**3

    def derivative(self, net, out, p):
        return 3.0 * net**2

    def formula(self, nets, j, p):
        return Call("cube", (nets[j],))

    def derivative_formula(self, net, out, p):
        return Prod((Call("3·sq", (net,)),))


class Quarter(HalfSse):
    """A user's own loss: ½(t − out)² under another name (so, not the built-in class)."""

    name = "quarter"


class Heavy(Momentum):
    """A user's own optimizer: momentum under another name, with weight decay."""

    name = "heavy"


@pytest.fixture
def user_ops():
    register_activation(Cube())
    register_loss(Quarter())
    register_optimizer(Heavy())
    try:
        yield
    finally:
        unregister_activation("cube")
        LOSSES.pop("quarter", None)
        OPTIMIZERS.pop("heavy", None)


def test_a_users_activation_loss_and_optimizer_still_get_a_line(user_ops: None) -> None:
    network = network_of(
        hidden=["cube"],
        output="cube",
        loss="quarter",
        optimizer={"name": "heavy", "weight_decay": 0.01},
    )
    trace = trace_of(network)
    for step in trace:
        line = why(trace, step, strict=True)
        assert line.isprintable() and 0 < len(line) <= LIMIT
        assert mentions(line, subject(network, step)), (step.symbol, line)
    assert "cube" in line_for(network, "out_h1")
    assert "cube" in line_for(network, "∂out_h1/∂net_h1")
    assert "quarter" in line_for(network, "E_o1")
    assert "quarter" in line_for(network, "∂E_total/∂out_o1")
    assert "heavy" in line_for(network, "w1⁺")


def test_a_broken_explanation_falls_back_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network = load_network("mazur")
    trace = trace_of(network)
    step = trace[0]

    def broken(network: Network, step: Step) -> tuple[str, ...]:
        raise AttributeError("a user's op without the attribute")

    monkeypatch.setitem(explain._BY_KIND, Kind.NET, broken)
    line = why(trace, step)
    assert line.startswith("net_h1: ") and len(line) <= LIMIT
    with pytest.raises(AttributeError):
        why(trace, step, strict=True)


def test_long_names_still_fit() -> None:
    long = "n" * 23
    doc = document(hidden=["sigmoid"], sizes=(2, 3, 2))
    doc["input_names"] = [f"{long}{k}" for k in range(2)]
    doc["layers"][0]["names"] = [f"h{long}"[:23] + str(k) for k in range(3)]
    doc["layers"][1]["names"] = [f"o{long}"[:23] + str(k) for k in range(2)]
    network = parse_document(doc, source="why", default_name="why")
    trace = trace_of(network)
    for step in trace:
        line = why(trace, step, strict=True)
        assert len(line) <= LIMIT, line
        assert mentions(line, subject(network, step)), line


def test_why_is_cheap() -> None:
    """Called on every key press: well under a millisecond a line (typically a few µs)."""
    network = network_of(hidden=["tanh"], optimizer={"name": "adam", "weight_decay": 0.01})
    trace = trace_of(network)
    steps = list(trace)
    calls = 10_000
    start = time.perf_counter()
    for k in range(calls):
        why(trace, steps[k % len(steps)])
    per_call = (time.perf_counter() - start) / calls
    assert per_call < 200e-6, f"{per_call * 1e6:.1f} µs a call"
