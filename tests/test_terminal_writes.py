"""What the app writes to the terminal leaves the screen it rendered.

bptui writes a step's partial update cell-exact (bptui.app.compositor: from a line's first
changed cell, where Textual writes from the left edge of the widget the change lies in), and
repaints a panel's border alone when its title or subtitle changes (ChangedLines'
_BorderText). Either would leave stale cells on the terminal if it wrote too little. Here
the writes are applied, one after another, to a model terminal started from the first frame;
after every key its cells (character and attributes) must be those of the whole screen
rendered afresh.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual._compositor import CompositorUpdate
from textual.geometry import Region

import bptui
from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.param_table import ParamTable
from bptui.engine.loader import load_network
from tests.seeds import WALK_SEED

TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|(\n)|(\x1b)|(.)", re.DOTALL)

KEYS = (
    "n",
    "n",
    "n",
    "n",
    "p",
    "]",
    "[",
    "N",
    "y",
    "v",
    "s",
    "f",
    "o",
    "e",
    "E",
    "u",
    "tab",
    "down",
    "up",
)


class Terminal:
    """A grid of (character, attributes) cells that applies what the app writes: cursor moves
    (CSI row;col H), SGR attributes, text. A wide character takes two cells (its second holds
    ""); writing over either half of one blanks the other, as tmux and xterm do."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[("?", "unwritten")] * width for _ in range(height)]

    def write(self, data: str) -> None:
        x = y = 0
        sgr = ""
        for match in TOKEN.finditer(data):
            move_y, move_x, attributes, newline, escape, char = match.groups()
            if move_y is not None:
                y, x = int(move_y) - 1, int(move_x) - 1
            elif attributes is not None:
                sgr = "" if attributes in ("", "0") else attributes
            elif newline is not None:
                x, y = 0, y + 1
            elif escape is not None:
                raise AssertionError(f"an escape sequence the model does not know: {data!r}")
            else:
                width = cell_len(char)
                assert 0 <= y < self.height and 0 <= x <= self.width - width, (x, y, data[:80])
                for cell in range(x, x + width):
                    self._blank_other_half(x, y, cell)
                self.cells[y][x] = (char, sgr)
                if width == 2:
                    self.cells[y][x + 1] = ("", sgr)
                x += width

    def _blank_other_half(self, x: int, y: int, cell: int) -> None:
        """A wide character at `cell` loses its other half (unless it is being written)."""
        row = self.cells[y]
        if row[cell][0] == "" and cell - 1 >= 0 and cell - 1 < x:
            row[cell - 1] = (" ", row[cell - 1][1])
        if cell_len(row[cell][0]) == 2 and cell + 1 < self.width and row[cell + 1][0] == "":
            row[cell + 1] = (" ", row[cell + 1][1])


def differences(a: Terminal, b: Terminal) -> list[str]:
    return [
        f"({x}, {y}): {a.cells[y][x]!r} != {b.cells[y][x]!r}"
        for y in range(a.height)
        for x in range(a.width)
        if a.cells[y][x] != b.cells[y][x]
    ]


def full_frame(app: BptuiApp) -> Terminal:
    """The whole screen rendered afresh (no line taken from a widget's cache of its lines)."""
    for widget in app.screen.walk_children(with_self=True):
        widget._styles_cache.clear()
    width, height = app.size
    terminal = Terminal(width, height)
    terminal.write(app.screen._compositor.render_full_update().render_segments(app.console))
    return terminal


def recorded_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to the terminal from now on, one string a frame (its updates
    rendered as the driver gets them)."""
    written: list[str] = []
    display = BptuiApp._display

    def _display(self: BptuiApp, screen, renderable) -> None:
        if isinstance(renderable, CompositorUpdate):
            written.append(renderable.render_segments(self.console))
        display(self, screen, renderable)

    monkeypatch.setattr(BptuiApp, "_display", _display)
    return written


def test_the_model_terminal_reads_what_textual_writes() -> None:
    """(The model itself: a cursor move, attributes set and reset, text.)"""
    terminal = Terminal(6, 2)
    terminal.write("\x1b[2;3Hab\x1b[1;31mc\x1b[0md")
    assert [cell for cell in terminal.cells[1]] == [
        ("?", "unwritten"),
        ("?", "unwritten"),
        ("a", ""),
        ("b", ""),
        ("c", "1;31"),
        ("d", ""),
    ]


@pytest.mark.parametrize(
    ("net", "size"),
    [
        ("mazur", (120, 40)),
        ("mazur", (80, 24)),
        ("tanh-2332", (120, 40)),
        ("xor", (200, 60)),
        ("wide-name", (120, 40)),
        ("wide-name", (60, 20)),
    ],
)
async def test_the_terminal_shows_the_rendered_screen_after_every_key(
    net: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if net == "wide-name":  # (a name of wide characters before the changing step number)
        text = (Path(bptui.__file__).parent / "presets" / "mazur.toml").read_text("utf-8")
        net = str(tmp_path / "wide.toml")
        Path(net).write_text(re.sub(r"(?m)^name = .*$", 'name = "网络 宽字 Mazur"', text), "utf-8")
    written = recorded_writes(monkeypatch)
    rng = random.Random(WALK_SEED)
    app = BptuiApp(load_network(net))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DebuggerScreen)
        terminal = full_frame(app)
        written.clear()
        partial = 0
        for number in range(60):
            key = rng.choice(KEYS) if number % 3 else "n"
            await pilot.press(key)
            await pilot.pause()
            if not isinstance(app.screen, DebuggerScreen):  # (a dialog: closed again)
                await pilot.press("escape")
                await pilot.pause()
            for data in written:
                partial += not data.startswith("\x1b[1;1H")
                terminal.write(data)
            written.clear()
            wrong = differences(terminal, full_frame(app))
            assert not wrong, f"after key {number} ({key!r}, seed {WALK_SEED}): {wrong[:5]}"
        assert partial > 20  # (the keys were drawn by partial updates, the ones under test)


@pytest.mark.parametrize(
    ("net", "size"),
    [("mazur", (120, 40)), ("mazur", (80, 24)), ("xor", (200, 60)), ("tanh-2332", (160, 50))],
)
async def test_the_first_frame_is_the_whole_screen(
    net: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first frame written is the screen as it settles: every panel laid out at its size
    and the footer's keys in it. (The status, the step and the chain panels once came a frame,
    some 50 ms, after the rest, the footer's keys another, and the table a row lower when
    the step panel had been fitted to its width.)"""
    written = recorded_writes(monkeypatch)
    app = BptuiApp(load_network(net))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause(0.2)
        assert written, "nothing was written"
        first = Terminal(*size)
        first.write(written[0])
        # (but the table's scrollbar: Textual places a scrollbar in the layout after the one
        # that showed the table needs it, a frame later)
        table = app.screen.query_one(ParamTable)
        bar = table.vertical_scrollbar.region if table.show_vertical_scrollbar else Region()
        wrong = [
            difference
            for difference in differences(first, full_frame(app))
            if not bar.contains(*map(int, difference[1:].split(")")[0].split(", ")))
        ]
        assert not wrong, f"{len(wrong)} cells differ: {wrong[:5]}"


def written_rows(data: str) -> set[int]:
    """The rows (0-based) in which `data` writes a character."""
    rows: set[int] = set()
    y = 0
    for match in TOKEN.finditer(data):
        move_y, _, _, newline, _, char = match.groups()
        if move_y is not None:
            y = int(move_y) - 1
        elif newline is not None:
            y += 1
        elif char is not None:
            rows.add(y)
    return rows


@pytest.mark.parametrize(("net", "size"), [("mazur", (120, 40)), ("tanh-2332", (80, 24))])
async def test_a_step_writes_only_lines_that_change(
    net: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stepping with `n` 80 times (Mazur's epoch is 51 steps): each step writes to the
    terminal in the lines where a cell changes, and in at most one other (a table that scrolls
    to the selected row repaints its border too; the first key after the start may repaint
    more). The diagram once repainted its 16 lines, border and all, on every step, because its
    subtitle was assigned again unchanged: 6.7 KB a step instead of 1 KB, and key → settled
    screen 1.5 times as long."""
    written = recorded_writes(monkeypatch)
    app = BptuiApp(load_network(net))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        before = full_frame(app)
        wrong: list[str] = []
        for number in range(80):
            written.clear()
            await pilot.press("n")
            await pilot.pause()
            after = full_frame(app)
            changed = {y for y in range(before.height) if before.cells[y] != after.cells[y]}
            unchanged = set().union(*(written_rows(data) for data in written)) - changed
            if len(unchanged) > 1 and number > 0:
                wrong.append(f"step {number + 1} wrote the unchanged lines {sorted(unchanged)}")
            before = after
        assert not wrong


async def test_the_terminal_shows_the_table_scrolled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parameter table scrolled as the mouse wheel scrolls it (down, down, up) and by a
    step's selected row: the terminal shows the rows of the new scroll (a scroll repaints
    only the rows it changes: nothing else would repaint them)."""
    from bptui.app.widgets.param_table import ParamTable

    written = recorded_writes(monkeypatch)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        terminal = full_frame(app)
        table = app.screen.query_one(ParamTable)
        scrolls = 0
        for move in ("down", "down", "up", "n", "down"):
            written.clear()
            before = table.scroll_y
            if move == "n":
                await pilot.press("n")
            else:
                table.scroll_relative(y=1 if move == "down" else -1, animate=False)
            await pilot.pause()
            scrolls += table.scroll_y != before
            for data in written:
                terminal.write(data)
            wrong = differences(terminal, full_frame(app))
            assert not wrong, f"after {move}: {wrong[:5]}"
            # (the widget's own lines could be stale too: the first row is the scroll's)
            region = table.content_region
            first = "".join(c for c, _ in terminal.cells[region.y + 1][region.x : region.right])
            name = table.view.rows.ref(int(table.scroll_y)).name  # type: ignore[union-attr]
            assert first[1:].split()[0] == name, (move, first)
        assert scrolls >= 3


@pytest.mark.parametrize(("theme", "size"), [(None, (120, 40)), ("light", (80, 24))])
async def test_the_lines_framed_here_are_textuals(theme: str | None, size: tuple[int, int]) -> None:
    """ChangedLines frames the lines inside a widget's border itself (Textual's StylesCache
    took ~60 µs a line): through 30 keys (steps, the table's focus, the view), every line of
    every such widget, whole and cropped, is the line Textual frames."""
    from textual.geometry import Region

    from bptui.app.widgets.lines import ChangedLines

    app = BptuiApp(load_network("mazur"), **({"theme": theme} if theme else {}))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        compared = 0
        for number, key in enumerate(["n"] * 12 + ["tab", "down", "v", "n", "v"] + ["n"] * 13):
            await pilot.press(key)
            await pilot.pause()
            for widget in app.screen.walk_children():
                if not isinstance(widget, ChangedLines) or not widget.region.area:
                    continue
                width, height = widget.outer_size
                for crop in (Region(0, 0, width, height), Region(2, 1, width - 5, height - 1)):
                    widget._styles_cache.clear()
                    ours = widget.render_lines(crop)
                    widget._styles_cache.clear()
                    theirs = widget._styles_cache.render_widget(widget, crop)
                    assert [(list(a), a.cell_length) for a in ours] == [
                        (list(b), b.cell_length) for b in theirs
                    ], f"{type(widget).__name__} after key {number} ({key!r})"
                    compared += 1
        assert compared > 100
