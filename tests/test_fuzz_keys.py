"""Seeded random keys, clicks and resizes: the debugger never crashes and never lies.

After each event, while the debugger screen is showing at a usable size, the status line's
epoch, sample and step are the app's position, and the current-step panel shows the symbol and
value that this test's own engine trace gives there (recomputed epoch by epoch with
`compute_epoch`, not through the app's history). BPTUI_FUZZ_SEED replays a run;
BPTUI_FUZZ_EVENTS sets how many events (2,000 by default).
"""

from __future__ import annotations

import os
import random

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.status_bar import StatusBar
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.fmt import num

EVENTS = int(os.environ.get("BPTUI_FUZZ_EVENTS", "2000"))
SEED = int(os.environ.get("BPTUI_FUZZ_SEED", str(random.SystemRandom().randrange(10**6))))

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
    "m",
    "exclamation_mark",
    "question_mark",
    "ctrl+s",
]
OTHER = [*"aehijklstwxyz0579.-+", "enter", "tab", "escape", "ctrl+p"]
# The steppers are the commonest: a user mostly steps.
WEIGHTS = {"n": 30, "p": 15, "right_square_bracket": 6, "left_square_bracket": 4}


class OwnTrace:
    """Each epoch's steps, computed here from the network's own parameters."""

    def __init__(self, app: BptuiApp) -> None:
        self.app = app
        self.cache: dict[tuple[int, str], EpochTrace] = {}

    def trace(self, history, epoch: int) -> EpochTrace:
        network = history.network_for(epoch)
        key = (epoch, network.hidden_gradients)
        if key not in self.cache:
            params = history.params_at(epoch)
            self.cache[key] = EpochTrace(compute_epoch(network, params), epoch)
        return self.cache[key]


def check(app: BptuiApp, own: OwnTrace) -> None:
    screen = app.screen
    if not isinstance(screen, DebuggerScreen) or screen.too_small or screen.running:
        return
    epoch, index = screen.position
    status = screen.query_one(StatusBar).text().plain
    assert f"epoch {epoch} " in status + " "
    trace = own.trace(screen.history, epoch)
    step = trace[index]
    assert f"step {index + 1}/{len(trace)}" in status
    if trace.network.n_samples > 1:
        expected = "batch update" if step.sample < 0 else f"sample {step.sample + 1}/"
        assert expected in status
    panel = screen.query_one(StepPanel)
    assert panel.border_subtitle == step.phase
    shown = panel.text()
    assert shown.splitlines()[0] == step.symbol, (step, shown)
    assert num(step.value, screen.precision) in shown, (step, shown)


async def fuzz(net: str, tmp_path, monkeypatch, events: int, seed: int) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    app = BptuiApp(load_network(net))
    own = OwnTrace(app)
    keys = [*BINDINGS, *OTHER]
    weights = [WEIGHTS.get(key, 1) for key in keys]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        screen.run_cap = 200
        for _ in range(events):
            roll = rng.random()
            if roll < 0.04:
                await pilot.resize_terminal(rng.randint(40, 300), rng.randint(12, 100))
            elif roll < 0.10:
                width, height = app.size
                await pilot.click(offset=(rng.randrange(width), rng.randrange(height)))
            else:
                await pilot.press(rng.choices(keys, weights)[0])
            if any(worker.is_running for worker in app.workers):
                await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running, "the app stopped"
            current = app.screen
            if isinstance(current, DebuggerScreen):
                current.run_cap = 200
            check(app, own)


@pytest.mark.parametrize("net", ["mazur", "tanh-2332"])
async def test_random_events_never_break_the_debugger(net: str, tmp_path, monkeypatch) -> None:
    print(f"fuzz seed {SEED} (replay with BPTUI_FUZZ_SEED={SEED})")
    await fuzz(net, tmp_path, monkeypatch, EVENTS, SEED)
