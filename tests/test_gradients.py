"""Every gradient the engine computes against central finite differences, and the chain-rule
breakdowns against the gradients they explain."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings

from bptui.engine.breakdown import Node, breakdown
from bptui.engine.gradcheck import TOLERANCE, check_sample, numeric_gradient, relative_error
from bptui.engine.loader import load_network, preset_names
from bptui.engine.passes import compute_epoch, compute_sample, forward
from bptui.engine.trace import EpochTrace
from tests.netgen import networks


def away_from_kinks(network) -> bool:
    """relu is not differentiable at 0: finite differences there measure nothing."""
    nets, _ = forward(network, network.params, network.inputs)
    return all(
        layer.activation != "relu" or float(np.min(np.abs(net))) > 1e-2
        for layer, net in zip(network.layers, nets, strict=True)
    )


@pytest.mark.parametrize("preset", preset_names())
def test_presets_pass_the_gradient_check(preset: str) -> None:
    network = load_network(preset)
    for sample in range(network.n_samples):
        assert check_sample(network, network.params, sample).ok


@settings(deadline=None, max_examples=150, derandomize=True)
@given(networks())
def test_backprop_matches_finite_differences(network) -> None:
    assume(away_from_kinks(network))
    for sample in range(network.n_samples):
        check = check_sample(network, network.params, sample)
        assert check.worst <= TOLERANCE, (sample, check.errors)


@settings(deadline=None, max_examples=60, derandomize=True)
@given(networks())
def test_the_trace_gradients_are_the_true_ones_before_update(network) -> None:
    """With before_update (and in batch modes) each sample's recorded gradient is the gradient
    of its E_total at the parameters it saw; after_output_update differs in hidden layers only."""
    assume(away_from_kinks(network))
    epoch = compute_epoch(network, network.params)
    for record in epoch.samples:
        numeric = numeric_gradient(network, record.params, record.index)
        analytic = record.grads.flat()
        errors = relative_error(analytic, numeric)
        if network.hidden_gradients == "before_update":
            assert np.all(errors <= TOLERANCE)
        else:
            output = len(network.layers) - 1
            for ref in network.param_refs:
                if ref.layer == output:
                    assert errors[ref.flat_index] <= TOLERANCE


def test_mazur_2015_hidden_gradient_differs_from_the_finite_difference_as_explained() -> None:
    network = load_network("mazur-2015")
    record = compute_sample(network, network.params, 0)
    w1 = network.param("w1").flat_index
    numeric = numeric_gradient(network, network.params, 0, [w1])[0]
    assert abs(numeric - 0.000438567734) < 1e-12
    assert abs(record.grads.flat()[w1] - 0.000364723) < 0.5e-9


def _consistent(node: Node) -> None:
    """A product node is the product of its children, a sum node their sum."""
    if node.op == "leaf":
        return
    values = [child.value for child in node.children]
    combined = math.prod(values) if node.op == "product" else math.fsum(values)
    assert abs(combined - node.value) <= 1e-12 * max(1.0, abs(node.value)), node.symbol
    for child in node.children:
        _consistent(child)


@settings(deadline=None, max_examples=60, derandomize=True)
@given(networks())
def test_breakdowns_multiply_out_to_the_gradient(network) -> None:
    trace = EpochTrace(compute_epoch(network, network.params))
    for sample in range(network.n_samples):
        record = trace.epoch.samples[sample]
        grads = record.grads.flat()
        for ref in network.param_refs:
            b = breakdown(trace, ref.name, sample)
            assert b.tree.value == grads[ref.flat_index]
            _consistent(b.tree)
            delta, source = b.delta_rule
            assert abs(delta.value * source.value - b.tree.value) <= 1e-12 * max(
                1.0, abs(b.tree.value)
            )
            if ref.trained:
                assert trace[b.update].symbol == ref.name + "⁺"
            # every step a node names is at or before the gradient's own step
            for _, node in b.tree.walk():
                if node.step is not None and b.tree.step is not None:
                    assert node.step <= b.tree.step


def test_mazur_w1_breakdown_has_both_output_paths() -> None:
    network = load_network("mazur")
    trace = EpochTrace(compute_epoch(network, network.params))
    tree = breakdown(trace, "w1", 0).tree
    assert [child.symbol for child in tree.children] == [
        "∂E_total/∂out_h1",
        "∂out_h1/∂net_h1",
        "∂net_h1/∂w1",
    ]
    paths = tree.children[0].children
    assert [p.symbol for p in paths] == ["∂E_o1/∂out_h1", "∂E_o2/∂out_h1"]
    assert [[c.symbol for c in p.children] for p in paths] == [["δ_o1", "w5"], ["δ_o2", "w7"]]
    assert abs(paths[0].value - 0.055399424651) < 0.5e-9
    assert abs(paths[1].value - (-0.019049118258)) < 0.5e-9


def test_deep_nets_cut_the_paths_and_expand_on_demand() -> None:
    """In a 3-8-8-8-2 net the first layer's δs reach 128 paths: its breakdown stops at the δs
    of the layer above, marked expandable."""
    from bptui.engine.breakdown import delta_node
    from bptui.engine.loader import parse_document

    rng = np.random.default_rng(1)
    document = {
        "layers": [
            {"activation": "tanh", "size": 8},
            {"activation": "tanh", "size": 8},
            {"activation": "tanh", "size": 8},
            {"activation": "sigmoid", "size": 2},
        ],
        "samples": [{"inputs": rng.uniform(-1, 1, 3).tolist(), "targets": [0.2, 0.7]}],
    }
    network = parse_document(document, "deep", "deep")
    trace = EpochTrace(compute_epoch(network, network.params))
    tree = breakdown(trace, "w1", 0).tree
    cut = [node for _, node in tree.walk() if node.expandable]
    assert len(cut) == 8
    expanded = delta_node(trace, 0, cut[0].layer, cut[0].unit, full=False)
    assert expanded.value == cut[0].value and expanded.op == "product"


def test_check_of_a_big_net_checks_parameters_spread_evenly(monkeypatch, capsys) -> None:
    """Checking every one of a million parameters is 10¹² multiplications a sample (the hostile
    trial gave up after 120 s): over its time budget, `check` takes as many as it allows,
    spread evenly, the first and the last among them, and says so. (The budget is made small
    here, so that tanh-2332 is over it.)"""
    from bptui.cli import main
    from bptui.engine import gradcheck

    network = load_network("tanh-2332")
    assert gradcheck.checked_indices(network) is None
    total = network.n_params
    cost = gradcheck.PASS_SECONDS + gradcheck.PARAM_SECONDS * total  # (a parameter, a sample)
    monkeypatch.setattr(gradcheck, "CHECK_SECONDS", 7.5 * cost * network.n_samples)
    monkeypatch.setattr(gradcheck, "MIN_CHECKED", 3)
    indices = gradcheck.checked_indices(network)
    assert indices is not None
    assert list(indices) == sorted(set(indices)) and len(indices) == 7
    assert indices[0] == 0 and indices[-1] == total - 1
    gaps = np.diff(indices)
    assert gaps.max() - gaps.min() <= 1
    for sample in range(network.n_samples):
        some = check_sample(network, network.params, sample, indices)
        every = check_sample(network, network.params, sample)
        assert some.ok and list(some.numeric) == list(every.numeric[indices])
        assert list(some.errors) == list(every.errors[indices])
    assert main(["check", "tanh-2332"]) == 0
    out = capsys.readouterr().out
    assert f"Checked 7 of the {total} parameters, spread evenly" in out
    assert "Every checked gradient agrees within 1e-06" in out
    names = {ref.flat_index: ref.name for ref in network.param_refs}
    rows = [line.split("│")[2].strip().split(" ")[0] for line in out.splitlines() if "│ ok" in line]
    assert rows == [names[int(k)] for k in indices] * network.n_samples


def test_a_tiny_gradient_is_told_apart_from_a_relative_error() -> None:
    """After a long run the gradients are about 1e-16, and their finite differences 0.3% off
    read `rel. error 6e-11` (the newcomer trial): the error of two numbers under the check's
    floor is their difference over 1e-8, and the table says so."""
    from bptui.engine.passes import compute_epoch
    from bptui.engine.rows import ParamRows
    from bptui.engine.trace import EpochTrace

    network = load_network("mazur")
    rows = ParamRows(EpochTrace(compute_epoch(network, network.params)), 0)
    assert not any(rows.tiny_gradient(k) for k in range(len(network.param_refs)))
    document = {  # a linear net whose output is its target: every gradient is 0
        "name": "still",
        "learning_rate": 0.1,
        "layers": [{"activation": "linear", "weights": [[0.5]], "bias": 0.0}],
        "samples": [{"inputs": [2.0], "targets": [1.0]}],
    }
    from bptui.engine.loader import parse_document

    still = parse_document(document, "still", "still")
    rows = ParamRows(EpochTrace(compute_epoch(still, still.params)), 0)
    numeric, error = rows.finite_difference(0)
    assert abs(numeric) < 1e-8 and rows[0].gradient == 0
    assert rows.tiny_gradient(0) and error == abs(numeric) / 1e-8


def test_check_of_many_samples_checks_ten_spread_evenly(capsys) -> None:
    """A 2-2-1 net of 100,000 samples took 7 minutes to check and printed 900,000 rows (the
    hostile trial): at most MAX_CHECKED_SAMPLES samples, the first and the last among them,
    and the output says which."""
    import json
    import tempfile

    from bptui.cli import main
    from bptui.engine import gradcheck

    document = {
        "layers": [{"activation": "sigmoid", "size": 2}, {"activation": "sigmoid", "size": 1}],
        "samples": [{"inputs": [0.1 * k, 0.2], "targets": [0.5]} for k in range(25)],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    from bptui.engine.loader import load_network

    network = load_network(handle.name)
    chosen = gradcheck.checked_samples(network)
    assert len(chosen) == gradcheck.MAX_CHECKED_SAMPLES == 10
    assert chosen[0] == 0 and chosen[-1] == 24 and chosen == sorted(set(chosen))
    assert main(["check", handle.name]) == 0
    out = capsys.readouterr().out
    listed = ", ".join(str(k + 1) for k in chosen)
    assert f"Checked 10 of the 25 samples, spread evenly (samples {listed})." in out
    assert "Every checked gradient agrees" in out
    rows = [line for line in out.splitlines() if "│ ok" in line]
    assert len(rows) == 10 * network.n_params


def test_a_shared_bias_of_one_neuron_reads_its_delta_in_the_delta_rule() -> None:
    """`delta rule: Σ δ over o1 × 1` for the bias a one-neuron output layer shares read oddly
    (the newcomer trial): it reads `δ_o1 × 1`; a layer of two still sums over both."""
    import tomllib

    from bptui.engine.loader import parse_document

    text = """
    learning_rate = 0.5
    [[layers]]
    activation = "tanh"
    weights = [[0.15, 0.20], [0.25, 0.30]]
    bias = 0.35
    [[layers]]
    activation = "sigmoid"
    weights = [[0.40, 0.45]]
    bias = 0.6
    [[samples]]
    inputs = [0.05, 0.10]
    targets = [0.01]
    """
    network = parse_document(tomllib.loads(text), "2-2-1", "2-2-1.toml")
    trace = EpochTrace(compute_epoch(network, network.params))
    delta, one = breakdown(trace, "b2", 0).delta_rule
    assert (str(delta.sym), str(one.sym)) == ("δ_o1", "1")
    total, _ = breakdown(trace, "b1", 0).delta_rule
    assert str(total.sym) == "Σ δ over h1, h2"
