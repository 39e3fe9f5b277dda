"""The optimizer's state through the history, sessions, the table and the chain panel: an Adam
run saved and reopened goes on with the same bits, and time travel through it is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.breakdown import breakdown
from bptui.engine.history import History
from bptui.engine.loader import load_network, parse_document
from bptui.engine.passes import compute_epoch
from bptui.engine.rows import ParamRows
from bptui.engine.session import Session, load_session, save_session
from tests.screen import screen_text

OPTIMIZERS = {
    "momentum": {"momentum": 0.5, "weight_decay": 0.01},
    "nesterov": {},
    "adam": {"betas": [0.8, 0.9], "eps": 1e-6},
    "adamw": {"weight_decay": 0.05},
    "rmsprop": {"alpha": 0.9},
}


def network(name: str, update: str = "online", train_biases: bool = False):
    document = load_network("mazur")
    from bptui.engine.session import network_document

    doc = network_document(document)
    doc.update(update=update, train_biases=train_biases, name=f"mazur {name}")
    doc["optimizer"] = {"name": name, **OPTIMIZERS[name]}
    return parse_document(doc, source="test", default_name="test")


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("update", ["online", "batch_mean"])
def test_the_history_replays_the_optimizer_state_bit_for_bit(name: str, update: str) -> None:
    """Epoch 23's start reached by one run, by replaying from a checkpoint every 10 epochs,
    and by chaining compute_epoch all hold the same parameters and state."""
    net = network(name, update, train_biases=True)
    whole = History(net)
    whole.extend(40)
    chunked = History(net, every=10)
    chunked.extend(40)
    for epoch in (1, 2, 23, 41):
        p1, m1 = whole.state_at(epoch)
        p2, m2 = chunked.state_at(epoch)
        assert p1.equals(p2)
        assert len(m1) == len(net.opt.slots)
        assert all(a.equals(b) for a, b in zip(m1, m2, strict=True))
    # the trace's own chain agrees to rounding (train and compute_epoch sum in their orders)
    params, moments, steps = net.params, None, 0
    for _ in range(22):
        result = compute_epoch(net, params, moments, steps)
        params, moments, steps = result.params_after, result.moments_after, result.steps_after
    expected = whole.params_at(23).flat()
    assert np.allclose(params.flat(), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_a_session_keeps_the_optimizer_state_and_goes_on_identically(
    name: str, tmp_path: Path
) -> None:
    net = network(name)
    history = History(net, every=7)
    history.extend(30)
    path = save_session(Session(history, epoch=25, index=3), tmp_path / "run.bptui")
    reopened = load_session(path).history
    for epoch in (1, 8, 25, 31):
        p1, m1 = history.state_at(epoch)
        p2, m2 = reopened.state_at(epoch)
        assert p1.equals(p2) and all(a.equals(b) for a, b in zip(m1, m2, strict=True))
    history.extend(20)
    reopened.extend(20)
    assert history.params_at(51).equals(reopened.params_at(51))
    assert history.losses == reopened.losses


def test_untrained_parameters_keep_no_state() -> None:
    net = network("adam", train_biases=False)
    (m, v) = History(net).moments_at(5)
    assert [b.size for b in m.biases] == [0, 0] and [b.size for b in v.biases] == [0, 0]
    assert m.flat().size == 8


def test_the_table_and_the_chain_panel_show_the_optimizer_steps() -> None:
    net = network("adam", train_biases=True)
    history = History(net)
    trace = history.trace(1)
    w5 = trace.network.param("w5")
    b = breakdown(trace, "w5", 0)
    assert [trace[index].symbol for index in b.stages] == [
        "m_w5",
        "v_w5",
        "m\u0302_w5",
        "v\u0302_w5",
    ]
    assert trace[b.update].symbol == "w5⁺" and b.stages[-1] + 1 == b.update
    row = ParamRows(trace, 0)[w5.flat_index]
    (m, v) = trace.epoch.samples[0].update.moments_after
    assert row.moments == (float(m.flat()[w5.flat_index]), float(v.flat()[w5.flat_index]))
    assert row.step == row.value - row.new


async def test_time_travel_through_an_adam_run_shows_the_same_screens() -> None:
    app = BptuiApp(network("adam", train_biases=True))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        seen = {}
        for key in ["end", "n", "n", "end", "N", "4", "n", "n", "n"]:
            await pilot.press(key)
            await pilot.pause()
            seen[screen.position] = screen_text(app)
        assert "m_·" in screen_text(app)  # (the state columns follow "new")
        for position, text in seen.items():
            screen.go(*position)
            await pilot.pause()
            assert screen_text(app) == text, position
