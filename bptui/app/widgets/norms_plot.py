"""Each layer's weight-gradient norm after each epoch, on a log or a linear scale (`L`
switches): one line per layer.

It takes the loss plot's place (`G` switches between them). The lines are labelled in the
border title, each label in its line's colour (a legend inside the plot would cover most of
its eight rows).
"""

from __future__ import annotations

import numpy as np
from textual.reactive import reactive

from bptui.app.widgets.chart import Chart, ChartWidget
from bptui.app.widgets.plot_axes import (
    DOTS_X,
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

# The colours: one per layer (cycled), by names that the chart and Textual's markup both know
# on a dark theme, and dark ones that read on white on a light theme (a projector's); and the line
# at the epoch whose loss the status bar gives.
COLORS = ("red", "green", "blue", "yellow", "magenta", "cyan", "orange")
LIGHT_COLORS = (
    (176, 0, 32),
    (10, 90, 26),
    (0, 48, 122),
    (115, 63, 0),
    (140, 0, 80),
    (0, 90, 100),
    (75, 29, 122),
)
MARKER = "gray"


@dataclass(frozen=True, eq=False)
class NormsView:
    """The norms to plot: `norms[k]` holds every layer's norm in epoch `epochs[k]` (a sample of
    the history's epochs when it is long); `labels` name the layers."""

    epochs: np.ndarray  # epoch numbers, increasing
    norms: np.ndarray  # shape (len(epochs), layers)
    labels: tuple[str, ...]
    marked: int  # the epoch whose loss the status bar gives (a vertical line marks it)
    start: int  # the first epoch whose norms are known (1 unless a restored session's)
    note: str = ""  # a word on what is still being worked out


class NormsPlot(ChartWidget):
    """Each layer's norm against the epoch. On a log scale the widget plots log10 of the norm
    with labelled ticks and leaves out zero and non-finite norms; on a linear scale it leaves
    out the non-finite ones. A long history is drawn from each dot column's first, lowest,
    highest and last points of each line (`bptui.app.widgets.chart` draws them)."""

    DEFAULT_CSS = """
    NormsPlot {
        width: 1fr;
        height: 1fr;
        border: round $secondary;
        border-title-style: bold;
    }
    """

    view: reactive[NormsView | None] = reactive(None)
    """The norms to plot."""

    log_scale: reactive[bool] = reactive(True)
    """Whether the y axis is log10 (else linear)."""

    series: tuple[tuple[str, str | tuple[int, int, int], list[int], list[float]], ...] = ()
    """What the last replot drew: (label, colour, epochs, norms as plotted) per layer."""

    _plotted_size = None

    def watch_view(self) -> None:
        self.replot()

    def watch_log_scale(self) -> None:
        self.replot()

    def resized(self) -> None:
        if self.size != self._plotted_size:
            self.replot()

    def theme_changed(self, theme: object) -> None:
        # (the lines' colours are this widget's: a light theme has its own)
        self._line_style = None
        self.replot()

    def replot(self) -> None:
        self._plotted_size = self.size
        self.chart = None
        self.series = ()
        view = self.view
        log = self.log_scale
        scale = "log" if log else "linear"
        if view is None:
            self.border_title = f"Gradient norm per layer ({scale})"
            self._draw()
            return
        dark = self.app.current_theme.dark
        legend = " ".join(f"[{markup(color(k, dark))}]━{k + 1}[/]" for k in range(len(view.labels)))
        self.border_title = f"Gradient norm per layer ({scale}): {legend}"
        count = len(view.epochs)
        if count == 0:
            self.border_subtitle = view.note or "no epoch finished yet: finish one, or r to run"
        else:
            first, last = int(view.epochs[0]), int(view.epochs[-1])
            span = f"epochs {first:,} to {last:,}" if last > first else f"epoch {last:,} only"
            self.border_subtitle = view.note or span
        # each layer's plottable norms (log10 of the positive finite ones, or the finite ones)
        lines = []
        left_out = 0
        for k in range(len(view.labels)):
            keep, values = scaled(np.asarray(view.norms[:, k], dtype=float), log)
            lines.append((view.epochs[keep], values))
            left_out += int(np.count_nonzero(~keep))
        if left_out and not view.note:
            what = "zero or non-finite" if log else "non-finite"
            self.set_subtitle(
                f"{self.border_subtitle} · {left_out:,} {what} left out",
                f"{left_out:,} {what} left out",
                f"{left_out:,} left out",
            )
        everything = np.concatenate([values for _, values in lines]) if lines else np.array([])
        if everything.size == 0:
            self._draw()
            return
        shift = 0 if log else shift_for(everything)
        if shift:
            everything = shifted(everything, shift)
            lines = [(epochs, shifted(values, shift)) for epochs, values in lines]
        low, high = float(everything.min()), float(everything.max())
        rows = self.size.height - 3
        y = log_axis(low, high, rows) if log else linear_axis(low, high, rows, shift)
        columns, rows = canvas(self.size.width, self.size.height, y.labels)
        if columns < 2 or rows < 1:
            self._draw()
            return
        last = int(view.epochs[-1])
        # (from epoch 1, or from the epoch before a single one: no axis runs past the last)
        x = epoch_axis(min(1, int(view.epochs[0]), last - 1), last, columns)
        series = []
        for k, (epochs, values) in enumerate(lines):
            xs, ys = envelope(epochs, values, x.lim, columns)
            series.append((view.labels[k], color(k, dark), xs, ys))
        self.series = tuple(series)
        vlines = ()
        if view.start <= view.marked <= int(view.epochs[-1]):
            vlines = ((snap(view.marked, x.lim, columns, DOTS_X), MARKER),)
        curves = tuple((xs, ys, colour) for _, colour, xs, ys in series if xs)
        self.chart = Chart(x, y, curves, vlines=vlines)
        self._draw()


def color(layer: int, dark: bool = True) -> str | tuple[int, int, int]:
    """The colour of layer `layer`'s line (0-based) on a dark or a light theme."""
    colors = COLORS if dark else LIGHT_COLORS
    return colors[layer % len(colors)]


def markup(color: str | tuple[int, int, int]) -> str:
    """A colour as Textual's markup writes it."""
    return color if isinstance(color, str) else "rgb({},{},{})".format(*color)
