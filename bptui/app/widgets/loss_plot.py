"""The loss after each epoch, on a log scale, with a marker at the current epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.reactive import reactive
from textual_plotext import PlotextPlot


@dataclass(frozen=True)
class LossView:
    """The losses after epochs 1..n (0-based list) and the epoch shown."""

    losses: tuple[float, ...]
    epoch: int
    initial: float | None  # the loss before any training (epoch 0)


class LossPlot(PlotextPlot):
    """log10(loss) against the epoch. plotext 5.3.2's own log scale crashes on re-render, so
    the widget plots log10 with labelled ticks; non-finite losses are left out; at most about
    two points a column are drawn."""

    DEFAULT_CSS = """
    LossPlot {
        height: 1fr;
        border: round $secondary;
        border-title-style: bold;
    }
    """

    view: reactive[LossView | None] = reactive(None)
    """The losses to plot."""

    _plotted_size = None

    def on_mount(self) -> None:
        self.border_title = "Loss after each epoch (log scale)"

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
        view = self.view
        if view is None:
            return
        self.border_subtitle = (
            "epoch 0 only: finish an epoch, or r to run"
            if len(view.losses) == 0
            else f"epochs 0 to {len(view.losses):,}"
        )
        # y[x] is the loss after epoch x (x = 0: before any); thin by index first, at most
        # about two points a column, then leave out the non-finite ones.
        count = len(view.losses) + 1
        stride = max(1, count // (2 * max(10, self.size.width)))
        xs_all = [*range(0, count, stride)]
        if xs_all[-1] != count - 1:
            xs_all.append(count - 1)

        def loss(x: int) -> float | None:
            return view.initial if x == 0 else view.losses[x - 1]

        shown = [(x, y) for x in xs_all if (y := loss(x)) is not None and _plottable(y)]
        if not shown:
            self.refresh()
            return
        xs = [x for x, _ in shown]
        plt.xlim(0, max(1, xs[-1]))
        ys = [math.log10(y) for _, y in shown]
        plt.plot(xs, ys, marker="braille")
        marker = view.epoch - 1
        if 0 <= marker < count and (y := loss(marker)) is not None and _plottable(y):
            plt.scatter([marker], [math.log10(y)], marker="●", color="red")
        low, high = math.floor(min(ys)), math.ceil(max(ys))
        if high == low:
            high = low + 1
        plt.ylim(low, high)
        ticks = list(range(low, high + 1))
        rows = max(2, self.size.height - 4)  # the rows of the plot area: one label per row
        ticks = ticks[:: max(1, -(-len(ticks) // rows))]
        plt.yticks(ticks, [f"1e{t}" for t in ticks])
        self.refresh()


def _plottable(loss: float) -> bool:
    return math.isfinite(loss) and loss > 0
