"""One operation is one object: two activations defined in this file only, registered through
the public registry (bptui.engine.ops), work everywhere the built-in ones do.

`Softsign` (x/(1 + |x|), with a formula term of its own for |x|) and `ScaledTanh`
(tanh(scale·x), a parameter a network file sets with a layer key, `scale = 1.5`) subclass
`Activation` and give its maths, formulas and scalar code; the `registered` fixture registers
them and unregisters them after each test. A network file using them then goes through the
loader, `bptui trace` (text, Markdown with the formulas' LaTeX, JSON), `train` on both backends
(agreeing with chained `compute_epoch` calls to 1e-12), `check` (finite differences, whose
forward pass falls back to the activation's own `forward` for an activation it does not know)
and the chain-rule breakdown (every product and sum node multiplies or adds out to its value).

The network's numbers come from a numpy generator seeded with SEED (BPTUI_OPS_SEED).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from bptui.cli import main
from bptui.engine.breakdown import Node, breakdown
from bptui.engine.errors import NetworkFileError
from bptui.engine.gradcheck import check_sample
from bptui.engine.loader import load_network, parse_document
from bptui.engine.network import Network
from bptui.engine.ops import (
    ACTIVATIONS,
    register_activation,
    unregister_activation,
)
from bptui.engine.ops.activations import Activation
from bptui.engine.ops.terms import ONE, Call, Const, Diff, Prod, Quot, Square, Style, Sum, Term
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.engine.train import BACKENDS, train_with
from tests.seeds import OPS_SEED
from tests.test_train import Reference, assert_losses_close, assert_matches

SEED = OPS_SEED


# ---------------------------------------------------------------------------------------------
# The two activations


class Abs(Term):
    """|a|: a formula term the engine does not have (terms are open to extension too)."""

    def __init__(self, a: Term) -> None:
        self.a = a

    def render(self, style: Style, leading: bool) -> str:
        inner = self.a.render(style, True)
        return rf"\left|{inner}\right|" if style.tex else f"|{inner}|"

    def children(self) -> tuple[Term, ...]:
        return (self.a,)


class Softsign(Activation):
    """x/(1 + |x|); its derivative 1/(1 + |x|)²."""

    name = "softsign"

    def forward(self, net, p):
        return net / (1.0 + np.abs(net))

    def derivative(self, net, out, p):
        d = 1.0 + np.abs(net)
        return 1.0 / (d * d)

    def formula(self, nets, j, p):
        return Quot(nets[j], Sum((ONE, Abs(nets[j]))))

    def derivative_formula(self, net, out, p):
        return Quot(ONE, Square(Sum((ONE, Abs(net)))))

    def code(self, net, out, p):
        return [f"{out} = {net} / (1.0 + abs({net}))"]

    def code_derivative(self, net, out, p):
        return f"(1.0 / ((1.0 + abs({net})) * (1.0 + abs({net}))))"


class ScaledTanh(Activation):
    """tanh(scale·x); its derivative scale·(1 − out²)."""

    name = "scaled_tanh"
    parameters: ClassVar[dict[str, float]] = {"scale": 1.0}
    functions = ("tanh",)

    def forward(self, net, p):
        return np.tanh(p["scale"] * net)

    def derivative(self, net, out, p):
        return p["scale"] * (1.0 - out * out)

    def formula(self, nets, j, p):
        return Call("tanh", (Prod((Const(f"{p['scale']:g}"), nets[j]), "·"),))

    def derivative_formula(self, net, out, p):
        return Prod((Const(f"{p['scale']:g}"), Diff(ONE, Square(out))), "·")

    def code(self, net, out, p):
        return [f"{out} = tanh({float(p['scale'])!r} * {net})"]

    def code_derivative(self, net, out, p):
        return f"({float(p['scale'])!r} * (1.0 - {out} * {out}))"


@pytest.fixture
def registered() -> Iterator[None]:
    """softsign and scaled_tanh registered for the test, and gone after it."""
    assert "softsign" not in ACTIVATIONS and "scaled_tanh" not in ACTIVATIONS
    register_activation(Softsign())
    register_activation(ScaledTanh())
    try:
        yield
    finally:
        unregister_activation("softsign")
        unregister_activation("scaled_tanh")


# ---------------------------------------------------------------------------------------------
# A network file using them


def toml_text(update: str = "online", optimizer: str = "sgd", seed: int = SEED) -> str:
    """A 2-3-2 net: softsign hidden, scaled_tanh (scale = 1.5) outputs, 3 samples, mse."""
    rng = np.random.default_rng(seed)

    def row(n: int, low: float = -1.0, high: float = 1.0) -> str:
        return "[" + ", ".join(repr(float(v)) for v in rng.uniform(low, high, n)) + "]"

    samples = "".join(
        f"\n[[samples]]\ninputs = {row(2)}\ntargets = {row(2, -0.8, 0.8)}\n" for _ in range(3)
    )
    learning_rate = 0.02 if optimizer == "adam" else 0.1  # Adam's first steps are ±η each
    return f"""name = "extension"
learning_rate = {learning_rate}
loss = "mse"
update = "{update}"

[optimizer]
name = "{optimizer}"

[[layers]]
activation = "softsign"
weights = [{row(2)}, {row(2)}, {row(2)}]
biases = {row(3, -0.5, 0.5)}

[[layers]]
activation = "scaled_tanh"
scale = 1.5
weights = [{row(3)}, {row(3)}]
bias = {float(rng.uniform(-0.5, 0.5))!r}
{samples}"""


@pytest.fixture
def net_file(registered: None, tmp_path: Path) -> Path:
    path = tmp_path / "extension.toml"
    path.write_text(toml_text(), encoding="utf-8")
    return path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """`bptui ARGS` through `bptui.cli.main` in this process (where the registry is)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def chained(network: Network, epochs: int) -> Reference:
    """`epochs` chained compute_epoch calls, the optimizer's state and step count carried."""
    params, moments, steps, losses = network.params, None, 0, []
    for _ in range(epochs):
        epoch = compute_epoch(network, params, moments, steps)
        params, moments, steps = epoch.params_after, epoch.moments_after, epoch.steps_after
        losses.append(epoch.loss_after)
    return Reference(params, np.array(losses), None)


def test_the_loader_takes_them_and_their_parameter(net_file: Path) -> None:
    network = load_network(net_file)
    assert [layer.activation for layer in network.layers] == ["softsign", "scaled_tanh"]
    assert [layer.p for layer in network.layers] == [{}, {"scale": 1.5}]
    # the parameter is the layer key of scaled_tanh only
    bad = net_file.read_text().replace(
        'activation = "softsign"', 'activation = "softsign"\nscale = 2'
    )
    net_file.write_text(bad)
    with pytest.raises(NetworkFileError, match=r"layers\[0\]\.scale: unknown key"):
        load_network(net_file)


def test_unregistered_they_are_unknown(tmp_path: Path) -> None:
    path = tmp_path / "extension.toml"
    path.write_text(
        toml_text().replace('activation = "scaled_tanh"\nscale = 1.5', 'activation = "tanh"')
    )
    with pytest.raises(NetworkFileError) as caught:
        load_network(path)
    message = str(caught.value)
    assert 'layers[0].activation: unknown "softsign"; expected one of sigmoid' in message
    assert "\n" not in message


def test_registering_checks_names() -> None:
    class Bad(Softsign):
        name = "soft sign"

    class BadKey(ScaledTanh):
        name = "scaled"
        parameters: ClassVar[dict[str, float]] = {"two words": 1.0}

    with pytest.raises(ValueError, match="identifier"):
        register_activation(Bad())
    with pytest.raises(ValueError, match="identifier"):
        register_activation(BadKey())
    assert "soft sign" not in ACTIVATIONS and "scaled" not in ACTIVATIONS


def test_trace_text(net_file: Path, run) -> None:
    code, out, err = run("trace", str(net_file))
    assert code == 0, err
    assert "out_h1 = net_h1/(1 + |net_h1|) = " in out
    assert "∂out_h1/∂net_h1 = 1/(1 + |net_h1|)² = " in out
    assert "out_o1 = tanh(1.5·net_o1) = " in out
    assert "∂out_o1/∂net_o1 = 1.5·(1 − out_o1²) = " in out


def test_trace_markdown_has_the_latex(net_file: Path, run) -> None:
    code, out, err = run("trace", str(net_file), "--format", "markdown")
    assert code == 0, err
    net_h1 = r"\mathrm{net}_{\mathrm{h1}}"
    assert rf"= \frac{{{net_h1}}}{{1 + \left|{net_h1}\right|}} = " in out
    assert rf"= \frac{{1}}{{(1 + \left|{net_h1}\right|)^{{2}}}} = " in out
    assert r"= \tanh(1.5 \cdot \mathrm{net}_{\mathrm{o1}}) = " in out
    assert r"### Chain-rule breakdowns (sample 1)" in out


def test_trace_json_holds_the_engines_numbers(net_file: Path, run) -> None:
    network = load_network(net_file)
    code, out, err = run("trace", str(net_file), "--epochs", "3", "--format", "json")
    assert code == 0, err
    epochs = json.loads(out)["epochs"]
    reference = chained(network, 3)
    assert [e["loss_after"] for e in epochs] == reference.losses.tolist()
    first = compute_epoch(network, network.params)
    sample = epochs[0]["samples"][0]
    assert sample["values"]["out_h1"] == first.samples[0].outs[0][0]
    assert sample["values"]["∂out_o2/∂net_o2"] == first.samples[0].dout_dnet[1][1]
    expected = math.tanh(1.5 * first.samples[0].nets[1][1])
    assert abs(sample["values"]["out_o2"] - expected) <= 1e-15


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("update", ["online", "batch_sum", "batch_mean"])
def test_train_matches_compute_epoch(
    registered: None, update: str, optimizer: str, tmp_path: Path, run
) -> None:
    path = tmp_path / "extension.toml"
    path.write_text(toml_text(update, optimizer), encoding="utf-8")
    network = load_network(path)
    reference = chained(network, 40)
    for backend in BACKENDS:
        assert_matches(train_with(network, None, 40, backend=backend), reference)
    # the command, against as many traced epochs
    code, out, err = run("train", str(path), "--epochs", "40", "--format", "json")
    assert code == 0, err
    trained = json.loads(out)
    assert_losses_close(np.array([trained["loss"]]), reference.losses[-1:])
    code, out, err = run("trace", str(path), "--epochs", "40", "--format", "json")
    assert code == 0, err
    last = json.loads(out)["epochs"][-1]
    for ours, theirs in zip(trained["layers"], last["layers_after"], strict=True):
        for key in ("weights", "biases"):
            a, b = np.array(ours[key]), np.array(theirs[key])
            assert float(np.max(np.abs(a - b))) <= 1e-12 * float(np.max(np.abs(b)))


def test_check_passes(net_file: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finite differences agree with backprop; gradcheck's forward pass, which knows no
    softsign, asks the object (its documented fallback)."""
    calls: list[str] = []
    for name in ("softsign", "scaled_tanh"):
        op = ACTIVATIONS[name]
        original = op.forward

        def spy(net: np.ndarray, p: Any, original: Any = original, name: str = name) -> Any:
            calls.append(name)
            return original(net, p)

        monkeypatch.setattr(op, "forward", spy)
    code, out, err = run("check", str(net_file))
    assert code == 0, err + out
    assert "Every gradient agrees" in out
    assert {"softsign", "scaled_tanh"} <= set(calls)
    network = load_network(net_file)
    for sample in range(network.n_samples):
        assert check_sample(network, network.params, sample).ok


def test_a_wrong_derivative_is_caught_by_check(registered: None, tmp_path: Path, run) -> None:
    """The check is a real one: a softsign whose derivative lacks its square fails it."""

    class WrongSoftsign(Softsign):
        def derivative(self, net, out, p):
            return 1.0 / (1.0 + np.abs(net))

    register_activation(WrongSoftsign())
    path = tmp_path / "wrong.toml"
    path.write_text(toml_text())
    code, out, _ = run("check", str(path))
    assert code == 1 and "MISMATCH" in out


def consistent(node: Node) -> None:
    """A product node is the product of its children, a sum node their sum."""
    if node.op == "leaf":
        return
    values = [child.value for child in node.children]
    combined = math.prod(values) if node.op == "product" else math.fsum(values)
    assert abs(combined - node.value) <= 1e-12 * max(1.0, abs(node.value)), node.symbol
    for child in node.children:
        consistent(child)


@pytest.mark.parametrize("update", ["online", "batch_mean"])
def test_breakdowns_multiply_out(registered: None, update: str, tmp_path: Path) -> None:
    path = tmp_path / "extension.toml"
    path.write_text(toml_text(update))
    network = load_network(path)
    trace = EpochTrace(compute_epoch(network, network.params))
    for sample in range(network.n_samples):
        grads = trace.epoch.samples[sample].grads.flat()
        for ref in network.param_refs:
            b = breakdown(trace, ref.name, sample)
            assert b.tree.value == grads[ref.flat_index]
            consistent(b.tree)
            # the chain runs through the new derivatives: scaled_tanh's for every parameter,
            # softsign's for the first layer's
            values = {node.symbol: node.value for _, node in b.tree.walk()}
            record = trace.epoch.samples[sample]
            reached = [k for k in range(2) if f"∂out_o{k + 1}/∂net_o{k + 1}" in values]
            assert reached == ([ref.row] if ref.layer == 1 and ref.kind == "weight" else [0, 1])
            for k in reached:
                out = record.outs[1][k]
                assert values[f"∂out_o{k + 1}/∂net_o{k + 1}"] == 1.5 * (1.0 - out * out)
            if ref.layer == 0 and ref.kind == "weight":
                net = record.nets[0][ref.row]
                derivative = values[f"∂out_h{ref.row + 1}/∂net_h{ref.row + 1}"]
                assert derivative == 1.0 / ((1.0 + abs(net)) * (1.0 + abs(net)))


def test_replacing_an_activation_replaces_its_code(registered: None, tmp_path: Path) -> None:
    """register_activation takes a replacement under a name already in use; the generated
    code must follow it (it is cached by network shape and activation name)."""
    path = tmp_path / "extension.toml"
    path.write_text(toml_text())
    network = load_network(path)
    first = train_with(network, None, 5, backend="scalar")
    assert_matches(first, chained(network, 5))

    class HalfSoftsign(Softsign):
        """x/(2 + |x|)."""

        def forward(self, net, p):
            return net / (2.0 + np.abs(net))

        def derivative(self, net, out, p):
            d = 2.0 + np.abs(net)
            return 2.0 / (d * d)

        def code(self, net, out, p):
            return [f"{out} = {net} / (2.0 + abs({net}))"]

        def code_derivative(self, net, out, p):
            return f"(2.0 / ((2.0 + abs({net})) * (2.0 + abs({net}))))"

    register_activation(HalfSoftsign())
    network = load_network(path)
    for backend in BACKENDS:
        assert_matches(train_with(network, None, 5, backend=backend), chained(network, 5))


def test_the_registry_is_the_one_list(registered: None) -> None:
    """parse_document, the step trace and the code generator find them with nothing else
    told: a document (JSON-like dict) using both, on every update mode."""
    for update in ("online", "batch_sum", "batch_mean"):
        document = {
            "loss": "half_sse",
            "update": update,
            "layers": [
                {"activation": "scaled_tanh", "scale": 0.5, "size": 3},
                {"activation": "softsign", "size": 1},
            ],
            "samples": [{"inputs": [0.2, -0.4], "targets": [0.3]}],
        }
        network = parse_document(document, source="dict", default_name="dict")
        trace = EpochTrace(compute_epoch(network, network.params))
        formulas = {step.symbol: step.formula for step in trace}
        assert formulas["out_h1"] == "tanh(0.5·net_h1)"
        assert formulas["out_o1"] == "net_o1/(1 + |net_o1|)"
        assert_matches(train_with(network, None, 3, backend="scalar"), chained(network, 3))
