"""`evaluate`: a step's formula, evaluated from its own numbers, gives the step's value, for
every step of every preset, every activation and optimizer, and random nets; an unknown
function or literal is a `NotEvaluable`, never a wrong number."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from bptui.engine.loader import load_network, parse_document, preset_names
from bptui.engine.network import Network
from bptui.engine.ops.evaluation import NotEvaluable, evaluate
from bptui.engine.ops.terms import Call, Const, Sum, Var, ident
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from tests.netgen import networks

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear", "leaky_relu", "elu", "softplus", "gelu"]
OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"]


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-3)


def check_every_step(network: Network, epochs: int = 2) -> int:
    params, moments, steps = network.params, None, 0
    checked = 0
    for number in range(1, epochs + 1):
        epoch = compute_epoch(network, params, moments, steps)
        for step in EpochTrace(epoch, number):
            value = evaluate(step.expr, lambda var: var.value)
            assert close(value, step.value), (step.symbol, step.formula, value, step.value)
            checked += 1
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after
    return checked


@pytest.mark.parametrize("name", preset_names())
def test_every_step_of_every_preset(name: str) -> None:
    assert check_every_step(load_network(name)) > 0


def small(activation: str, optimizer: str = "sgd", update: str = "online") -> Network:
    document = {
        "learning_rate": 0.1,
        "update": update,
        "layers": [
            {"activation": activation, "weights": [[0.3, -0.8], [-0.5, 0.2], [0.9, 0.1]],
             "biases": [0.1, -0.2, 0.0]},
            {"activation": "sigmoid", "weights": [[0.4, -0.45, 0.2]], "bias": 0.1},
        ],
        "samples": [{"inputs": [0.5, -1.0], "targets": [0.2]},
                    {"inputs": [-0.3, 0.8], "targets": [0.9]}],
    }  # fmt: skip
    if optimizer != "sgd":
        document["optimizer"] = {"name": optimizer, "weight_decay": 0.01}
    return parse_document(document, "test", "test")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation(activation: str) -> None:
    # inputs on both sides of 0: relu's and elu's two branches
    assert check_every_step(small(activation), epochs=3) > 0


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("update", ["online", "batch_mean"])
def test_every_optimizer(optimizer: str, update: str) -> None:
    assert check_every_step(small("tanh", optimizer, update), epochs=3) > 0


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(networks())
def test_random_nets(network: Network) -> None:
    check_every_step(network)


def test_values_come_from_the_lookup() -> None:
    a, b = Var(ident("a"), 1.0), Var(ident("b"), 2.0)
    term = Sum((a, b))
    assert evaluate(term, lambda v: v.value) == 3.0
    assert evaluate(term, lambda v: {"a": 10.0}.get(v.sym.text, v.value)) == 12.0


def test_an_unknown_function_or_literal_is_not_evaluable() -> None:
    with pytest.raises(NotEvaluable):
        evaluate(Call("sinh", (Var(ident("a"), 1.0),)), lambda v: v.value)
    with pytest.raises(NotEvaluable):
        evaluate(Const("π"), lambda v: v.value)


def test_the_mean_of_one_output_is_written_without_dividing_by_1() -> None:
    """mse with one output wrote `E_o1 = (t_o1 − out_o1)²/1` (the newcomer trial); with two,
    `/2` stays, and both are the values the steps hold."""
    from bptui.engine.loader import parse_document
    from bptui.engine.passes import compute_epoch
    from bptui.engine.trace import EpochTrace
    from bptui.fmt import equation

    for outputs in (1, 2):
        document = {
            "name": "m",
            "loss": "mse",
            "layers": [{"activation": "linear", "weights": [[0.5, -0.25]] * outputs}],
            "samples": [{"inputs": [1.0, 2.0], "targets": [0.3] * outputs}],
        }
        network = parse_document(document, "m", "m")
        trace = EpochTrace(compute_epoch(network, network.params))
        texts = [
            equation(step) for step in trace if step.symbol.startswith(("E_o", "∂E_total/∂out"))
        ]
        assert texts, texts
        for text in texts:
            assert ("/1" in text) is False and (f"/{outputs}" in text) == (outputs == 2), text
