"""Benchmarks of the bptui app on a big net: benchmarks/big.json (64-128-128-10, 26,122
parameters, 64 samples, online: 6.2 million steps an epoch), written by benchmarks/make_big.py.

Run: .venv/bin/python benchmarks/bench_big.py  (about a minute; needs tmux)
     --only tmux | inprocess   runs one half

Each figure is measured and printed beside its target (nothing is asserted):

1. In tmux at 160×50, `bptui benchmarks/big.json`: from launching the command to the first
   capture showing the complete first screen (the status line, the diagram's first and last
   neurons, the step panel on net_h1_1, the 5 rows of the parameter table with its
   selected row, the plot's axes, the footer); median of 7 launches after an untimed warm-up;
   target <= 2 s.
2. In the same terminal, key to settled screen (the method of bench_app.py: captures every
   0.5 ms, the time of the first capture of the screen that then stays still for 150 ms),
   median of 10 presses each, target <= 200 ms each: `n`; `]` (a phase jump, from the start);
   and `pagedown` in the parameter table, focused first by a mouse click on the table's
   header row (an SGR mouse report sent with tmux send-keys -H; a click on the header
   focuses the table without pinning a row).
3. In-process (Pilot, `run_test(size=(160, 50))`, a fresh process): RSS after opening, after
   visiting every phase of sample 1 (`]` until sample 2 starts) and after running 100 epochs
   (`start_run(100)`), with the peak (VmHWM); target: peak < 300 MB. In another fresh
   process, the RSS growth over `start_run(1000)` from the opened app; target <= 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_app import (
    BPTUI,
    LAUNCHES,
    PYTHON,
    ROOT,
    Tmux,
    all_of,
    limit_line,
    load,
    open_settled,
    rss_mb,
    spread,
    start_times,
)

HERE = Path(__file__).resolve().parent
BIG_NET = HERE / "big.json"
SIZE = (160, 50)
PRESSES = 10
TARGET_START = 2.0
TARGET_KEY = 0.200

_BIG_PARTS = all_of(
    r"bptui · big 64-128-128-10 · epoch 1 · sample 1/64 · FORWARD · step 1 of 6,?214,?720",
    r"\(i1\) \S+ ",
    r"\(i64\) \S+ ",
    r"\(h1_1\) b 0",
    r"\(h2_128\) b 0",
    r"\(o10\) → \S+",
    r"Current step",
    r"│ net_h1_1 ",
    r"│▶w\d+ +\S+ +· ",  # the table's selected row (the step's parameter)
    r"\de-?\d+┤",
    r"└┬─",
    r"q Quit",
)
_TABLE_ROW = re.compile(r"^│.w\d+ +\S+ +· ", re.MULTILINE)


TABLE_ROWS = 5  # the table's rows at 160×50 under a step panel as tall as it may grow


def big_first(screen: str) -> bool:
    """The complete first screen: the parts above and the table's rows."""
    return _BIG_PARTS(screen) and len(_TABLE_ROW.findall(screen)) >= TABLE_ROWS


# ---------------------------------------------------------------------------------------------
# tmux


def table_header(screen: str) -> tuple[int, int]:
    """The cell of the parameter table's header row (its ' name' column)."""
    for y, line in enumerate(screen.splitlines()):
        x = line.find("│ name ")
        if x >= 0:
            return x + 2, y
    raise RuntimeError("no parameter table header on screen")


def keys(tmux: Tmux, key: str, presses: int) -> list[float] | str:
    try:
        return [tmux.press(key) for _ in range(presses)]
    except TimeoutError as error:
        return str(error)


def key_line(label: str, times: list[float] | str) -> str:
    if isinstance(times, str):
        return f"{label}: NOT MEASURED ({times})"
    return limit_line(f"{label} median", statistics.median(times), TARGET_KEY) + f" {spread(times)}"


def bench_tmux() -> None:
    argv = [BPTUI, str(BIG_NET)]
    with Tmux(*SIZE) as tmux:
        starts = start_times(tmux, argv, big_first)
        print(
            limit_line(
                "big (160x50) start->first complete frame median",
                statistics.median(starts),
                TARGET_START,
            )
            + f" {spread(starts)}"
        )

        open_settled(tmux, argv, big_first)
        print(key_line("big key n->settled", keys(tmux, "n", PRESSES)))
        tmux.stop()

        open_settled(tmux, argv, big_first)
        print(key_line("big key ] (next phase)->settled", keys(tmux, "]", PRESSES)))
        tmux.stop()

        open_settled(tmux, argv, big_first)
        x, y = table_header(tmux.capture(styled=False))
        tmux.click(x, y)
        tmux.quiet(0.3)
        print(
            key_line(
                "big key pagedown in the focused parameter table->settled",
                keys(tmux, "PageDown", PRESSES),
            )
        )
        tmux.stop()


# ---------------------------------------------------------------------------------------------
# In-process (child processes)


def child(part: str) -> None:
    sys.stdout.flush()
    subprocess.run([PYTHON, __file__, "--child", part], check=False, cwd=ROOT)


def open_big():
    """The app on big.json (not started)."""
    from bptui.app.app import BptuiApp
    from bptui.engine.loader import load_network

    return BptuiApp(load_network(BIG_NET))


async def part_memory() -> None:
    from bptui.app.debugger import DebuggerScreen

    base, _ = rss_mb()
    app = open_big()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        opened, _ = rss_mb()

        phases = []
        start = time.perf_counter()
        while screen.frame.sample == 0 and len(phases) < 20:
            phases.append(screen.frame.phase)
            await pilot.press("right_square_bracket")
            await pilot.pause()
        visit = time.perf_counter() - start
        visited, _ = rss_mb()

        start = time.perf_counter()
        screen.start_run(100)
        await app.workers.wait_for_complete()
        await pilot.pause()
        run = time.perf_counter() - start
        ran, peak = rss_mb()
        done = screen.history.epochs_done
    print(
        limit_line(
            "big peak RSS (open, every phase of sample 1, 100 epochs run in-app)", peak, 300.0, "MB"
        ).replace("<= 300 MB", "< 300 MB")
        + f": RSS {base:.0f} MB before the app (imports), {opened:.0f} MB opened, "
        f"{visited:.0f} MB after the phases {'/'.join(phases)} of sample 1 "
        f"({visit:.2f} s), {ran:.0f} MB after {done} epochs ({run:.1f} s)"
    )


async def part_growth() -> None:
    from bptui.app.debugger import DebuggerScreen

    app = open_big()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        before, _ = rss_mb()
        start = time.perf_counter()
        screen.start_run(1000)
        await app.workers.wait_for_complete()
        await pilot.pause()
        run = time.perf_counter() - start
        after, peak = rss_mb()
        done = screen.history.epochs_done
        every = screen.history.every
    print(
        limit_line(
            f"big RSS growth over an in-app run of {done:,} epochs", after - before, 100.0, "MB"
        )
        + f" (RSS {before:.0f} -> {after:.0f} MB, peak {peak:.0f} MB; the run took "
        f"{run:.1f} s; a checkpoint every {every} epochs)"
    )


CHILD_PARTS = {"memory": part_memory, "growth": part_growth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("tmux", "inprocess"))
    parser.add_argument("--child", choices=tuple(CHILD_PARTS), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        asyncio.run(CHILD_PARTS[options.child]())
        return
    if not BIG_NET.exists():
        sys.exit(f"{BIG_NET} is missing: run benchmarks/make_big.py")
    print(f"{BIG_NET.name}: {LAUNCHES} launches, {PRESSES} presses a key; {load()}")
    if options.only in (None, "tmux"):
        bench_tmux()
    if options.only in (None, "inprocess"):
        for part in CHILD_PARTS:
            child(part)
    print(f"({load()} at the end)")


if __name__ == "__main__":
    main()
