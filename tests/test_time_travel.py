"""Time travel: a seeded random walk; every position revisited looks exactly as before."""

from __future__ import annotations

import os
import random

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.history import History
from bptui.engine.loader import load_network

SEED = int(os.environ.get("BPTUI_WALK_SEED", str(random.SystemRandom().randrange(10**6))))
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


@pytest.mark.parametrize("net, moves", [("mazur", 400), ("tanh-2332", 200)])
async def test_every_revisit_gives_the_same_screen(net: str, moves: int) -> None:
    print(f"walk seed {SEED} (replay with BPTUI_WALK_SEED={SEED})")
    rng = random.Random(SEED)
    app = BptuiApp(load_network(net))
    seen: dict[tuple[int, int], str] = {}
    revisits = 0
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        for _ in range(moves):
            move = rng.choice(MOVES)
            if move == "goto":
                screen.go(rng.randint(1, 5), rng.randrange(300))
            else:
                await pilot.press(move)
            await pilot.pause()
            svg = app.export_screenshot()
            if screen.position in seen:
                revisits += 1
                assert svg == seen[screen.position], screen.position
            else:
                seen[screen.position] = svg
        assert max(epoch for epoch, _ in seen) >= 4
        assert revisits > moves // 10


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
