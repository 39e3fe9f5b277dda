"""A line chart drawn as text: braille curves in a frame with labelled ticks.

The loss and norms plots draw through this (they drew through plotext, whose import alone was
11 ms of bptui's 300 ms start, and which handed back its drawing as ANSI text to parse again at
every replot). The layout is plotext's, which `plot_axes` chooses limits and ticks for:

    1e0┤⠎⠒⠔⠒⠢⠢⣠⢀ ⣀        │      the y labels, right-aligned, each on the row of its tick (┤)
       │       ⠁⠉ ⠉⠒⠉⠒⠒⠢⠤⡠⣀⣀│      the curves, 2 × 4 braille dots a cell, consecutive points
    1e-1┤             ⠈⠉⠑⠚●│      joined by straight lines; markers (●) at whole cells
       └┬─────────┬──────┬┘      a ┬ at each x tick, ┴ where a vertical line meets the axis
        0        20     40       the x labels under their ticks (one that would touch the
                                 label before it is left out; the last is moved inwards)

A value goes to dot `floor(round(0.5 + (n - 1) × (value - low) / (high - low), 8))` of the n
dots (or cells) of its axis (`plot_axes.cell`): a tick, a marker or a vertical line goes to
the cell whose dots the curve draws its value in.
"""

from __future__ import annotations

import math
from dataclasses import field
from itertools import pairwise

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines, Line
from bptui.app.widgets.plot_axes import DOTS_X, DOTS_Y, Axis, canvas, cell
from bptui.records import dataclass

Colour = str | tuple[int, int, int]
"""A colour: an ANSI name (red, green, yellow, blue, magenta, cyan, orange, gray) or RGB."""

_ANSI = {
    "red": "red",
    "green": "green",
    "yellow": "yellow",
    "blue": "blue",
    "magenta": "magenta",
    "cyan": "cyan",
    "orange": "orange1",
    "gray": "bright_black",
}
# the braille dot of each (column, row from the top) of a cell's 2 × 4
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
BRAILLE = 0x2800


@dataclass(frozen=True, eq=False)
class Chart:
    """What a plot draws: its axes, its curves (xs, ys, colour), its markers (x, y, glyph,
    colour) and its vertical lines (x, colour)."""

    x: Axis
    y: Axis
    curves: tuple[tuple[list[float], list[float], Colour], ...] = ()
    markers: tuple[tuple[float, float, str, Colour], ...] = ()
    vlines: tuple[tuple[float, Colour], ...] = ()
    _styles: dict[Colour, Style] = field(default_factory=dict, repr=False)

    def style(self, colour: Colour) -> Style:
        found = self._styles.get(colour)
        if found is None:
            if isinstance(colour, tuple):
                found = Style(color=Color.from_rgb(*colour))
            else:
                found = Style(color=_ANSI.get(colour, colour))
            self._styles[colour] = found
        return found


def dot(value: float, lim: tuple[float, float], dots: int) -> int:
    """The dot (of `dots` along an axis) a value is drawn in; outside 0..dots-1 if it is off
    the axis."""
    low, high = lim
    place = round(0.5 + (dots - 1) * (value - low) / (high - low), 8)
    return math.floor(place) if math.isfinite(place) else -1


def draw_chart(chart: Chart, width: int, height: int) -> list[Line]:
    """The chart in `width` × `height` cells, one line of segments a row (none when the
    frame would leave no room for a curve)."""
    labels = chart.y.labels
    label_width = max((len(label) for label in labels), default=0)
    columns, rows = canvas(width, height, labels)
    if columns < 1 or rows < 1:
        return []
    glyphs: list[list[str]] = [[" "] * columns for _ in range(rows)]
    colours: list[list[Colour | None]] = [[None] * columns for _ in range(rows)]
    # vertical lines first: the curves are drawn over them
    vline_columns = set()
    for x, colour in chart.vlines:
        column = cell(x, chart.x.lim, columns, 1)
        if 0 <= column < columns:
            vline_columns.add(column)
            for row in range(rows):
                glyphs[row][column], colours[row][column] = "│", colour
    bits: dict[tuple[int, int], int] = {}
    for xs, ys, colour in chart.curves:
        points = [
            (dot(x, chart.x.lim, columns * DOTS_X), dot(y, chart.y.lim, rows * DOTS_Y))
            for x, y in zip(xs, ys, strict=True)
        ]
        for (x0, y0), (x1, y1) in pairwise(points) if len(points) > 1 else [points * 2]:
            steps = max(abs(x1 - x0), abs(y1 - y0), 1)
            for k in range(steps + 1):
                dx = x0 + round(k * (x1 - x0) / steps)
                dy = y0 + round(k * (y1 - y0) / steps)
                if not (0 <= dx < columns * DOTS_X and 0 <= dy < rows * DOTS_Y):
                    continue  # (off the axes' limits)
                column, row = dx // DOTS_X, rows - 1 - dy // DOTS_Y
                where = (row, column)
                bits[where] = bits.get(where, 0) | _DOTS[dx % DOTS_X][DOTS_Y - 1 - dy % DOTS_Y]
                colours[row][column] = colour
    for (row, column), value in bits.items():
        glyphs[row][column] = chr(BRAILLE + value)
    for x, y, glyph, colour in chart.markers:
        column = cell(x, chart.x.lim, columns, 1)
        row = rows - 1 - cell(y, chart.y.lim, rows, 1)
        if 0 <= column < columns and 0 <= row < rows:
            glyphs[row][column], colours[row][column] = glyph, colour

    tick_rows = {}
    for tick, label in zip(chart.y.ticks, labels, strict=True):
        row = rows - 1 - cell(tick, chart.y.lim, rows, 1)
        if 0 <= row < rows:
            tick_rows[row] = label
    tick_columns = [cell(tick, chart.x.lim, columns, 1) for tick in chart.x.ticks]

    pad = " " * label_width
    lines: list[Line] = []
    top = "".join("┬" if c in vline_columns else "─" for c in range(columns))
    lines.append((Segment(f"{pad}┌{top}┐"),))
    for row in range(rows):
        label = tick_rows.get(row)
        segments = [Segment(f"{label:>{label_width}}┤" if label is not None else f"{pad}│")]
        segments += _runs(glyphs[row], colours[row], chart)
        segments.append(Segment("│"))
        lines.append(tuple(segments))
    bottom = [
        "┴" if c in vline_columns else "┬" if c in tick_columns else "─" for c in range(columns)
    ]
    lines.append((Segment(f"{pad}└{''.join(bottom)}┘"),))
    lines.append((Segment(_x_labels(chart.x, tick_columns, label_width, columns, width)),))
    return lines


def _runs(glyphs: list[str], colours: list[Colour | None], chart: Chart) -> list[Segment]:
    """A canvas row as segments, one for each run of one colour."""
    segments: list[Segment] = []
    start = 0
    for k in range(1, len(glyphs) + 1):
        if k == len(glyphs) or colours[k] != colours[start]:
            colour = colours[start]
            text = "".join(glyphs[start:k])
            segments.append(Segment(text, None if colour is None else chart.style(colour)))
            start = k
    return segments


def _x_labels(axis: Axis, tick_columns: list[int], offset: int, columns: int, width: int) -> str:
    """The x labels' row: each label centred under its tick (half a label to the left), kept
    within the frame, left out if it would touch the one before."""
    row = [" "] * width
    end = -2  # the cell after the last label written
    for column, label in sorted(zip(tick_columns, axis.labels, strict=True)):
        if not 0 <= column < columns:
            continue
        start = offset + 1 + column - len(label) // 2
        start = max(offset + 1, min(start, offset + columns - len(label) + 1))
        if start <= end:
            continue  # (it would touch the label before)
        row[start : start + len(label)] = label
        end = start + len(label)
    return "".join(row[:width])


class ChartWidget(ChangedLines, Widget):
    """A widget showing a `Chart` at its size (the loss and norms plots): `chart` is what the
    last replot made (None: nothing to draw)."""

    chart: Chart | None = None

    def set_subtitle(self, *candidates: str) -> None:
        """The first of `candidates` (longest first) that fits the bottom border whole: a
        note cut with … (`· 3 zero or non-fin…`) said less than a shorter one."""
        room = self.outer_size.width - 4  # (the corners, and a space each side)
        fitting = [text for text in candidates if cell_len(text) <= room]
        self.border_subtitle = fitting[0] if fitting else candidates[-1]

    def _draw(self) -> None:
        width, height = self.size
        if not self.is_mounted or width < 1:
            return
        lines = [] if self.chart is None else draw_chart(self.chart, width, height)
        self.show_lines(lines, key=self.size)
