"""Time travel: a seeded random walk; every position revisited looks exactly as before.

The seed is fixed (BPTUI_WALK_SEED replays another; a failure names the one it ran with). The
default run takes a short walk on each network, the slow stage (`pytest -m slow`) a long one
from the same seed.
"""

from __future__ import annotations

import random

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.history import History
from bptui.engine.loader import load_network
from tests.seeds import WALK_SEED

SEED = WALK_SEED
MOVES = (
    ["n"] * 8
    + ["p"] * 5
    + [
        "right_square_bracket",
        "left_square_bracket",
        "right_curly_bracket",
        "left_curly_bracket",
        "N",
        "N",
        "P",
        "home",
        "end",
        "goto",
    ]
)


async def walk(net: str, moves: int, seed: int) -> None:
    rng = random.Random(seed)
    app = BptuiApp(load_network(net))
    seen: dict[tuple[int, int], str] = {}
    revisits = 0
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        for move_number in range(1, moves + 1):
            move = rng.choice(MOVES)
            if move == "goto":
                screen.go(rng.randint(1, 5), rng.randrange(300))
            else:
                await pilot.press(move)
            await pilot.pause()
            svg = app.export_screenshot()
            if screen.position in seen:
                revisits += 1
                assert svg == seen[screen.position], (
                    f"{net}: move {move_number} ({move}) of BPTUI_WALK_SEED={seed} came back to "
                    f"{screen.position} and the screen differs"
                )
            else:
                seen[screen.position] = svg
        assert max(epoch for epoch, _ in seen) >= 4, f"BPTUI_WALK_SEED={seed}: too short a walk"
        assert revisits > moves // 10, f"BPTUI_WALK_SEED={seed}: too few revisits"


@pytest.mark.parametrize("net, moves", [("mazur", 100), ("tanh-2332", 100)])
async def test_every_revisit_gives_the_same_screen(net: str, moves: int) -> None:
    print(f"walk seed {SEED} (replay with BPTUI_WALK_SEED={SEED})")
    await walk(net, moves, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("net, moves", [("mazur", 1000), ("tanh-2332", 500)])
async def test_every_revisit_of_a_long_walk_gives_the_same_screen(net: str, moves: int) -> None:
    print(f"walk seed {SEED} (replay with BPTUI_WALK_SEED={SEED})")
    await walk(net, moves, SEED)


def test_update_steps_agree_with_the_next_epochs_parameters() -> None:
    """The history's epoch e+1 starts exactly where epoch e's update steps end (to 1e-12)."""
    for net in ("mazur", "mazur-2015", "xor", "tanh-2332", "relu-softmax"):
        network = load_network(net)
        history = History(network)
        history.extend(30)
        for epoch in (1, 2, 17, 30):
            trace = history.trace(epoch)
            final: dict[str, float] = {}
            for step in trace:
                if step.phase == "update":
                    final[step.param] = step.value
            after = history.params_at(epoch + 1).flat()
            for ref in network.param_refs:
                if ref.name in final:
                    assert abs(final[ref.name] - after[ref.flat_index]) <= 1e-12 * max(
                        1.0, abs(after[ref.flat_index])
                    )
