"""Drawing ahead: in idle time the screen draws the step the next key most likely shows (the
next, or the one before after a step back), and each widget remembers its drawings by what
they depend on. A drawing made ahead must be exactly the drawing the key would have made:
two apps take the same keys, one drawing ahead before every key (with a setting changed in
between, now and then) and one that never draws ahead nor remembers a drawing; their screens
are the same after every key.

The walk is seeded (BPTUI_WALK_SEED replays another; a failure names the one it ran with).
"""

from __future__ import annotations

import random

import pytest
from textual.pilot import Pilot

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.breakpoints import Breakpoint
from bptui.engine.loader import load_network
from tests.seeds import WALK_SEED

# Keys between one drawing ahead and the step it drew for: each changes something a widget
# draws (the words, the columns, the order and so the history, the pin, a breakpoint, the
# theme and so the diagram's styles).
CHANGES = ("y", "f", "o", "pin", "unpin", "breakpoint", "theme", "ctrl+z")


async def same_screens(*pilots: Pilot) -> bool:
    """Do the apps show the same screen? A theme's change reaches the widgets over a few
    frames, sooner in one app than in the other on a busy machine: they are given up to a
    tenth of a second to agree (a stale drawing never would)."""
    for _ in range(10):
        if len({pilot.app.export_screenshot() for pilot in pilots}) == 1:
            return True
        for pilot in pilots:
            await pilot.pause(0.01)
    return False


async def walk(net: str, precision: int, moves: int, seed: int) -> int:
    """Returns how many keys found their step drawn ahead."""
    rng = random.Random(seed)
    ahead, fresh = BptuiApp(load_network(net), precision), BptuiApp(load_network(net), precision)
    hits = 0
    async with ahead.run_test(size=(120, 40)) as pa, fresh.run_test(size=(120, 40)) as pf:
        a, f = ahead.screen, fresh.screen
        assert isinstance(a, DebuggerScreen) and isinstance(f, DebuggerScreen)
        f._prepare = lambda: None  # type: ignore[method-assign]  # (never draws ahead)
        for widget in f.query("*"):
            if hasattr(widget, "remembered"):  # (and remembers no drawing)
                widget.remembered = lambda key, make: make()
        for number in range(1, moves + 1):
            a._prepare()
            change = rng.choice(CHANGES) if rng.random() < 0.6 else None
            names = [ref.name for ref in a.history.network.param_refs]
            for app, pilot, screen in ((ahead, pa, a), (fresh, pf, f)):
                if change in ("y", "f", "ctrl+z"):
                    await pilot.press(change)
                elif change == "o":  # (asks first: Enter switches)
                    await pilot.press("o")
                    await pilot.pause()
                    await pilot.press("enter")
                elif change == "pin":
                    screen.pinned = names[number % len(names)]
                elif change == "unpin":
                    screen.pinned = None
                elif change == "breakpoint":
                    screen.breakpoints = [Breakpoint("gradient", names[number % len(names)])]
                    screen.show()
                elif change == "theme":
                    app.theme = "bptui-light" if app.theme != "bptui-light" else "bptui-dark"
                await pilot.pause()
                assert app.screen is screen, f"{change} left a dialog open"
            if change is not None:
                assert await same_screens(pa, pf), (
                    f"{net}: {change} before key {number} of BPTUI_WALK_SEED={seed}: the screen "
                    f"at {a.position} shows otherwise than drawn anew"
                )
            drawn_ahead = [
                w._ahead is not None for w in a._widgets.values() if hasattr(w, "_ahead")
            ]
            key = "p" if rng.random() < 0.3 else "n"
            await pa.press(key)
            await pf.press(key)
            await pa.pause()
            await pf.pause()
            hits += any(drawn_ahead)
            assert a.position == f.position
            assert await same_screens(pa, pf), (
                f"{net}: key {number} ({key}, after {change}) of BPTUI_WALK_SEED={seed}: the "
                f"step drawn ahead, {a.position}, shows otherwise than drawn then"
            )
    return hits


@pytest.mark.parametrize("net, precision", [("mazur", 9), ("tanh-2332", 4), ("and-or", 6)])
async def test_a_step_drawn_ahead_shows_as_drawn_then(net: str, precision: int) -> None:
    print(f"walk seed {WALK_SEED} (replay with BPTUI_WALK_SEED={WALK_SEED})")
    hits = await walk(net, precision, 80, WALK_SEED)
    assert hits > 30, "the walk found few steps drawn ahead: it tests little"
