"""The loss and norms plots as they are handed to the chart and drawn: whole-epoch x ticks whose
labels all show, one continuous line however many epochs, y labels on the rows where their
values are drawn, the marker on the curve, a log / linear switch (`L`) that each plot keeps
across `G`, and zero or non-finite values left out without a crash."""

from __future__ import annotations

import math
import re
from itertools import pairwise

import numpy as np
import pytest
from textual.app import App, ComposeResult

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.chart import Chart
from bptui.app.widgets.lines import plain
from bptui.app.widgets.loss_plot import LossPlot, LossView
from bptui.app.widgets.norms_plot import NormsPlot, NormsView
from bptui.app.widgets.plot_axes import (
    DOTS_X,
    DOTS_Y,
    canvas,
    cell,
    epoch_axis,
    linear_axis,
    log_axis,
    row_gap,
    shift_for,
    shifted,
)
from bptui.engine.loader import load_network
from bptui.engine.numtext import MINUS
from tests.screen import screen_text

EPOCHS = (0, 1, 2, 7, 100, 999, 10_000, 10_001, 123_457, 1_000_000)
WIDTHS = (20, 33, 52, 58, 76, 97, 118, 190)
BRAILLE = re.compile("[\u2801-\u28ff]")  # a braille cell with at least one dot


class One(App):
    """An app showing one plot, sized by the test."""

    def __init__(self, plot: LossPlot | NormsPlot) -> None:
        super().__init__()
        self.plot = plot

    def compose(self) -> ComposeResult:
        yield self.plot


def drawn(plot: LossPlot | NormsPlot) -> list[str]:
    """The plot as the widget draws it at its size, one string a row (without colours)."""
    rows = [plain([plot.render_line(y)]) for y in range(plot.size.height)]
    lines = plain(plot._lines).split("\n") if plot._lines else []
    assert rows[: len(lines)] == lines  # (what it shows is what it drew)
    assert not "".join(rows[len(lines) :]).strip()
    return rows


def markers(plot: LossPlot) -> list[tuple[float, float]]:
    """Where the plot puts its markers: (x, y) of each."""
    return [(x, y) for x, y, _, _ in chart(plot).markers]


def chart(plot: LossPlot | NormsPlot) -> Chart:
    assert plot.chart is not None
    return plot.chart


def x_labels(plot: LossPlot | NormsPlot) -> list[str]:
    """The x labels the plot draws, by their ticks."""
    x = chart(plot).x
    return [label for _, label in sorted(zip(x.ticks, x.labels, strict=True))]


def signals(plot: LossPlot | NormsPlot) -> list[tuple[list[float], list[float]]]:
    """The curves the plot draws: (x, y) of each, in the order drawn (none without a chart)."""
    if plot.chart is None:
        return []
    return [(list(x), list(y)) for x, y, _ in plot.chart.curves]


def epoch_value(label: str) -> int:
    """An x label read back: 1,000-style, or 250k / 1.5M."""
    scale = {"k": 1_000, "M": 1_000_000}.get(label[-1], 1)
    return round(float(label.rstrip("kM").replace(",", "")) * scale)


def number_value(label: str) -> float:
    return float(label.replace(",", "").replace(MINUS, "-"))


def curve_losses(count: int, seed: int = 0) -> np.ndarray:
    """A noisy falling loss: every epoch's value differs from its neighbours'."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, count + 1)
    return np.exp(-epochs / max(1, count / 5)) * (1 + 0.5 * rng.random(count)) + 1e-3


# -- x: whole epochs ------------------------------------------------------------------------
@pytest.mark.parametrize("epochs", EPOCHS)
def test_epoch_ticks_are_whole_epochs_in_range_and_readable(epochs: int) -> None:
    for columns in WIDTHS:
        for first in (0, 1):
            axis = epoch_axis(first, epochs, columns)
            assert axis.lim == (first, max(epochs, first + 1))
            assert axis.ticks, (epochs, columns)
            assert len(axis.ticks) == len(axis.labels)
            for tick, label in zip(axis.ticks, axis.labels, strict=True):
                assert float(tick).is_integer(), (epochs, columns, axis.ticks)
                assert axis.lim[0] <= tick <= axis.lim[1]
                assert epoch_value(label) == tick, (label, tick)
                assert "." not in label.rstrip("kM") or label[-1] in "kM"
            assert axis.ticks == sorted(set(axis.ticks))
            if columns >= 50:
                wanted = min(3, axis.lim[1] - axis.lim[0] + 1)
                assert len(axis.ticks) >= wanted, (epochs, columns, axis.labels)
            assert len(axis.ticks) <= (columns - 1) // 3 + 1  # labels 3 or more cells apart


async def test_the_chart_gets_whole_epoch_ticks_and_draws_every_label() -> None:
    """At each width and count the x ticks handed to the chart are whole epochs, and the
    chart draws each label (it leaves out a label that would touch another)."""
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=(200, 12)) as pilot:
        for width in WIDTHS:
            plot.styles.width = width
            await pilot.pause()
            for epochs in EPOCHS:
                plot.view = LossView(curve_losses(epochs), epochs, 0.7)
                ticks = chart(plot).x.ticks
                labels = x_labels(plot)
                assert ticks and all(float(t).is_integer() for t in ticks), (width, epochs)
                assert all(tick <= max(1, epochs) for tick in ticks)
                rows = drawn(plot)
                axis_row, label_row = rows[-2], rows[-1]
                assert label_row.split() == labels, (width, epochs, label_row)
                # a tick mark on the axis for each label
                assert axis_row.count("┬") == len(labels), (width, epochs, axis_row)


async def test_the_norms_plot_gets_whole_epoch_ticks_too() -> None:
    plot = NormsPlot()
    app = One(plot)
    async with app.run_test(size=(120, 12)) as pilot:
        for epochs in (1, 2, 7, 100, 10_001):
            norms = np.column_stack([curve_losses(epochs, 1), curve_losses(epochs, 2)])
            epoch_numbers = np.arange(1, epochs + 1)
            plot.view = NormsView(epoch_numbers, norms, ("1", "2"), epochs, 1)
            await pilot.pause()
            ticks = chart(plot).x.ticks
            assert ticks and all(float(t).is_integer() for t in ticks), epochs
            assert drawn(plot)[-1].split() == x_labels(plot)
            # the axis ends at the last epoch, as the subtitle says (one epoch: 0 to 1)
            assert max(ticks) <= epochs == chart(plot).x.lim[1], epochs
            subtitle = "epoch 1 only" if epochs == 1 else f"epochs 1 to {epochs:,}"
            assert plot.border_subtitle == subtitle


# -- the curve ------------------------------------------------------------------------------
def dot_columns(xs: list[float], lim: tuple[float, float], columns: int) -> list[int]:
    """The dot column (two a cell) the chart draws each x in."""
    low, high = lim
    dots = columns * DOTS_X
    return [math.floor(round(0.5 + (dots - 1) * (x - low) / (high - low), 8)) for x in xs]


@pytest.mark.parametrize("epochs", [50, 300, 10_001, 250_000])
@pytest.mark.parametrize("log", [True, False])
async def test_the_curve_keeps_each_dot_columns_lowest_and_highest_and_joins_them(
    epochs: int, log: bool
) -> None:
    """However many epochs, consecutive points of the curve the chart gets are at most one dot
    column apart, and each dot column holds the lowest and highest loss of its epochs (a
    curve thinned by taking every k-th epoch loses both); drawn, it leaves no column empty."""
    losses = curve_losses(epochs, epochs)
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=(90, 16)) as pilot:
        plot.log_scale = log
        plot.view = LossView(losses, epochs, 2.0)
        await pilot.pause()
        xs, ys = signals(plot)[0]
        values = np.concatenate(([2.0], losses))
        values = np.log10(values) if log else values
        assert len(xs) <= 4 * 2 * plot.size.width  # thinned: at most 4 points a dot column
        labels = chart(plot).y.labels
        columns, _ = canvas(plot.size.width, plot.size.height, labels)
        lim = chart(plot).x.lim
        where = dot_columns(xs, lim, columns)
        for (x0, a), (x1, b) in pairwise(zip(xs, where, strict=True)):
            assert x1 == x0 + 1 or 0 <= b - a <= 1, (x0, x1)  # no epoch skipped over a column
        assert xs[0] == 0 and xs[-1] == epochs
        every = dot_columns(list(range(epochs + 1)), lim, columns)
        for column in sorted(set(every)):
            mine = [y for y, c in zip(ys, where, strict=True) if c == column]
            theirs = [v for v, c in zip(values, every, strict=True) if c == column]
            assert min(mine) == pytest.approx(min(theirs), rel=1e-12)
            assert max(mine) == pytest.approx(max(theirs), rel=1e-12)
        # drawn: every cell column from the first to the last holds a dot or the marker
        rows = drawn(plot)[1:-2]
        start = max(len(label) for label in labels) + 1
        for column in range(start, start + columns):
            assert any(BRAILLE.match(row[column]) or row[column] == "●" for row in rows), column


async def test_a_gap_in_the_curve_is_only_where_values_are_left_out() -> None:
    losses = curve_losses(5_000)
    losses[1000:1500] = np.nan  # epochs 1,001 to 1,500
    losses[3000] = 0.0  # epoch 3,001 (on the log scale)
    left_out = {*range(1001, 1501), 3001}
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=(80, 12)) as pilot:
        plot.view = LossView(losses, 5_000, 2.0)
        await pilot.pause()
        xs, _ = signals(plot)[0]
        columns, _ = canvas(plot.size.width, plot.size.height, chart(plot).y.labels)
        where = dot_columns(xs, (0.0, 5000.0), columns)
        gaps = 0
        for k in range(len(xs) - 1):
            if where[k + 1] - where[k] > 1:
                gaps += 1
                assert set(range(int(xs[k]) + 1, int(xs[k + 1]))) <= left_out
        assert gaps == 1
        assert "· 501 zero or non-finite left out" in str(plot.border_subtitle)


# -- y: labels on the rows of their values ---------------------------------------------------
def label_rows(axis, rows: int) -> list[int]:
    """The row the chart writes each y label on (whole-cell rounding)."""
    low, high = axis.lim
    return [math.floor(round(0.5 + (rows - 1) * (t - low) / (high - low), 8)) for t in axis.ticks]


RANGES = [
    (3.5e-5, 0.298),
    (0.47, 0.5),
    (0.5, 0.5),
    (0.0, 0.0),
    (1e-7, 3e-6),
    (2.0, 250_000.0),
    (1.5, 1.7),
    (4.17e-27, 0.3),
    (0.5, 5e307),
    (1e-300, 1.0),
    (0.50000004, 0.50000008),
    (1.0, 1.0 + 1e-12),
]


@pytest.mark.parametrize(("low", "high"), RANGES)
@pytest.mark.parametrize("log", [True, False])
def test_y_labels_sit_on_the_rows_where_their_values_are_drawn(
    low: float, high: float, log: bool
) -> None:
    for rows in (1, 2, 3, 4, 5, 7, 9, 13, 18, 40):
        shift = 0 if log else shift_for(np.array([low, high]))
        if log:
            if low <= 0:
                continue
            axis = log_axis(math.log10(low), math.log10(high), rows)
        else:
            scaled = shifted(np.array([low, high]), shift)
            axis = linear_axis(float(scaled[0]), float(scaled[1]), rows, shift)
        assert axis.lim[0] < axis.lim[1]
        assert 1 <= len(axis.ticks) == len(axis.labels)
        written = label_rows(axis, rows)
        assert written == sorted(set(written)), (rows, axis)  # one label a row, in order
        if len(written) > 2:
            gaps = [b - a for a, b in pairwise(written)]
            assert min(gaps) >= min(row_gap(rows), 1), (rows, axis)
        for label, row in zip(axis.labels, written, strict=True):
            value = number_value(label)
            position = math.log10(value) if log else float(shifted(np.array([value]), shift)[0])
            # the dot a value is drawn at lies in the row its label is written on
            assert cell(position, axis.lim, rows, DOTS_Y) == row, (rows, label, axis)
            assert len(label) <= 9, label


def test_linear_labels_are_readable_numbers() -> None:
    assert linear_axis(0.0, 0.3, 7).labels == ["0", "0.1", "0.2", "0.3"]
    assert linear_axis(1e-7, 3e-6, 7).labels == ["0", "1e-6", "2e-6", "3e-6"]
    assert linear_axis(5e-7, 3e-6, 7).labels == ["1e-6", "2e-6", "3e-6"]
    assert linear_axis(0.0, 250_000.0, 7).labels == ["0", "1e5", "2e5"]
    assert linear_axis(0.0, 2_500.0, 7).labels == ["0", "1,000", "2,000"]
    assert log_axis(-4.5, -0.5, 7).labels == ["1e-4", "1e-3", "1e-2", "1e-1"]


# -- the marker ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(58, 6), (76, 17), (96, 9), (120, 40)])
@pytest.mark.parametrize("log", [True, False])
async def test_the_marker_sits_on_the_curve(size: tuple[int, int], log: bool) -> None:
    """Drawn with and without the marker: where the marker is, the curve alone draws dots."""
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=size) as pilot:
        plot.log_scale = log
        for epochs in (1, 7, 100, 10_000):
            losses = curve_losses(epochs, 3)
            for marked in sorted({0, epochs // 3, epochs - 1, epochs}):
                plot.view = LossView(losses, marked, 2.0)
                await pilot.pause()
                with_marker = drawn(plot)
                plot.view = LossView(losses, -1, 2.0)  # no marker
                without = drawn(plot)
                spots = [
                    (r, c)
                    for r, row in enumerate(with_marker)
                    for c, ch in enumerate(row)
                    if ch == "●"
                ]
                assert len(spots) == 1, (epochs, marked)
                r, c = spots[0]
                assert BRAILLE.match(without[r][c]), (epochs, marked, without[r][c])


async def test_the_marker_is_the_epoch_whose_loss_the_status_bar_gives() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        plot = screen.query_one(LossPlot)
        assert plot.view is not None and plot.view.marked == 0  # the loss before any epoch
        await pilot.press("end")  # epoch 1's last step: its loss is known
        assert screen.done == 1 and plot.view.marked == 1
        assert "loss after epoch 1:" in screen_text(app)
        assert len(markers(plot)) == 1
        await pilot.press("n")  # epoch 2's first step: still epoch 1's loss
        assert screen.epoch == 2 and screen.done == 1 and plot.view.marked == 1
        assert len(plot.view.losses) == 1
        screen.start_run(25)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.done == 26 == plot.view.marked == len(plot.view.losses)
        assert "loss after epoch 26:" in screen_text(app)
        ((x, y),) = markers(plot)
        loss = screen.history.loss_after(26)
        assert loss is not None
        columns, rows = canvas(plot.size.width, plot.size.height, chart(plot).y.labels)
        x_lim = chart(plot).x.lim
        y_lim = chart(plot).y.lim
        assert cell(x, x_lim, columns, 1) == cell(26, x_lim, columns, DOTS_X)
        assert cell(y, y_lim, rows, 1) == cell(math.log10(loss), y_lim, rows, DOTS_Y)


# -- the scale -------------------------------------------------------------------------------
async def test_l_switches_the_scale_of_the_plot_showing_and_each_keeps_its_own() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        loss, norms = screen.query_one(LossPlot), screen.query_one(NormsPlot)
        screen.start_run(30)
        await app.workers.wait_for_complete()
        await pilot.pause()
        losses = [screen.history.initial_loss(), *screen.history.losses]
        assert loss.log_scale and "(log scale)" in str(loss.border_title)
        assert signals(loss)[0][1] == pytest.approx([math.log10(v) for v in losses])
        await pilot.press("L")
        assert not loss.log_scale and "(linear scale)" in str(loss.border_title)
        assert signals(loss)[0][1] == pytest.approx(losses)
        await pilot.press("G")  # the norms: still on their own (log) scale
        await pilot.pause()
        assert norms.display and norms.log_scale and "(log)" in str(norms.border_title)
        history = screen.history.norms()
        assert signals(norms)[0][1] == pytest.approx(np.log10(history[:, 0]).tolist())
        await pilot.press("L")
        assert not norms.log_scale and "(linear)" in str(norms.border_title)
        assert signals(norms)[0][1] == pytest.approx(history[:, 0].tolist())
        await pilot.press("G")  # back to the loss: linear, as it was left
        await pilot.pause()
        assert loss.display and not loss.log_scale and "(linear scale)" in str(loss.border_title)
        assert signals(loss)[0][1] == pytest.approx(losses)
        await pilot.press("G")
        await pilot.pause()
        assert not norms.log_scale
        await pilot.press("G", "L")
        await pilot.pause()
        assert loss.log_scale and "(log scale)" in str(loss.border_title)


async def test_l_at_a_small_size_brings_the_plot_up() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        assert screen.lower_view == "diagram"
        await pilot.press("L")
        await pilot.pause()
        assert screen.lower_view == "plot" and screen.query_one(LossPlot).display
        assert not screen.query_one(LossPlot).log_scale


# -- values left out -------------------------------------------------------------------------
AWKWARD = [
    [0.5, 0.0, math.nan, math.inf, 0.25],
    [math.nan, math.nan],
    [0.0, 0.0, 0.0],
    [math.inf, -math.inf],
    [1e-300, 5e-324, 1e-320],
    [1e300, 1.7e308, 1e308],
    [-1.0, 2.0, -3.0],
    [0.3],
    [0.3, 0.3, 0.3],
    [1.7e308, 1.7e308],
    [5e-324, 5e-324],
    [1e-310, 2e-310],
]


@pytest.mark.parametrize("values", AWKWARD)
@pytest.mark.parametrize("log", [True, False])
@pytest.mark.parametrize("initial", [None, 0.7, math.nan, 0.0])
async def test_zero_and_nonfinite_losses_are_left_out_without_a_crash(
    values: list[float], log: bool, initial: float | None
) -> None:
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=(70, 10)) as pilot:
        plot.log_scale = log
        for marked in (0, len(values), 1):
            plot.view = LossView(np.array(values), marked, initial)
            await pilot.pause()
            drawn(plot)  # the chart draws it
            every = [initial, *values]
            kept = [v for v in every if v is not None and math.isfinite(v) and (v > 0 or not log)]
            curve = signals(plot)[0][1] if kept else []
            assert len(curve) == len(kept)
            assert all(math.isfinite(y) for y in curve)
            left_out = len(every) - len(kept) - (initial is None)
            assert (f"· {left_out} " in str(plot.border_subtitle)) == bool(left_out)


@pytest.mark.parametrize("log", [True, False])
async def test_zero_and_nonfinite_norms_are_left_out_without_a_crash(log: bool) -> None:
    norms = np.array(
        [[0.0, 1.0], [math.nan, 2.0], [math.inf, 0.0], [1e-320, 1e308], [0.5, math.nan]]
    )
    plot = NormsPlot()
    app = One(plot)
    async with app.run_test(size=(70, 10)) as pilot:
        plot.log_scale = log
        plot.view = NormsView(np.arange(1, 6), norms, ("1", "2"), 5, 1)
        await pilot.pause()
        drawn(plot)
        first, second = (series[3] for series in plot.series)
        assert all(math.isfinite(y) for y in first + second)
        assert len(first) == (2 if log else 3) and len(second) == (3 if log else 4)
        left = 5 if log else 3  # (the zeros too, on a log scale)
        what = "zero or non-finite" if log else "non-finite"
        assert plot.border_subtitle == f"epochs 1 to 5 · {left} {what} left out"
        plot.view = NormsView(np.arange(1, 3), np.full((2, 2), math.nan), ("1", "2"), 2, 1)
        await pilot.pause()
        drawn(plot)
        assert signals(plot) == []
        assert plot.border_subtitle == f"epochs 1 to 2 · 4 {what} left out"


@pytest.mark.parametrize("plot_class", [LossPlot, NormsPlot])
@pytest.mark.parametrize("width", [16, 24, 30, 40, 52, 70])
async def test_the_left_out_note_is_never_cut(plot_class, width: int) -> None:
    """Every norm 0 showed an empty plot with no word of why, and a narrow loss plot cut its
    note (`· 3 zero or non-fin…`; the hostile trial): the longest note that fits is shown."""
    from rich.cells import cell_len

    plot = plot_class()
    app = One(plot)
    async with app.run_test(size=(width, 10)) as pilot:
        if plot_class is LossPlot:
            plot.view = LossView(np.array([0.5, 0.0, 0.0, 0.0, 0.25] * 2000), 5, 0.7)
            epochs = "epochs 0 to 10,000"
        else:
            plot.view = NormsView(np.arange(1, 10_001), np.zeros((10_000, 2)), ("1", "2"), 5, 1)
            epochs = "epochs 1 to 10,000"
        await pilot.pause()
        subtitle = str(plot.border_subtitle)
        left = "6,000" if plot_class is LossPlot else "20,000"
        assert subtitle in (
            f"{epochs} · {left} zero or non-finite left out",
            f"0 to 10,000 · {left} zero or non-finite left out",
            f"{left} zero or non-finite left out",
            f"{left} left out",
        )
        fits = cell_len(subtitle) <= width - 4
        assert fits or subtitle == f"{left} left out"
        longer = f"{epochs} · {left} zero or non-finite left out"
        assert subtitle == longer or cell_len(longer) > width - 4
        assert "…" not in subtitle


# -- the chart itself ------------------------------------------------------------------------
def test_the_chart_draws_its_frame_ticks_dots_markers_and_vertical_lines() -> None:
    """A chart of 6 × 2 canvas cells, drawn by hand: Unicode's braille has dot 7 (0x40) at a
    cell's bottom left and dot 4 (0x08) at its top right; a vertical line meets the frame in
    ┬ and ┴, and a marker takes its whole cell."""
    from bptui.app.widgets.chart import Chart, draw_chart
    from bptui.app.widgets.plot_axes import Axis

    x = Axis((0.0, 11.0), [0.0, 11.0], ["0", "11"])  # 12 dot columns: one a dot
    y = Axis((0.0, 7.0), [0.0, 7.0], ["0", "7"])  # 8 dot rows
    corners = Chart(x, y, (([0.0], [0.0], "blue"), ([11.0], [7.0], "red")))
    rows = plain(draw_chart(corners, 9, 5)).split("\n")
    # (a label starts half its width left of its tick, as plotext wrote them)
    assert rows == [" ┌──────┐", "7┤     ⠈│", "0┤⡀     │", " └┬────┬┘", "  0   11 "]
    # a line from corner to corner: one dot in each of the 12 dot columns, none left out
    line = Chart(x, y, (([0.0, 11.0], [0.0, 7.0], "blue"),))
    canvas_rows = plain(draw_chart(line, 9, 5)).split("\n")[1:3]
    cells = [c for row in canvas_rows for c in row[2:8] if "\u2800" <= c <= "\u28ff"]
    dots = sum(bin(ord(c) - 0x2800).count("1") for c in cells)
    assert dots == 12
    # a vertical line and a marker (the marker covers the line's cell)
    marked = Chart(x, y, vlines=((6.0, "gray"),), markers=((6.0, 0.0, "●", "red"),))
    rows = plain(draw_chart(marked, 9, 5)).split("\n")
    column = 2 + 3  # cell(6, (0, 11), 6, 1) = floor(0.5 + 5 × 6 / 11) = 3
    assert rows[0][column] == "┬" and rows[3][column] == "┴"
    assert rows[1][column] == "│" and rows[2][column] == "●"
    # too small for a canvas: nothing
    assert draw_chart(corners, 3, 3) == []


@pytest.mark.parametrize("value", [1e308, 1.7e308, 5e-324, 1e-320])
async def test_a_flat_loss_at_the_ends_of_the_floats_plots_without_a_crash(value: float) -> None:
    """A diverged (or vanished) loss as flat as 1e308 put the log axis's top at 10**308.5,
    which its label overflowed: the app crashed (a fuzz of the plots found it). Heights of 6 to
    12 rows try each way of labelling the axis."""
    plot = LossPlot()
    app = One(plot)
    async with app.run_test(size=(60, 12)) as pilot:
        for height in (6, 7, 8, 10, 12):
            plot.styles.height = height
            await pilot.pause()
            plot.view = LossView(np.full(3, value), 3, value)
            await pilot.pause()
            rows = drawn(plot)
            assert any("●" in row for row in rows), (value, height, rows)
            low, high = chart(plot).y.lim
            assert 10.0**high < math.inf and 10.0**low >= 0
