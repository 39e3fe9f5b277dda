"""The lazy step trace: equal to the eager walk, navigable, deterministic, consistent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from bptui.engine.loader import load_network, preset_names
from bptui.engine.passes import compute_epoch
from bptui.engine.steps import PHASES
from bptui.engine.trace import EpochTrace
from tests.netgen import networks


def trace_of(network, params=None) -> EpochTrace:
    return EpochTrace(compute_epoch(network, network.params if params is None else params))


@pytest.mark.parametrize("preset", preset_names())
def test_random_access_equals_the_eager_walk_on_presets(preset: str) -> None:
    trace = trace_of(load_network(preset))
    eager = list(trace.eager_steps())
    assert len(eager) == len(trace)
    assert [trace[k] for k in range(len(trace))] == eager
    assert [step.index for step in eager] == list(range(len(trace)))


@settings(deadline=None, max_examples=60, derandomize=True)
@given(networks())
def test_random_access_equals_the_eager_walk(network) -> None:
    trace = trace_of(network)
    eager = list(trace.eager_steps())
    assert [trace[k] for k in range(len(trace))] == eager
    # Every step can be found again from its coordinates.
    for block in trace.blocks:
        for local in range(block.count):
            kind, unit, rep = block.decode(local)
            assert trace.index_of(block.sample, kind, block.layer, unit, rep) == block.start + local


def test_mazur_epoch_has_the_posts_order() -> None:
    trace = trace_of(load_network("mazur"))
    phases = [segment.phase for segment in trace.segments]
    assert phases == list(PHASES)
    symbols = [step.symbol for step in trace]
    assert symbols[:11] == [
        "net_h1",
        "out_h1",
        "net_h2",
        "out_h2",
        "net_o1",
        "out_o1",
        "net_o2",
        "out_o2",
        "E_o1",
        "E_o2",
        "E_total",
    ]
    assert symbols[11:16] == [
        "∂E_total/∂out_o1",
        "∂out_o1/∂net_o1",
        "δ_o1",
        "∂net_o1/∂w5",
        "∂E_total/∂w5",
    ]
    assert (
        symbols.index("∂E_o1/∂out_h1")
        < symbols.index("∂E_o2/∂out_h1")
        < symbols.index("∂E_total/∂out_h1")
        < symbols.index("δ_h1")
        < symbols.index("∂E_total/∂w1")
    )
    assert symbols[-8:] == [f"w{k}⁺" for k in range(1, 9)]


def test_after_output_update_puts_each_layers_update_after_its_gradients() -> None:
    trace = trace_of(load_network("mazur-2015"))
    phases = [segment.phase for segment in trace.segments]
    assert phases == ["forward", "error", "backward", "update", "backward", "update"]
    symbols = [step.symbol for step in trace]
    assert symbols.index("w8⁺") < symbols.index("∂E_o1/∂out_h1")
    path = trace[symbols.index("∂E_o1/∂out_h1")]
    assert path.formula == "δ_o1 × w5⁺"
    assert path.args[1] == trace[symbols.index("w5⁺")].value


def test_batch_modes_trace_every_sample_then_one_update() -> None:
    network = load_network("tanh-2332")
    trace = trace_of(network)
    keys = [(segment.sample, segment.phase) for segment in trace.segments]
    assert keys == [
        (0, "forward"),
        (0, "error"),
        (0, "backward"),
        (1, "forward"),
        (1, "error"),
        (1, "backward"),
        (-1, "update"),
    ]
    update = trace[trace.sample_start(-1)]
    assert update.symbol == "w1⁺" and update.note.startswith("batch_mean")


def test_recomputing_an_epoch_gives_the_same_steps_bit_for_bit() -> None:
    network = load_network("relu-softmax")
    first = list(trace_of(network))
    second = list(trace_of(network))
    assert first == second
    assert all(a.value.hex() == b.value.hex() for a, b in zip(first, second, strict=True))


@settings(deadline=None, max_examples=40, derandomize=True)
@given(networks())
def test_update_steps_agree_with_the_next_epochs_parameters(network) -> None:
    epoch = compute_epoch(network, network.params)
    trace = EpochTrace(epoch)
    after = epoch.params_after.flat()
    last_update: dict[str, float] = {}
    for step in trace:
        if step.phase == "update":
            last_update[step.param] = step.value
    for ref in network.param_refs:
        if ref.name in last_update:
            expected = after[ref.flat_index]
            assert abs(last_update[ref.name] - expected) <= 1e-12 * max(1.0, abs(expected))
        else:
            assert not ref.trained  # untrained biases have no update step
            assert after[ref.flat_index] == network.params.flat()[ref.flat_index]


def test_param_at_follows_the_step_or_the_next_gradient() -> None:
    trace = trace_of(load_network("mazur"))
    symbols = [step.symbol for step in trace]
    assert trace.param_at(0) == "w5"  # forward: the first gradient to come is w5's
    assert trace.param_at(symbols.index("∂E_total/∂w1")) == "w1"
    assert trace.param_at(symbols.index("∂E_o1/∂out_h2")) == "w3"
    assert trace.param_at(symbols.index("w7⁺")) == "w7"


def test_a_big_epoch_answers_without_building_its_steps() -> None:
    """64-128-128-10 with 64 samples: about 6 million steps, any one found at once."""
    from bptui.engine.loader import parse_document

    rng = np.random.default_rng(3)
    document = {
        "learning_rate": 0.1,
        "layers": [
            {"activation": "relu", "size": 128},
            {"activation": "tanh", "size": 128},
            {"activation": "sigmoid", "size": 10},
        ],
        "samples": [
            {
                "inputs": rng.uniform(-1, 1, 64).tolist(),
                "targets": rng.uniform(0.1, 0.9, 10).tolist(),
            }
            for _ in range(64)
        ],
    }
    network = parse_document(document, "big", "big")
    trace = trace_of(network)
    built = []
    real_make = trace._make
    trace._make = lambda *args: built.append(args[0]) or real_make(*args)
    assert 5_000_000 < len(trace) < 7_000_000
    last = trace[len(trace) - 1]
    middle = trace[len(trace) // 2]
    assert last.phase == "update" and middle.sample == 32
    assert trace.segment_of(len(trace) // 2).sample == 32
    assert len(built) == 2  # two records built, not six million


def test_markdown_writes_e_total_one_way() -> None:
    """Its last line wrote `$E_{total}$` where the rest writes `E_{\\mathrm{total}}` (the
    newcomer trial)."""
    import io

    from bptui.engine.loader import load_network
    from bptui.engine.passes import compute_epoch
    from bptui.report import markdown

    network = load_network("mazur")
    out = io.StringIO()
    markdown.write_trace(out, network, [EpochTrace(compute_epoch(network, network.params))], 9)
    text = out.getvalue()
    assert "E_{total}" not in text and "E_{\\mathrm{total}}" in text
    assert "**Epoch 1 done:** $E_{\\mathrm{total}}$ summed over the samples" in text
