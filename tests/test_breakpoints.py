"""Breakpoints: each kind stops on the step an independent scan of the steps finds."""

from __future__ import annotations

import math

import pytest
from textual.widgets import Label

from bptui.app.app import BptuiApp
from bptui.app.breakpoints_screen import BreakpointsScreen
from bptui.app.debugger import DebuggerScreen
from bptui.engine.breakpoints import Breakpoint, parse_breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from tests.screen import index_of

SIZE = (120, 40)


def expected_stop(network, start: tuple[int, int], holds, epochs: int = 200):
    """The first (epoch, index) after `start` whose step satisfies `holds`, by walking every
    step of every epoch in order (no index arithmetic), from epoch-by-epoch parameters."""
    params = network.params
    for epoch in range(1, start[0] + epochs):
        trace = EpochTrace(compute_epoch(network, params), epoch)
        if epoch >= start[0]:
            for step in trace.eager_steps():
                if (epoch, step.index) > start and holds(step):
                    return epoch, step.index
        params = trace.epoch.params_after
    return None


def test_parsing_the_four_kinds() -> None:
    net = load_network("mazur")
    assert parse_breakpoint(net, "w5") == Breakpoint("gradient", "w5")
    assert parse_breakpoint(net, "dE_total/dw1") == Breakpoint("gradient", "w1")
    assert parse_breakpoint(net, "E_total < 0.01") == Breakpoint("loss_below", threshold=0.01)
    assert parse_breakpoint(net, "nan") == Breakpoint("nonfinite")
    assert parse_breakpoint(net, "|dE_total/dw5| > 0.05") == Breakpoint(
        "gradient_above", "w5", 0.05
    )
    assert parse_breakpoint(net, "|grad| > 1") == Breakpoint("gradient_above", None, 1.0)
    for bad in ["w99", "E_total < x", "|w5| > inf", ""]:
        with pytest.raises(BptuiError):
            parse_breakpoint(net, bad)


async def _continue(
    app: BptuiApp, breakpoints: list[Breakpoint], start_keys: list[str], pilot, count: int = 200
) -> DebuggerScreen:
    screen = app.screen
    assert isinstance(screen, DebuggerScreen)
    await pilot.press(*start_keys)
    screen.breakpoints = breakpoints
    screen.start_run(count)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


@pytest.mark.parametrize(
    "net, bp, start_keys, holds",
    [
        ("mazur", Breakpoint("gradient", "w1"), ["end"], lambda s: s.symbol == "∂E_total/∂w1"),
        (  # from the second sample's error phase: its own gradient of b_o1 comes next
            "xor",
            Breakpoint("gradient", "b_o1"),
            ["n"] * index_of("E_o1", "xor", sample=1),
            lambda s: s.symbol == "∂E_total/∂b_o1",
        ),
        (
            "mazur",
            Breakpoint("loss_below", threshold=0.25),
            [],
            lambda s: s.symbol == "E_total" and s.value < 0.25,
        ),
        (  # one step past epoch 1's gradient of w5: the stop is in a later epoch
            "mazur",
            Breakpoint("gradient_above", "w5", 0.08),
            ["n"] * (index_of("∂E_total/∂w5") + 1),
            lambda s: s.symbol == "∂E_total/∂w5" and abs(s.value) > 0.08,
        ),
        (  # from the middle of the first forward pass
            "xor",
            Breakpoint("gradient_above", None, 0.02),
            ["n"] * index_of("net_o1", "xor"),
            lambda s: (
                s.symbol.startswith("∂E_total/∂")
                and s.param is not None
                and s.kind.startswith("grad")
                and abs(s.value) > 0.02
            ),
        ),
    ],
)
async def test_each_kind_stops_where_an_independent_scan_does(net, bp, start_keys, holds) -> None:
    network = load_network(net)
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _continue(app, [bp], start_keys, pilot)
        start_position = screen.position
        expected = expected_stop(network, _start_of(network, start_keys), holds)
        assert expected is not None
        assert start_position == expected
        assert "breakpoint:" in screen.run_text


def _start_of(network, keys: list[str]) -> tuple[int, int]:
    trace = EpochTrace(compute_epoch(network, network.params))
    if keys == ["end"]:
        return 1, len(trace) - 1
    return 1, len(keys)


async def test_the_first_nonfinite_value_stops_the_run(tmp_path) -> None:
    wild = tmp_path / "wild.toml"
    wild.write_text(  # a linear net with a learning rate that makes it diverge
        "learning_rate = 50.0\n"
        '[[layers]]\nactivation = "linear"\nweights = [[0.5, -0.3], [0.2, 0.4]]\n'
        '[[layers]]\nactivation = "linear"\nweights = [[0.3, 0.6]]\n'
        "[[samples]]\ninputs = [1.0, 2.0]\ntargets = [1.0]\n"
    )
    network = load_network(str(wild))
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _continue(app, [Breakpoint("nonfinite")], [], pilot)
        expected = expected_stop(network, (1, 0), lambda s: not math.isfinite(s.value))
        assert expected is not None
        assert screen.position == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("E_total < 0", "a loss is never below 0, so this would never stop"),
        ("E_total < -0.5", "expected a threshold above 0, found '-0.5'"),
        ("E_total < 1e-999", "found '1e-999' (it rounds to 0)"),
        ("|grad| > -1", "a magnitude is never below 0, so this would stop at every gradient"),
        ("|w5| > -0.1", "expected 0 or more, found '-0.1'"),
        ("E_total > 0", "not a breakpoint: 'E_total > 0'; the comparisons are E_total <"),
        ("E_total <= 0.1", "not a breakpoint"),
        ("|w5| < 3", "not a breakpoint"),
    ],
)
def test_breakpoints_that_never_or_always_hold_are_refused(text: str, words: str) -> None:
    """(The hostile trial: `E_total < 1e-999` was kept and listed as `< 0`, `|grad| > -1`
    kept, and `E_total > 0` said there was no parameter named `E_total>0`.)"""
    with pytest.raises(BptuiError) as info:
        parse_breakpoint(load_network("mazur"), text)
    assert words in str(info.value)
    assert "E_total>0" not in str(info.value)


def test_the_least_thresholds_that_can_hold_are_kept() -> None:
    net = load_network("mazur")
    assert parse_breakpoint(net, "|grad| > 0") == Breakpoint("gradient_above", None, 0.0)
    assert parse_breakpoint(net, "E_total < 5e-324").threshold == 5e-324


async def test_the_panel_refuses_a_breakpoint_already_in_its_list() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        panel = app.screen
        assert isinstance(panel, BreakpointsScreen)
        await pilot.press(*"nan", "enter", *"inf", "enter")
        await pilot.press(*"w5", "enter", *"dE_total/dw5", "enter")
        assert [bp.describe() for bp in panel.breakpoints] == [
            "the first non-finite value",
            "∂E_total/∂w5 (any sample)",
        ]
        error = panel.query_one("#error", Label)
        assert str(error.render()) == "already in the list: ∂E_total/∂w5 (any sample)"


async def test_the_panel_adds_toggles_and_deletes() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("b")
        panel = app.screen
        assert isinstance(panel, BreakpointsScreen)
        await pilot.press(*"w1", "enter")
        await pilot.press(*"E_total < 0.1", "enter")
        await pilot.press(*"w99", "enter")  # an error line, nothing added
        assert [bp.describe() for bp in panel.breakpoints] == [
            "∂E_total/∂w1 (any sample)",
            "E_total < 0.1",
        ]
        await pilot.press("escape")
        assert isinstance(screen, DebuggerScreen)
        assert len(screen.breakpoints) == 2
        assert "●w1" in _table_text(app)


def _table_text(app) -> str:
    from tests.screen import screen_text

    return screen_text(app)
