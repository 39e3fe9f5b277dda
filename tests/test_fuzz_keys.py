"""Seeded random keys, clicks and resizes: the debugger never crashes and never lies.

After each event, while the debugger screen is showing at a usable size, the status line's
epoch, sample and step are the app's position, and the current-step panel shows the symbol,
formula and value that this test's own reference gives there. The reference is independent of
the app's History: it chains `compute_epoch` itself from the network's initial parameters,
epoch after epoch, in the hidden-gradient order the user chose for each epoch (a setting, read
from `history.network_for(epoch).hidden_gradients`).

The seed is fixed (BPTUI_FUZZ_SEED replays another, and every failure names the one it ran
with). The default run presses SHORT_EVENTS events per network; the slow stage
(`pytest -m slow`) BPTUI_FUZZ_EVENTS (2,000 by default) from the same seed.
"""

from __future__ import annotations

import dataclasses
import random
from collections import deque

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.status_bar import StatusBar
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.fmt import num
from tests.seeds import FUZZ_EVENTS, FUZZ_SEED

SEED = FUZZ_SEED
EVENTS = FUZZ_EVENTS
SHORT_EVENTS = min(250, EVENTS)
NETS = ["mazur", "tanh-2332"]
# The app's epochs run through the generated training loop, this reference through
# compute_epoch: the same arithmetic in another order, so values agree to ~1e-11 relative
# (a near-cancelling output error after thousands of epochs), not to the bit. A shown number
# is accepted if it is the display of a value within this relative distance of the reference.
RELATIVE = 1e-10

BINDINGS = [
    "n",
    "right",
    "space",
    "p",
    "left",
    "right_square_bracket",
    "left_square_bracket",
    "1",
    "2",
    "3",
    "4",
    "home",
    "end",
    "right_curly_bracket",
    "left_curly_bracket",
    "N",
    "P",
    "g",
    "r",
    "c",
    "b",
    "escape",
    "u",
    "f",
    "o",
    "v",
    "G",
    "m",
    "exclamation_mark",
    "question_mark",
    "ctrl+s",
    "e",
    "M",
    "t",
    "w",
    "ctrl+z",
    "ctrl+y",
    "E",
    "S",
]
OTHER = [*"ahijklstwxyz0579.-+", "enter", "tab", "escape", "ctrl+p"]
# The steppers are the commonest: a user mostly steps.
WEIGHTS = {"n": 30, "p": 15, "right_square_bracket": 6, "left_square_bracket": 4}


class Reference:
    """Each epoch's steps, from this test's own chain of `compute_epoch` calls."""

    def __init__(self) -> None:
        self.base: Network | None = None
        self.orders: list[str] = []  # the order of epoch k + 1, for each epoch chained
        self.params: list[Params] = []  # the parameters at the start of epoch k + 1
        self.traces: dict[tuple[int, tuple[str, ...]], EpochTrace] = {}

    def trace(self, history: History, epoch: int) -> EpochTrace:
        base = history.network_for(1)
        if base is not self.base:  # a network opened from the app: start again
            self.base, self.orders, self.params, self.traces = base, [], [base.params], {}
        orders = [history.network_for(e).hidden_gradients for e in range(1, epoch + 1)]
        # the chain holds up to the first epoch whose order the user has changed since
        for k in range(min(len(self.orders), epoch)):
            if self.orders[k] != orders[k]:
                del self.orders[k:]
                del self.params[k + 1 :]
                break
        while len(self.params) < epoch:
            k = len(self.params) - 1
            result = compute_epoch(self.network(orders[k]), self.params[k])
            self.orders.append(orders[k])
            self.params.append(result.params_after)
        key = (epoch, tuple(orders))
        if key not in self.traces:
            if len(self.traces) > 8:
                self.traces.clear()
            epoch_result = compute_epoch(self.network(orders[-1]), self.params[epoch - 1])
            self.traces[key] = EpochTrace(epoch_result, epoch)
        return self.traces[key]

    def network(self, order: str) -> Network:
        assert self.base is not None
        if order == self.base.hidden_gradients:
            return self.base
        return dataclasses.replace(self.base, hidden_gradients=order)


def displays(value: float, precision: int) -> set[str]:
    """How the screen may write `value` (see RELATIVE)."""
    return {num(value * (1 + RELATIVE * k / 4), precision) for k in range(-4, 5)}


def check(app: BptuiApp, reference: Reference) -> None:
    screen = app.screen
    if not isinstance(screen, DebuggerScreen) or screen.too_small or screen.running:
        return
    epoch, index = screen.position
    status = screen.query_one(StatusBar).text().plain
    assert f"epoch {epoch} " in status + " ", status
    edited = bool(screen._undo or screen._redo)  # (e, ctrl+z, ctrl+y: the screen's own history)
    trace = screen.history.trace(epoch) if edited else reference.trace(screen.history, epoch)
    step = trace[index]
    assert f"step {index + 1} of {len(trace)}" in status, status
    if trace.network.n_samples > 1:
        expected = "batch update" if step.sample < 0 else f"sample {step.sample + 1}/"
        assert expected in status, status
    panel = screen.query_one(StepPanel)
    if panel.content_size.width < 1:
        return  # hidden (a small terminal's other panel): it draws the step when shown again
    assert str(panel.border_subtitle).split(" · ")[0] == step.phase
    lines = panel.text().splitlines()
    assert lines[0] == step.symbol, (step, lines)
    assert lines[1] == f"  = {step.formula}", (step, lines)
    if screen.frame.hidden:  # predict mode, asking: the value waits for the answer
        assert "  = ?" in lines, (step, lines)
        return
    values = {f"  = {text}" for text in displays(step.value, screen.precision)}
    assert values & set(lines), (step, lines)


async def fuzz(net: str, tmp_path, monkeypatch, events: int, seed: int) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    app = BptuiApp(load_network(net))
    reference = Reference()
    keys = [*BINDINGS, *OTHER]
    weights = [WEIGHTS.get(key, 1) for key in keys]
    recent: deque[str] = deque(maxlen=12)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        screen.run_cap = 200
        for event in range(1, events + 1):
            roll = rng.random()
            try:
                if roll < 0.04:
                    size = rng.randint(40, 300), rng.randint(12, 100)
                    recent.append(f"resize {size}")
                    await pilot.resize_terminal(*size)
                elif roll < 0.10:
                    width, height = app.size
                    offset = rng.randrange(width), rng.randrange(height)
                    recent.append(f"click {offset}")
                    await pilot.click(offset=offset)
                else:
                    key = rng.choices(keys, weights)[0]
                    recent.append(key)
                    await pilot.press(key)
                if any(worker.is_running for worker in app.workers):
                    await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.is_running, "the app stopped"
                current = app.screen
                if isinstance(current, DebuggerScreen):
                    current.run_cap = 200
                check(app, reference)
            except Exception as error:
                raise AssertionError(
                    f"{net}, event {event} of BPTUI_FUZZ_SEED={seed} "
                    f"(the last ones: {', '.join(recent)}): {error!r}"
                ) from error


@pytest.mark.parametrize("net", NETS)
async def test_random_events_never_break_the_debugger(net: str, tmp_path, monkeypatch) -> None:
    print(f"fuzz seed {SEED}, {SHORT_EVENTS} events (replay with BPTUI_FUZZ_SEED={SEED})")
    await fuzz(net, tmp_path, monkeypatch, SHORT_EVENTS, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("net", NETS)
async def test_many_random_events_never_break_the_debugger(net: str, tmp_path, monkeypatch) -> None:
    print(f"fuzz seed {SEED}, {EVENTS} events (replay with BPTUI_FUZZ_SEED={SEED})")
    await fuzz(net, tmp_path, monkeypatch, EVENTS, SEED)
