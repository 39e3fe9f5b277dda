"""The loss after each epoch, on a log or a linear scale (`L` switches), with a marker on the
epoch whose loss the status bar gives."""

from __future__ import annotations

import math

import numpy as np
from textual.reactive import reactive

from bptui.app.widgets.chart import Chart, ChartWidget
from bptui.app.widgets.plot_axes import (
    DOTS_X,
    DOTS_Y,
    canvas,
    envelope,
    epoch_axis,
    linear_axis,
    log_axis,
    scaled,
    shift_for,
    shifted,
    snap,
)
from bptui.records import dataclass

# The colours, by ANSI names that read on dark and light backgrounds alike.
LINE = "blue"  # the curve
MARKER = "red"  # the epoch whose loss the status bar gives


@dataclass(frozen=True, eq=False)
class LossView:
    """The losses after epochs 1..n (0-based) and the epoch to mark."""

    losses: np.ndarray
    marked: int  # the epoch whose loss the status bar gives (0: the initial loss)
    initial: float | None  # the loss before any training (epoch 0)


class LossPlot(ChartWidget):
    """The loss against the epoch. On a log scale the widget plots log10 of the loss with
    labelled ticks and leaves out zero and non-finite losses; on a linear scale it leaves out
    the non-finite ones. A long history is drawn from each dot column's first, lowest, highest
    and last points: the same line. It draws through the Line API (`bptui.app.widgets.chart`):
    a new epoch's point repaints the cells that change."""

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        height: 1fr;
        border: round $secondary;
        border-title-style: bold;
    }
    """

    view: reactive[LossView | None] = reactive(None)
    """The losses to plot."""

    log_scale: reactive[bool] = reactive(True)
    """Whether the y axis is log10 (else linear)."""

    _plotted_size = None

    def watch_view(self) -> None:
        self.replot()

    def watch_log_scale(self, log_scale: bool) -> None:
        self.border_title = f"Loss after each epoch ({'log' if log_scale else 'linear'} scale)"
        self.replot()

    def resized(self) -> None:
        if self.size != self._plotted_size:
            self.replot()

    def replot(self) -> None:
        self._plotted_size = self.size
        self.chart = None
        view = self.view
        if view is None:
            self._draw()
            return
        count = len(view.losses)
        log = self.log_scale
        # values[x]: the loss after epoch x (x = 0: before any)
        initial = math.nan if view.initial is None else view.initial
        values = np.concatenate(([initial], np.asarray(view.losses, dtype=float)))
        keep, ys = scaled(values, log)
        xs = np.flatnonzero(keep)
        left_out = count + (view.initial is not None) - len(xs)
        span = (
            "epoch 0 only: finish an epoch, or r to run" if count == 0 else f"epochs 0 to {count:,}"
        )
        if left_out:
            what = "zero or non-finite" if log else "non-finite"
            short = "epoch 0 only" if count == 0 else f"0 to {count:,}"
            self.set_subtitle(
                f"{span} · {left_out:,} {what} left out",
                f"{short} · {left_out:,} {what} left out",
                f"{left_out:,} {what} left out",
                f"{left_out:,} left out",
            )
        else:
            self.border_subtitle = span
        if len(xs) == 0:
            self._draw()
            return
        shift = 0 if log else shift_for(ys)
        ys = shifted(ys, shift)
        low, high = float(ys.min()), float(ys.max())
        rows = self.size.height - 3
        y = log_axis(low, high, rows) if log else linear_axis(low, high, rows, shift)
        columns, rows = canvas(self.size.width, self.size.height, y.labels)
        if columns < 2 or rows < 1:
            self._draw()
            return
        x = epoch_axis(0, count, columns)
        line_xs, line_ys = envelope(xs, ys, x.lim, columns)
        markers = ()
        marked = view.marked
        if 0 <= marked <= count and keep[marked]:
            # where the curve draws that loss, at the marker's whole-cell resolution
            value = float(ys[np.searchsorted(xs, marked)])
            mx, my = snap(marked, x.lim, columns, DOTS_X), snap(value, y.lim, rows, DOTS_Y)
            markers = ((mx, my, "●", MARKER),)
        self.chart = Chart(x, y, ((line_xs, line_ys, LINE),), markers)
        self._draw()
