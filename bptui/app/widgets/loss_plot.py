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

    def on_mount(self) -> None:
        self.border_title = "Loss after each epoch (log scale)"

    def watch_view(self) -> None:
        self.replot()

    def on_resize(self) -> None:
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        view = self.view
        if view is None:
            return
        points = [(0, view.initial)] if view.initial is not None else []
        points += [(k + 1, loss) for k, loss in enumerate(view.losses)]
        points = [(x, y) for x, y in points if y is not None and math.isfinite(y) and y > 0]
        self.border_subtitle = (
            "epoch 0 only: finish an epoch, or r to run"
            if len(view.losses) == 0
            else f"epochs 0 to {len(view.losses):,}"
        )
        if not points:
            self.refresh()
            return
        width = max(10, self.size.width)
        stride = max(1, len(points) // (2 * width))
        shown = points[::stride]
        if shown[-1] != points[-1]:
            shown.append(points[-1])
        xs = [x for x, _ in shown]
        plt.xlim(0, max(1, xs[-1]))
        ys = [math.log10(y) for _, y in shown]
        plt.plot(xs, ys, marker="braille")
        current = [(x, y) for x, y in points if x == view.epoch - 1]
        if current:
            plt.scatter([current[0][0]], [math.log10(current[0][1])], marker="●", color="red")
        low, high = math.floor(min(ys)), math.ceil(max(ys))
        if high == low:
            high = low + 1
        plt.ylim(low, high)
        ticks = list(range(low, high + 1))
        rows = max(2, self.size.height - 4)  # the rows of the plot area: one label per row
        ticks = ticks[:: max(1, -(-len(ticks) // rows))]
        plt.yticks(ticks, [f"1e{t}" for t in ticks])
        self.refresh()
