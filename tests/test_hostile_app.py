"""The debugger against what a hostile user types: go-to and run answers of every shape, far
epochs that must never freeze the screen, and saves that cannot be written."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.status_bar import StatusBar
from bptui.engine.loader import load_network
from bptui.engine.symbols import find
from tests.screen import written

SIZE = (120, 40)


def debugger(app: BptuiApp) -> DebuggerScreen:
    screen = app.screen
    assert isinstance(screen, DebuggerScreen)
    return screen


async def answer(app: BptuiApp, pilot, key: str, text: str) -> None:
    """Open the dialog of `key` and answer `text` (set at once: a paste, not keystrokes)."""
    await pilot.press(key)
    await pilot.pause()
    field = app.screen.query_one(Input)
    field.value = text
    await pilot.press("enter")
    await pilot.pause()
    await written(pilot)


def notices(app: BptuiApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("①", "no step computes ①"),
        ("²", "no step computes ²"),
        ("3:²", "no step computes 3:²"),
        ("9" * 200_000, "too long for a place"),
        ("1" * 9, "past the limit of 10,000,000 epochs"),
        ("0", "epochs count from 1"),
        ("1:99", "step 99 is past the last step of epoch 1 (51 steps)"),
        ("b1", "b1 is not trained"),
        ("x" * 150, "no step computes"),
        ("w5\nw6", "cannot go to"),
    ],
)
async def test_go_to_refuses_what_names_no_step_in_one_line(text: str, fragment: str) -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("n", "n")
        await answer(app, pilot, "g", text)
        assert app.is_running
        assert screen.position == (1, 2)
        (message,) = notices(app)
        assert fragment in message
        assert "\n" not in message and len(message) < 300


async def test_go_to_a_parameter_alone_means_its_gradient() -> None:
    network = load_network("mazur")
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await answer(app, pilot, "g", "w5")
        trace = screen.history.trace(1)
        assert screen.position == (1, find(trace, "∂E_total/∂w5", 0))
        assert trace[screen.index].symbol == "∂E_total/∂w5"


@pytest.mark.parametrize("text", ["٣", "²", "1e3", "-5", "0", "1" * 5000, "10000001", ""])
async def test_a_run_answer_that_is_not_a_count_changes_nothing(text: str) -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await answer(app, pilot, "r", text)
        assert not screen.running
        assert screen.history.epochs_done == 0
        assert screen.position == (1, 0)
        assert app.is_running


async def test_a_far_go_to_runs_in_the_background_and_esc_leaves_the_position() -> None:
    """Going to epoch 10,000,000 of a batch net computes in a worker: the screen answers keys
    meanwhile, and Esc stops it where it was (the figure is benchmarks/bench_app.py's)."""
    app = BptuiApp(load_network("tanh-2332"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("n", "n", "n")
        await answer(app, pilot, "g", "10000000")
        assert screen.running
        await pilot.pause(0.3)
        await pilot.press("n", "p", "right_square_bracket")  # ignored while it computes
        assert screen.position == (1, 3)
        status = screen.query_one(StatusBar).text().plain
        assert "going to epoch 10,000,000" in status and "Esc stops" in status
        started = time.perf_counter()
        await pilot.press("escape")
        while screen.running:
            await pilot.pause(0.01)
        assert time.perf_counter() - started < 2.0  # minutes before workers; ≤ 0.2 s measured
        assert screen.position == (1, 3)
        assert 0 < screen.history.epochs_done < 10_000_000
        assert "stopped on the way to epoch 10,000,000" in screen.query_one(StatusBar).text().plain
        await pilot.press("n")
        assert screen.position == (1, 4)


async def test_a_far_go_to_arrives_where_it_was_asked() -> None:
    app = BptuiApp(load_network("tanh-2332"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await answer(app, pilot, "g", "20000 delta_o1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        trace = screen.history.trace(20_000)
        assert screen.position == (20_000, find(trace, "δ_o1", 0))


@pytest.mark.parametrize("target", ["long", "fifo", "unsearchable", "device"])
async def test_a_save_that_cannot_be_written_is_one_line_and_the_app_goes_on(
    target: str, tmp_path: Path
) -> None:
    if target == "long":
        path = str(tmp_path / ("s" * 300 + ".bptui"))
    elif target == "fifo":
        path = str(tmp_path / "fifo.bptui")
        os.mkfifo(path)
    elif target == "device":
        path = "/dev/null"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0)
        if os.access(locked, os.X_OK):
            locked.chmod(0o700)
            pytest.skip("running as root: a mode-000 directory can still be searched")
        path = str(locked / "s.bptui")
    app = BptuiApp(load_network("mazur"))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = debugger(app)
            await pilot.press("n")
            await answer(app, pilot, "ctrl+s", path)
            assert app.is_running
            (message,) = notices(app)
            assert "\n" not in message and len(message) < 400
            assert "Errno" not in message and "Traceback" not in message
            await pilot.press("n")
            assert screen.position == (1, 2)
    finally:
        if target == "unsearchable":
            (tmp_path / "locked").chmod(0o700)


def test_a_status_counts_steps_with_separators() -> None:
    """`step 8197 of 2969609` where epochs read 10,000,000 (the hostile trial)."""
    from bptui.app.widgets.status_bar import StatusBar
    from bptui.engine.loader import load_network as load
    from bptui.engine.passes import compute_epoch
    from bptui.engine.trace import EpochTrace
    from bptui.engine.view import Frame

    network = load("deep-sigmoid")
    trace = EpochTrace(compute_epoch(network, network.params))
    bar = StatusBar()
    rows = bar.rows((Frame(trace, 4999), 0, None, "", "", ""))
    assert f"step 5,000 of {len(trace):,}" in [words for words, _ in rows[0]]


async def test_opening_a_network_switches_to_it_and_a_bad_one_changes_nothing(
    tmp_path: Path,
) -> None:
    """ctrl+o: a preset opens in a new screen; a file the debugger refuses (10,001 samples, as
    the command line refuses it) is one line, and the screen shown stays."""
    from tests.screen import record_notices
    from tests.test_hostile_cli import many_samples

    app = BptuiApp(load_network("mazur"))
    notes = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = app.screen
        assert isinstance(first, DebuggerScreen)
        path = many_samples(tmp_path, 10_001)
        first.action_open_network()
        await pilot.pause()
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is first
        assert notes[-1].startswith(f"{path}: 10,001 samples, over the 10,000 the debugger")
        first.action_open_network()
        await pilot.pause()
        app.screen.query_one(Input).value = "xor"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DebuggerScreen) and app.screen is not first
        assert app.screen.history.network.name == load_network("xor").name
