"""The text of an app's screen, for assertions (read back from its SVG screenshot), and the
positions of steps by their symbols."""

from __future__ import annotations

import functools
import html
import re

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from bptui.engine.loader import load_network
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>'
)
CELL = 12.2  # the width of one cell in Rich's SVG export


def svg_text(svg: str) -> str:
    """The characters of an exported screenshot, one line per terminal row."""
    rows: dict[int, dict[int, str]] = {}
    for x, line, content in _TEXT.findall(svg):
        column = round(float(x) / CELL)
        text = html.unescape(content).replace("\xa0", " ")
        row = rows.setdefault(int(line), {})
        for k, ch in enumerate(text):
            row[column + k] = ch
    lines = []
    for line in range(max(rows, default=-1) + 1):
        cells = rows.get(line, {})
        width = max(cells, default=-1) + 1
        lines.append("".join(cells.get(k, " ") for k in range(width)).rstrip())
    return "\n".join(lines)


def screen_text(app: App) -> str:
    return svg_text(app.export_screenshot())


async def answer(pilot: Pilot, text: str) -> None:
    """Answer the question on the screen with `text` and enter. The text goes into the input
    at once: typing a long path key by key takes seconds of the pilot's waiting."""
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


def record_notices(app: App) -> list[str]:
    """The messages of the notifications the app shows from now on (through `App.notify`,
    which every widget's `notify` calls)."""
    seen: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        seen.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return seen


def find(text: str, needle: str) -> tuple[int, int]:
    """(column, row) of the first occurrence of `needle` on the screen."""
    for row, line in enumerate(text.splitlines()):
        column = line.find(needle)
        if column >= 0:
            return column, row
    raise AssertionError(f"{needle!r} is not on the screen:\n{text}")


@functools.cache
def steps(net: str = "mazur") -> tuple[tuple[str, str, int], ...]:
    """(symbol, phase, sample) of every step of `net`'s first epoch, in order (sample -1: a
    batch update), from the engine's own trace: the tests derive the positions they go to
    from these, never type them in."""
    network = load_network(net)
    trace = EpochTrace(compute_epoch(network, network.params))
    return tuple((step.symbol, step.phase, step.sample) for step in trace)


def index_of(symbol: str, net: str = "mazur", sample: int = 0) -> int:
    """The index within an epoch of the step computing `symbol` in `sample`: also the number
    of `n` presses that reach it from the first step."""
    return [(sym, k) for sym, _, k in steps(net)].index((symbol, sample))


def phase_start(phase: str, net: str = "mazur") -> int:
    """The index of the first step of `phase` in an epoch."""
    return [p for _, p, _ in steps(net)].index(phase)


def last_index(net: str = "mazur") -> int:
    """The index of an epoch's last step."""
    return len(steps(net)) - 1


async def written(pilot) -> None:
    """Wait for the files the app writes in threads (sessions, exports) to be written, and
    for what it shows after."""
    for worker in [w for w in pilot.app.workers if w.group in ("save", "export")]:
        await worker.wait()
    await pilot.pause()
