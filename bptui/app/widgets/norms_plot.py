"""Each layer's weight-gradient norm after each epoch, on a log scale: one line per layer.

It takes the loss plot's place (`G` switches between them). The lines are labelled in the
border title, each label in its line's colour (a legend inside the plot would cover most of
its eight rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from textual.reactive import reactive
from textual_plotext import PlotextPlot

# Colours that plotext and Textual's markup both know by name, one per layer (cycled).
COLORS = ("red", "green", "blue", "yellow", "magenta", "cyan", "orange")


@dataclass(frozen=True, eq=False)
class NormsView:
    """The norms to plot: `norms[k]` holds every layer's norm in epoch `epochs[k]` (a sample of
    the history's epochs when it is long); `labels` name the layers."""

    epochs: np.ndarray  # epoch numbers, increasing
    norms: np.ndarray  # shape (len(epochs), layers)
    labels: tuple[str, ...]
    epoch: int  # the epoch shown (a vertical line marks it when its norms are known)
    start: int  # the first epoch whose norms are known (1 unless a restored session's)
    note: str = ""  # a word on what is still being worked out


class NormsPlot(PlotextPlot):
    """log10(norm) of each layer against the epoch (plotext's own log scale crashes on
    re-render, so the widget plots log10 with labelled ticks, as the loss plot does). Zero and
    non-finite norms are left out."""

    DEFAULT_CSS = """
    NormsPlot {
        height: 1fr;
        border: round $secondary;
        border-title-style: bold;
    }
    """

    view: reactive[NormsView | None] = reactive(None)
    """The norms to plot."""

    series: tuple[tuple[str, str, list[int], list[float]], ...] = ()
    """What the last replot drew: (label, colour, epochs, log10 norms) per layer."""

    _plotted_size = None

    def on_mount(self) -> None:
        self.border_title = "Gradient norm per layer (log)"

    def watch_view(self) -> None:
        self.replot()

    def on_resize(self) -> None:
        if self.size != self._plotted_size:
            self.replot()

    def replot(self) -> None:
        self._plotted_size = self.size
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self.series = ()
        view = self.view
        if view is None:
            return
        legend = " ".join(f"[{color(k)}]━{k + 1}[/]" for k in range(len(view.labels)))
        self.border_title = f"Gradient norm per layer (log): {legend}"
        count = len(view.epochs)
        if count == 0:
            self.border_subtitle = view.note or "no epoch finished yet: finish one, or r to run"
        else:
            first, last = int(view.epochs[0]), int(view.epochs[-1])
            self.border_subtitle = view.note or f"epochs {first:,} to {last:,}"
        # at most about two points a column (the last one always), then leave out the zero
        # and non-finite ones
        picked = list(range(0, count, max(1, count // (2 * max(10, self.size.width)))))
        if picked and picked[-1] != count - 1:
            picked.append(count - 1)
        epochs = view.epochs[picked].tolist()
        series = []
        for k, label in enumerate(view.labels):
            column = view.norms[picked, k].tolist()
            points = [
                (int(x), math.log10(y))
                for x, y in zip(epochs, column, strict=True)
                if _plottable(y)
            ]
            series.append((label, color(k), [x for x, _ in points], [y for _, y in points]))
        self.series = tuple(series)
        ys = [y for *_, values in series for y in values]
        if not ys:
            self.refresh()
            return
        plt.xlim(min(1, int(view.epochs[0])), max(2, int(view.epochs[-1])))
        for _, line_color, xs, values in series:
            if xs:
                plt.plot(xs, values, marker="braille", color=line_color)
        if view.start <= view.epoch <= int(view.epochs[-1]):
            plt.vline(view.epoch, "gray")  # the epoch shown
        low, high = math.floor(min(ys)), math.ceil(max(ys))
        if high == low:
            high = low + 1
        plt.ylim(low, high)
        ticks = list(range(low, high + 1))
        rows = max(2, self.size.height - 4)  # the rows of the plot area: one label per row
        ticks = ticks[:: max(1, -(-len(ticks) // rows))]
        plt.yticks(ticks, [f"1e{t}" for t in ticks])
        self.refresh()


def color(layer: int) -> str:
    """The colour of layer `layer`'s line (0-based)."""
    return COLORS[layer % len(COLORS)]


def _plottable(norm: float) -> bool:
    return math.isfinite(norm) and norm > 0
