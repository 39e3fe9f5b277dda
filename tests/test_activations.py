"""The activations leaky_relu, elu, softplus and gelu against independent implementations.

Each is written here again with the math module, point by point (gelu as x·Φ(x) with
Φ(x) = erfc(−x/√2)/2, softplus as log1p(eˣ) split at 0, elu's and leaky_relu's `alpha`), and
compared with the engine's object at many points, the kink and ±800 among them; then nets using
them train with both backends as chained `compute_epoch` calls do (1e-12), and `bptui check`
finds their gradients equal to finite differences, which gradcheck.py works out with its own
longdouble formulas for each (not the activation objects').

The random weights and inputs come from numpy generators seeded with SEED (set
BPTUI_OPS_SEED to try another; a failure names the seed).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bptui.cli import main
from bptui.engine import gradcheck
from bptui.engine.errors import NetworkFileError
from bptui.engine.gradcheck import check_sample
from bptui.engine.loader import parse_document
from bptui.engine.network import Network
from bptui.engine.ops import ACTIVATIONS, activations
from bptui.engine.passes import compute_epoch, forward
from bptui.engine.train import BACKENDS, train_with
from tests.seeds import OPS_SEED
from tests.test_train import Reference, assert_matches

SEED = OPS_SEED
NEW = ("leaky_relu", "elu", "softplus", "gelu")
SQRT2 = math.sqrt(2.0)


# ---------------------------------------------------------------------------------------------
# Independent implementations (floats, the math module)


def leaky_relu(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * x


def leaky_relu_derivative(x: float, alpha: float) -> float:
    return 1.0 if x > 0 else alpha  # at 0 the left side, as relu's 0


def elu(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def elu_derivative(x: float, alpha: float) -> float:
    return 1.0 if x > 0 else alpha * math.exp(x)  # alpha at 0


def softplus(x: float, alpha: float) -> float:
    # log(1 + eˣ) = x + log(1 + e^−x): exp never sees a positive argument
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def softplus_derivative(x: float, alpha: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def gelu(x: float, alpha: float) -> float:
    return x * (0.5 * math.erfc(-x / SQRT2))


def gelu_derivative(x: float, alpha: float) -> float:
    density = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return 0.5 * math.erfc(-x / SQRT2) + x * density


REFERENCE = {
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "softplus": (softplus, softplus_derivative),
    "gelu": (gelu, gelu_derivative),
}
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}

POINTS = sorted(
    {
        *np.linspace(-10.0, 10.0, 401).tolist(),
        *(sign * x for sign in (1.0, -1.0) for x in (5e-324, 1e-300, 1e-8, 0.5, 1.0, 3.0)),
        *(sign * x for sign in (1.0, -1.0) for x in (30.0, 50.0, 700.0, 800.0, 1000.0)),
        0.0,
        -0.0,
    }
)


def close(actual: float, expected: float) -> bool:
    """Within 1e-15 relative, or 1e-15 absolute near 0 (the engine's gelu is torch's
    x·½(1 + erf(x/√2)), whose 1 + erf cancels for negative x: exact to 1e-16 absolute, not
    relative)."""
    return abs(actual - expected) <= 1e-15 * max(1.0, abs(expected))


@pytest.mark.parametrize(
    ("name", "alpha"),
    [(name, None) for name in NEW]
    + [(name, alpha) for name in DEFAULT_ALPHA for alpha in (0.2, 1.7, -0.5)],
)
def test_forward_and_derivative_match_independent_formulas(name: str, alpha: float | None) -> None:
    """Every point, the kink and ±800 included, without a floating-point warning (the engine's
    forms never overflow: numpy raises here instead of warning); alpha its default or set."""
    op = ACTIVATIONS[name]
    p = {**op.parameters, **({} if alpha is None else {"alpha": alpha})}
    assert op.parameters == ({"alpha": DEFAULT_ALPHA[name]} if name in DEFAULT_ALPHA else {})
    f, df = REFERENCE[name]
    net = np.array(POINTS)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = op.forward(net, p)
        derivative = op.derivative(net, out, p)
    a = p.get("alpha", 0.0)
    for x, y, d in zip(POINTS, out.tolist(), derivative.tolist(), strict=True):
        assert close(y, f(x, a)), f"{name}({x!r}) = {y!r}, expected {f(x, a)!r}"
        assert close(d, df(x, a)), f"{name}'({x!r}) = {d!r}, expected {df(x, a)!r}"
    # and one row per sample (2-D), as the numpy backend passes them
    grid = net.reshape(-1, 1)[: 2 * (len(POINTS) // 2)].reshape(-1, 2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.array_equal(op.forward(grid, p), out[: grid.size].reshape(-1, 2))


def test_softplus_and_gelu_far_out() -> None:
    softplus_op, gelu_op = ACTIVATIONS["softplus"], ACTIVATIONS["gelu"]
    far = np.array([-800.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert softplus_op.forward(far, {}).tolist() == [0.0, 800.0]
        assert softplus_op.derivative(far, far, {}).tolist() == [0.0, 1.0]
        assert gelu_op.forward(far, {}).tolist() == [0.0, 800.0]
        assert gelu_op.derivative(far, far, {}).tolist() == [0.0, 1.0]


def test_the_kink_takes_the_left_side() -> None:
    """The documented convention: at net = 0 the derivative is relu's 0, leaky_relu's and elu's
    alpha (their left side), in the numpy maths and the generated scalar code alike."""
    doc = " ".join((activations.__doc__ or "").split())
    assert "0 for relu, alpha for leaky_relu and elu at net = 0" in doc
    zero = np.array([0.0, -0.0])
    expected = {"relu": 0.0, "leaky_relu": 0.3, "elu": 0.3}
    for name, value in expected.items():
        op = ACTIVATIONS[name]
        p = {"alpha": 0.3} if op.parameters else {}
        out = op.forward(zero, p)
        assert out.tolist() == [0.0, 0.0]
        assert op.derivative(zero, out, p).tolist() == [value, value], name
        # the scalar code's derivative expression, evaluated at 0
        expression = op.code_derivative("net", "out", p)
        assert expression is not None
        for x in (0.0, -0.0):
            assert eval(expression, {"exp": math.exp}, {"net": x, "out": 0.0}) == value


@pytest.mark.parametrize("name", NEW)
def test_the_scalar_code_computes_what_forward_does(name: str) -> None:
    """The lines `code` and `code_derivative` write for the generated backend, run on floats,
    against `forward` and `derivative` on arrays: to the last bit or a few ulps (math's
    expm1, erf and log1p are not numpy's)."""
    op = ACTIVATIONS[name]
    p = {"alpha": 0.37} if op.parameters else {}
    functions = {"exp": math.exp, "log1p": math.log1p, "erf": math.erf, "expm1": math.expm1}
    source = "\n".join(op.code("net", "out", p))
    derivative = op.code_derivative("net", "out", p) or "1.0"
    net = np.array(POINTS)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = op.forward(net, p)
        d = op.derivative(net, out, p)
    for x, y, dy in zip(POINTS, out.tolist(), d.tolist(), strict=True):
        scope: dict[str, float] = {"net": x}
        exec(source, dict(functions), scope)
        assert math.isclose(scope["out"], y, rel_tol=1e-15, abs_tol=1e-300), (x, scope, y)
        value = eval(derivative, dict(functions), {"net": x, "out": scope["out"]})
        assert math.isclose(value, dy, rel_tol=1e-15, abs_tol=1e-300), (x, value, dy)


# ---------------------------------------------------------------------------------------------
# Networks using them


def document(
    hidden: str,
    output: str,
    loss: str = "half_sse",
    update: str = "online",
    optimizer: dict[str, Any] | None = None,
    alpha: dict[str, float] | None = None,
    seed: int = SEED,
) -> dict[str, Any]:
    """A 3-4-2 net of 3 samples (seeded), `alpha` set on the layers whose activation takes it."""
    rng = np.random.default_rng([seed, NEW.index(hidden) if hidden in NEW else 9])
    layers = []
    n_in = 3
    for size, activation in ((4, hidden), (2, output)):
        layer: dict[str, Any] = {
            "activation": activation,
            "weights": rng.uniform(-1.0, 1.0, (size, n_in)).tolist(),
            "biases": rng.uniform(-0.5, 0.5, size).tolist(),
        }
        if alpha and activation in alpha:
            layer["alpha"] = alpha[activation]
        layers.append(layer)
        n_in = size

    def targets() -> np.ndarray:
        if output == "softmax":
            return rng.dirichlet(np.ones(2))
        return rng.uniform(0.1, 0.9, 2) if output == "sigmoid" else rng.uniform(-0.9, 0.9, 2)

    return {
        "name": f"{hidden}/{output}",
        # RMSprop's first steps are ±10·η whatever the gradient, Adam's ±η: smaller rates
        "learning_rate": {"adam": 0.02, "rmsprop": 0.005}.get((optimizer or {}).get("name"), 0.1),
        "loss": loss,
        "update": update,
        "optimizer": optimizer or {"name": "sgd"},
        "layers": layers,
        "samples": [
            {"inputs": rng.uniform(-1.5, 1.5, 3).tolist(), "targets": targets().tolist()}
            for _ in range(3)
        ],
    }


def load(doc: dict[str, Any]) -> Network:
    return parse_document(doc, source="test", default_name="test")


def reference(network: Network, epochs: int) -> Reference:
    """`epochs` chained compute_epoch calls, the optimizer's state and step count carried."""
    params, moments, steps, losses = network.params, None, 0, []
    for _ in range(epochs):
        epoch = compute_epoch(network, params, moments, steps)
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after
        losses.append(epoch.loss_after)
    return Reference(params, np.array(losses), None)


TRAIN_CASES = [
    (hidden, output, update, optimizer)
    for hidden in NEW
    for output, update, optimizer in [
        ("linear", "online", "sgd"),
        ("sigmoid", "batch_sum", "momentum"),
        (hidden, "batch_mean", "adam"),
        (hidden, "online", "rmsprop"),
    ]
]


@pytest.mark.parametrize(("hidden", "output", "update", "optimizer"), TRAIN_CASES)
def test_train_with_matches_compute_epoch(
    hidden: str, output: str, update: str, optimizer: str
) -> None:
    """The generated code and the numpy backend against chained compute_epoch calls (1e-12),
    the new activation hidden and (in half the cases) on the output layer too."""
    alpha = {"leaky_relu": 0.2, "elu": 0.7}
    doc = document(hidden, output, update=update, optimizer={"name": optimizer}, alpha=alpha)
    network = load(doc)
    for layer in network.layers:
        if layer.activation in alpha:
            assert layer.p == {"alpha": alpha[layer.activation]}
    ref = reference(network, 30)
    assert np.all(np.isfinite(ref.losses)) and ref.params.is_finite()
    for backend in BACKENDS:
        assert_matches(train_with(network, None, 30, backend=backend), ref)


def away_from_kinks(network: Network) -> bool:
    """leaky_relu and elu (alpha ≠ 1) have a kink at 0: finite differences there measure
    nothing."""
    nets, _ = forward(network, network.params, network.inputs)
    return all(
        layer.activation not in ("relu", "leaky_relu", "elu") or float(np.min(np.abs(net))) > 0.05
        for layer, net in zip(network.layers, nets, strict=True)
    )


def kink_free(hidden: str, output: str, loss: str = "half_sse", **kwargs: Any) -> dict:
    """The first seeded document from SEED on whose nets keep away from the kinks."""
    for seed in range(SEED, SEED + 100):
        doc = document(hidden, output, loss, seed=seed, **kwargs)
        if away_from_kinks(load(doc)):
            return doc
    raise AssertionError(f"no kink-free net near seed {SEED}")  # pragma: no cover


CHECK_CASES = [
    (hidden, output, loss)
    for hidden in NEW
    for output, loss in [(hidden, "half_sse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]
] + [("tanh", output, "mse") for output in NEW]


@pytest.mark.parametrize(("hidden", "output", "loss"), CHECK_CASES)
def test_check_passes(hidden: str, output: str, loss: str, tmp_path: Path, capsys) -> None:
    """`bptui check` (finite differences, gradcheck.py's own longdouble forward pass) agrees
    with backprop on nets using each activation, hidden and on the output; `trace` runs."""
    doc = kink_free(hidden, output, loss, alpha={"leaky_relu": 0.15, "elu": 0.6})
    network = load(doc)
    for sample in range(network.n_samples):
        check = check_sample(network, network.params, sample)
        assert check.ok, (sample, check.worst, f"seed {SEED}")
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    assert main(["check", str(path)]) == 0
    assert "Every gradient agrees" in capsys.readouterr().out
    assert main(["trace", str(path)]) == 0


@pytest.mark.parametrize("name", NEW)
def test_gradcheck_uses_its_own_formulas(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """gradcheck's forward pass computes the built-in activations itself, in longdouble, and
    does not lean on the activation objects it checks: with their `forward` broken it still
    gives the same loss; its values agree with this file's formulas."""
    doc = kink_free(name, name, alpha={"leaky_relu": 0.15, "elu": 0.6})
    network = load(doc)
    flat = network.params.flat().astype(np.longdouble)
    before = [gradcheck.sample_loss(network, flat, network.params, s) for s in range(3)]

    def broken(self: Any, net: np.ndarray, p: Any) -> np.ndarray:
        raise AssertionError("gradcheck called the activation's own forward")

    monkeypatch.setattr(type(ACTIVATIONS[name]), "forward", broken)
    after = [gradcheck.sample_loss(network, flat, network.params, s) for s in range(3)]
    assert after == before
    layer = network.layers[0]
    alpha = layer.p.get("alpha", 0.0)
    f = REFERENCE[name][0]
    points = [x for x in POINTS if abs(x) <= 50]
    values = gradcheck._activate(layer, np.array(points, dtype=np.longdouble))
    assert values.dtype == np.longdouble
    for x, y in zip(points, values.tolist(), strict=True):
        assert close(float(y), f(x, alpha)), (x, y, f(x, alpha))


def test_gelu_in_gradcheck_is_extended_precision() -> None:
    """gradcheck's erfc (numpy has none in longdouble) to a few longdouble epsilons, absolute,
    for x in [−8, 8]: against erfc summed to 50 digits with the decimal module (erf's series
    2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!), and against math.erfc to float64's precision."""
    from decimal import Decimal, localcontext

    pi = Decimal("3.14159265358979323846264338327950288419716939937510")

    def erfc_decimal(x: float) -> Decimal:
        with localcontext() as context:
            context.prec = 60
            z = abs(Decimal(x))
            term = total = z
            n = 0
            while term > Decimal(10) ** -55 * total:
                n += 1
                term = term * 2 * z * z / (2 * n + 1)
                total += term
            erf = 2 / pi.sqrt() * (-z * z).exp() * total
            return 1 - erf if x >= 0 else 1 + erf

    tolerance = 8 * float(np.finfo(np.longdouble).eps)
    xs = np.linspace(-8.0, 8.0, 161)
    ours = gradcheck._erfc(xs.astype(np.longdouble))
    assert ours.dtype == np.longdouble
    for x, y in zip(xs.tolist(), ours, strict=True):
        assert abs(float(y) - math.erfc(x)) <= 2.3e-16 * max(1.0, math.erfc(x)), x
        error = abs(Decimal(str(y)) - erfc_decimal(x))
        assert error <= tolerance, (x, y, error)


def test_alpha_comes_from_the_layer_key() -> None:
    doc = document("leaky_relu", "elu", alpha={"leaky_relu": 0.25, "elu": 2.0})
    network = load(doc)
    assert [layer.p for layer in network.layers] == [{"alpha": 0.25}, {"alpha": 2.0}]
    default = load(document("leaky_relu", "elu"))
    assert [layer.p for layer in default.layers] == [{"alpha": 0.01}, {"alpha": 1.0}]
    # the trace shows it
    from bptui.engine.trace import EpochTrace

    trace = EpochTrace(compute_epoch(network, network.params))
    formulas = {step.symbol: step.formula for step in trace}
    assert formulas["out_h1"] == "net_h1 if net_h1 > 0 else 0.25·net_h1"
    assert formulas["out_o1"] == "net_o1 if net_o1 > 0 else 2·(e^(net_o1) − 1)"
    assert formulas["∂out_o1/∂net_o1"] == "1 if net_o1 > 0 else 2·e^(net_o1)"


@pytest.mark.parametrize(
    ("activation", "key", "value", "message"),
    [
        ("relu", "alpha", 0.1, "layers[0].alpha: unknown key"),
        ("softplus", "alpha", 0.1, "layers[0].alpha: unknown key"),
        ("leaky_relu", "alpha", "big", "layers[0].alpha: expected a number"),
        ("elu", "alpha", True, "layers[0].alpha: expected a number"),
        ("elu", "beta", 1.0, "layers[0].beta: unknown key"),
    ],
)
def test_bad_activation_parameters_are_refused(
    activation: str, key: str, value: Any, message: str
) -> None:
    doc = document("tanh", "sigmoid")
    doc["layers"][0]["activation"] = activation
    doc["layers"][0][key] = value
    with pytest.raises(NetworkFileError) as caught:
        load(doc)
    assert str(caught.value).startswith(f"test: {message}")
    assert "\n" not in str(caught.value)
