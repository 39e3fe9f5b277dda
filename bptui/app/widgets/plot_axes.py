"""What the loss and norms plots share: where the chart draws, their axes, and a curve thinned
to what a column can show.

The chart (`bptui.app.widgets.chart`, laid out as plotext 5.3 did, which the plots drew with
before) draws a braille curve on a grid of 2 × 4 dots a cell, and maps a value to a dot by
rounding; its tick labels, markers and vertical lines go to whole cells, rounded the same way
but on the coarser grid, so that a label or a marker put at a value can sit a row away from
where the curve draws that value. The plots therefore put each y tick and the current-epoch
marker at the cell where the curve draws it (`snap`), and choose the limits and ticks
themselves:

* x: whole epochs only (`epoch_axis`), as many as fit their labels (1,000-style, or 250k and
  1.5M from 100,000 on);
* y: `linear_axis` (readable numbers, scientific when tiny or huge) or `log_axis` (decades, 1-2-5
  or, within a decade, plain numbers), at least a row or two apart;
* the curve: `envelope` keeps each dot column's first, lowest, highest and last points, so that
  a million epochs read as the one line all of them would draw.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import pairwise, takewhile

import numpy as np

from bptui.engine.numtext import MINUS
from bptui.records import dataclass

DOTS_X, DOTS_Y = 2, 4  # braille dots a cell: the chart's resolution
MAX_DECADE = 308.25  # log10 of a little under the largest float (1.797e308 is 10**308.2547)


@dataclass(frozen=True)
class Axis:
    """An axis as the chart takes it: limits, tick positions and their labels."""

    lim: tuple[float, float]
    ticks: list[float]
    labels: list[str]


def canvas(width: int, height: int, labels: list[str]) -> tuple[int, int]:
    """(columns, rows) of the area the chart draws the curve in, in a widget of width × height
    with y labels `labels`: less the frame (two axes each way), the x labels' row and the y
    labels' column."""
    return width - 2 - max((len(label) for label in labels), default=0), height - 3


def cell(value: float, lim: tuple[float, float], cells: int, dots: int) -> int:
    """The cell (column or row from the bottom) where the chart draws a dot at `value`."""
    low, high = lim
    if cells <= 0:
        return 0
    bins = cells * dots
    return math.floor(round(0.5 + (bins - 1) * (value - low) / (high - low), 8)) // dots


def snap(value: float, lim: tuple[float, float], cells: int, dots: int) -> float:
    """A value that the chart puts, at whole-cell resolution, in the cell where it draws a dot at
    `value` (a tick label or marker put there sits on the curve)."""
    low, high = lim
    if cells <= 1:
        return low
    return low + cell(value, lim, cells, dots) * (high - low) / (cells - 1)


# -- x: whole epochs -------------------------------------------------------------------------
def epoch_steps() -> Iterator[int]:
    """1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, …"""
    scale = 1
    while True:
        yield from (int(m * scale) for m in ((1, 2, 5) if scale == 1 else (1, 2, 2.5, 5)))
        scale *= 10


def epoch_labels(ticks: list[int]) -> list[str]:
    """1,000-style, or 250k, 1M and 1.5M when the epochs reach 100,000."""
    if not ticks or max(ticks) < 100_000:
        return [f"{tick:,}" for tick in ticks]
    return [_compact(tick) for tick in ticks]


def _compact(epoch: int) -> str:
    if epoch >= 1_000_000:
        return f"{epoch / 1_000_000:g}M"
    if epoch >= 1_000:
        return f"{epoch / 1_000:g}k"
    return str(epoch)


def epoch_axis(first: int, last: int, columns: int) -> Axis:
    """Epochs `first` to `last` (at least one apart) in `columns` cells: ticks at whole
    multiples of 1, 2, 5, 10, 20, 25, … epochs, the closest whose labels leave room between
    them (the chart leaves out a label that would touch another, and moves one at the right end
    inwards, by up to half its width)."""
    last = max(last, first + 1)
    span = last - first
    for step in epoch_steps():
        if span // step > columns:
            continue  # more ticks than cells
        ticks = list(range(-(-first // step) * step, last + 1, step))
        if not ticks:
            break
        labels = epoch_labels(ticks)
        width = max(len(label) for label in labels)
        room = step * (columns - 1) / span  # the cells from one tick to the next
        if len(ticks) == 1 or room >= width + 2 + width // 2:
            if ticks[0] != first and (ticks[0] - first) * (columns - 1) / span >= 2 * width + 2:
                ticks = [first, *ticks]  # (the norms start at epoch 1)
                labels = epoch_labels(ticks)
            return Axis((first, last), [float(t) for t in ticks], labels)
    return Axis((first, last), [float(first)], epoch_labels([first]))


# -- y: numbers ------------------------------------------------------------------------------
def row_gap(rows: int) -> int:
    """The fewest rows between two y labels: every row in a small plot, then every other,
    then every third."""
    return 1 if rows < 6 else 2 if rows < 12 else 3


def nice_steps(span: float) -> Iterator[float]:
    """1, 2, 2.5 and 5 times a power of ten, from well under `span` to above it."""
    top = math.floor(math.log10(span))
    for exponent in range(top - 3, top + 2):
        for mantissa in (1, 2, 2.5, 5):
            yield mantissa * 10.0**exponent


def _decimals(step: float) -> int:
    """The decimals that write every multiple of `step` exactly."""
    for decimals in range(16):
        if abs(round(step, decimals) - step) <= step * 1e-9:
            return decimals
    return 16


def number_labels(ticks: list[float], step: float, shift: int = 0) -> list[str]:
    """Labels of multiples of `step` (each tick times 10**shift): fixed-point with the decimals
    the step needs (0.25, 1,000), or scientific (2.5e-5, 1.5e5) when the ticks are all under
    0.001, one is 100,000 or more, the step is under 1e-6 or the values were shifted."""
    biggest = max((abs(tick) for tick in ticks), default=0.0)
    if shift == 0 and 1e-3 <= biggest < 1e5 and step >= 1e-6:
        decimals = _decimals(step)
        return [
            "0" if abs(tick) < step * 1e-6 else _signed(f"{abs(tick):,.{decimals}f}", tick)
            for tick in ticks
        ]
    return [_scientific(tick, step, shift) for tick in ticks]


def _scientific(value: float, step: float, shift: int) -> str:
    if value == 0 or abs(value) < step * 1e-6:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    for digits in range(13):
        mantissa = round(abs(value) / 10.0**exponent, digits)
        if abs(mantissa * 10.0**exponent - abs(value)) <= step * 1e-6:
            break
    if mantissa >= 10:  # 9.99… rounded up
        mantissa, exponent = mantissa / 10, exponent + 1
    text = f"{mantissa:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{mantissa:.0f}"
    return _signed(f"{text}e{exponent + shift}", value)


def _signed(text: str, value: float) -> str:
    return MINUS + text if value < 0 and text.strip("0.,") else text


def _spread(low: float, high: float, log: bool) -> tuple[float, float]:
    """Limits to draw a curve from `low` to `high` between: a flat one gets half a decade (or
    half its value) above and below, a nearly flat one a span of 2e-5 times its value, or of
    1e-5 decades (finer differences would take labels of more digits than fit). On a log
    scale the top limit stays within the decades a float reaches, the limits moved down whole
    (a flat loss of 1e308 had a top limit of 10**308.5, which a label's value overflowed)."""
    if high == low:
        margin = 0.5 if log else abs(low) / 2 or 1.0
        lim = low - margin, high + margin
    else:
        least = 1e-5 if log else 2e-5 * max(abs(low), abs(high))
        if high - low < least:
            middle = low / 2 + high / 2
            lim = middle - least / 2, middle + least / 2
        else:
            lim = low, high
    if log and lim[1] > MAX_DECADE:  # (below the smallest, 10**x is 0.0: no overflow)
        lim = lim[0] - (lim[1] - MAX_DECADE), MAX_DECADE
    return lim


def _fits(positions: list[float], lim: tuple[float, float], rows: int) -> bool:
    """At least two ticks, each on its own row, `row_gap` rows apart."""
    cells = [cell(p, lim, rows, DOTS_Y) for p in positions]
    gap = row_gap(rows)
    return len(cells) >= 2 and all(b - a >= gap for a, b in pairwise(cells))


def _axis(lim: tuple[float, float], rows: int, positions: list[float], labels: list[str]) -> Axis:
    """The axis with each tick put where the curve draws its value."""
    return Axis(lim, [snap(p, lim, rows, DOTS_Y) for p in positions], labels)


def _fallback(lim: tuple[float, float], rows: int, log: bool, shift: int = 0) -> Axis:
    """Nothing nice fits: the bottom and top rows, labelled with their values to the fewest
    significant digits (three or more) that still put each on its own row."""
    ends = [lim[0], lim[1]] if rows >= 2 else [lim[0]]
    for digits in range(3, 10):
        values = [float(f"{10.0**end if log else end:.{digits}g}") for end in ends]
        positions = [math.log10(v) if log and v > 0 else v for v in values]
        if [cell(p, lim, rows, DOTS_Y) for p in positions] == [0, rows - 1][: len(ends)]:
            break
    return _axis(lim, rows, ends, [_short(v, digits, 0 if log else shift) for v in values])


def _short(value: float, digits: int, shift: int) -> str:
    """`value` times 10**shift to `digits` significant digits: 0.123, 1.23e-5, 1.23e8."""
    mantissa, _, exponent = f"{abs(value):.{digits}g}".partition("e")
    if exponent or shift:
        mantissa = f"{mantissa}e{int(exponent or 0) + shift}"
    return _signed(mantissa, value)


def _multiples(low: float, high: float, step: float) -> list[float]:
    if not step > 0:
        return []  # (a step that underflowed)
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def linear_axis(low: float, high: float, rows: int, shift: int = 0) -> Axis:
    """Values `low` to `high` (times 10**shift) on `rows` rows: ticks at multiples of the
    closest 1-2-2.5-5 step that leaves `row_gap` rows between them; when none does (a plot a
    few rows high), the limits widen to multiples of a step whose ticks fall on whole rows."""
    if 0 < low < (high - low) / 20:
        low = 0.0  # a loss or norm that nearly reaches zero: show where zero is
    lim = _spread(low, high, log=False)
    steps = list(nice_steps(lim[1] - lim[0]))
    for step in steps:
        if (lim[1] - lim[0]) / step - 1 > rows:
            continue  # (more multiples than rows)
        ticks = _multiples(*lim, step)
        if len(ticks) <= rows and _fits(ticks, lim, rows):
            return _axis(lim, rows, ticks, number_labels(ticks, step, shift))
    for step in steps:
        bottom = math.floor(lim[0] / step + 1e-9) * step
        top = math.ceil(lim[1] / step - 1e-9) * step
        intervals = round((top - bottom) / step)
        if 1 <= intervals <= rows - 1 and (rows - 1) % intervals == 0:
            ticks = [bottom + k * step for k in range(intervals + 1)]
            return _axis((bottom, top), rows, ticks, number_labels(ticks, step, shift))
    return _fallback(lim, rows, False, shift)


def log_axis(low: float, high: float, rows: int) -> Axis:
    """log10 values `low` to `high` on `rows` rows: within a decade, plain numbers at a
    1-2-2.5-5 step; else 1, 2 and 5 times the powers of ten; else every 1, 2, 3, 5, 10, 20,
    25, … decades: the closest that leaves `row_gap` rows between labels."""
    lim = _spread(low, high, log=True)
    low, high = lim
    candidates: list[tuple[list[float], list[str]]] = []
    if high - low < 1 and low > -300 and high < 300:  # (10**high: no overflow, no subnormals)
        bottom, top = 10.0**low, 10.0**high
        for step in nice_steps(top - bottom):
            if (top - bottom) / step - 1 > rows:
                continue  # (more multiples than rows: not written out, the first step's 6,000)
            values = [v for v in _multiples(bottom, top, step) if v > 0]
            candidates.append(([math.log10(v) for v in values], number_labels(values, step)))
    if high - low < 4:
        marks = [
            (math.log10(m) + e, m, e)
            for e in range(math.floor(low), math.ceil(high) + 1)
            for m in (1, 2, 5)
        ]
        inside = [(p, m, e) for p, m, e in marks if low <= p <= high]
        candidates.append(([p for p, *_ in inside], [f"{m}e{e}" for _, m, e in inside]))
    wide = takewhile(lambda step: step <= high - low + 1, epoch_steps())
    for step in (1, 2, 3, *(step for step in wide if step >= 5)):
        decades = [float(e) for e in range(math.ceil(low), math.floor(high) + 1) if e % step == 0]
        candidates.append((decades, [f"1e{int(e)}" for e in decades]))
    for positions, labels in candidates:
        if len(positions) <= rows and _fits(positions, lim, rows):
            return _axis(lim, rows, positions, labels)
    return _fallback(lim, rows, True)


# -- the curve -------------------------------------------------------------------------------
def scaled(values: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """(which values can be drawn, those values as drawn): log10 of the positive finite ones on
    a log scale, the finite ones on a linear scale."""
    keep = np.isfinite(values)
    if log:
        keep &= values > 0
        return keep, np.log10(values[keep])
    return keep, values[keep]


def shift_for(values: np.ndarray) -> int:
    """A power of ten to divide huge or tiny values by first (the chart scales a value by the
    number of dots before dividing by the span, which overflows from about 1e306 on; the ticks'
    steps underflow below about 1e-300)."""
    biggest = float(np.max(np.abs(values))) if values.size else 0.0
    huge_or_tiny = biggest > 1e100 or 0 < biggest < 1e-100
    return math.floor(math.log10(biggest)) if huge_or_tiny else 0


def shifted(values: np.ndarray, shift: int) -> np.ndarray:
    """`values` / 10**shift, by factors that neither overflow nor underflow."""
    rest = -shift
    while rest:
        part = max(-300, min(300, rest))
        values = values * 10.0**part
        rest -= part
    return values


def envelope(
    xs: np.ndarray, ys: np.ndarray, lim: tuple[float, float], columns: int
) -> tuple[list[int], list[float]]:
    """The points of (xs, ys) (xs increasing) that draw the same line in `columns` cells: all
    of them when they are few, else each dot column's first, lowest, highest and last, in
    order (the chart joins consecutive points with lines)."""
    dots = columns * DOTS_X
    if len(xs) <= 2 * dots:
        return [int(x) for x in xs], [float(y) for y in ys]
    low, high = lim
    where = np.floor(np.round(0.5 + (dots - 1) * (xs - low) / (high - low), 8)).astype(np.int64)
    starts = np.flatnonzero(np.diff(where)) + 1
    bounds = zip([0, *starts.tolist()], [*starts.tolist(), len(xs)], strict=True)
    picked: list[int] = []
    for start, end in bounds:
        part = ys[start:end]
        inside = {start, end - 1, start + int(np.argmin(part)), start + int(np.argmax(part))}
        picked.extend(sorted(inside))
    return [int(x) for x in xs[picked]], [float(y) for y in ys[picked]]
