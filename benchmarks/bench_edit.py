"""How long an edit takes to show: from the edit's confirmation (the value typed and checked,
the history asked about) to the end of the first frame the screen renders after it, in the
app in-process (`run_test`), median and max of 10 edits each, with the undo (ctrl+z) of each
timed the same way.

Run: .venv/bin/python benchmarks/bench_edit.py

Targets (issue 11): Mazur at 120×40 <= 50 ms; the 64-128-128-10 net of benchmarks/big.json
(26,122 parameters, 64 samples: 6.2 million steps an epoch) at 160×50 <= 300 ms. Each edit
changes w5 (Mazur) or w1 (big) to a new value at a step of the backward pass, so that the
whole epoch (every value, gradient and breakdown shown) is recomputed. Printed, not asserted.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bptui.app.app import BptuiApp  # noqa: E402
from bptui.app.debugger import DebuggerScreen  # noqa: E402
from bptui.engine.edits import apply_edit, parse_edit  # noqa: E402
from bptui.engine.loader import load_network  # noqa: E402
from bptui.engine.session import network_document  # noqa: E402

EDITS = 10


async def measure(net: str, size: tuple[int, int], name: str, target: float) -> None:
    app = BptuiApp(load_network(net))
    edits: list[float] = []
    undos: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        trace = screen.history.trace(1)
        place = next(k for k in range(len(trace)) if trace[k].phase == "backward")
        screen.go(1, place + 3)
        await pilot.pause()
        rendered = asyncio.Event()
        original = screen._compositor_refresh

        def refresh(*args, **kwargs):
            result = original(*args, **kwargs)
            rendered.set()
            return result

        screen._compositor_refresh = refresh  # type: ignore[method-assign]
        for k in range(EDITS):
            network = screen.history.network_for(1)
            edit = parse_edit(network, f"{name} = {0.3 + 0.01 * k}")
            params, changed = apply_edit(
                network, screen.history.params_at(1), edit, network_document
            )
            await pilot.pause(0.05)
            rendered.clear()
            started = time.perf_counter()
            screen._edit_confirmed("y", edit, params, changed)
            await asyncio.wait_for(rendered.wait(), 30)
            edits.append(time.perf_counter() - started)
            await pilot.pause(0.05)
            rendered.clear()
            started = time.perf_counter()
            screen.action_undo()
            await asyncio.wait_for(rendered.wait(), 30)
            undos.append(time.perf_counter() - started)
    for what, times in (("edit", edits), ("undo", undos)):
        median, worst = statistics.median(times) * 1000, max(times) * 1000
        verdict = "ok" if median <= target else "OVER TARGET"
        print(
            f"{Path(net).name} {size[0]}x{size[1]} {what} -> rendered: median {median:.1f} ms, "
            f"max {worst:.1f} ms (target <= {target:.0f} ms): {verdict}"
        )


def main() -> None:
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()}")
    asyncio.run(measure("mazur", (120, 40), "w5", 50))
    asyncio.run(measure(str(HERE / "big.json"), (160, 50), "w1", 300))
    print(f"(load average {os.getloadavg()} at the end)")


if __name__ == "__main__":
    main()
