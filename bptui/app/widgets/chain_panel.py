"""The chain-rule breakdown of the selected parameter, factor by factor."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from bptui.engine.breakdown import Breakdown
from bptui.engine.view import Frame
from bptui.fmt import equation, num, tree_lines


@dataclass(frozen=True)
class ChainView:
    """What the panel shows: a breakdown at a position, and whether it is pinned."""

    frame: Frame
    breakdown: Breakdown | None
    pinned: bool


class ChainPanel(Static):
    """Factors already reached show their numbers, those ahead only their symbols."""

    DEFAULT_CSS = """
    ChainPanel {
        height: 1fr;
        border: round $secondary;
        border-title-style: bold;
        padding: 0 1;
        overflow-y: auto;
        overflow-x: auto;
    }
    ChainPanel .ahead { color: $text-muted; }
    """

    view: reactive[ChainView | None] = reactive(None)
    """The breakdown shown."""
    precision: reactive[int] = reactive(9)
    """Decimals of the numbers."""

    def watch_view(self) -> None:
        self._show()

    def watch_precision(self) -> None:
        self._show()

    def _show(self) -> None:
        view = self.view
        if view is None:
            return
        b = view.breakdown
        if b is None:
            self.border_title = "Chain rule"
            self.update(Text("No parameter: the backward pass of this sample is over.",
                             style="italic"))
            return
        how = "pinned · u unpins" if view.pinned else "follows the step"
        self.border_title = f"Chain rule · {b.param.name} ({how})"
        frame = view.frame
        trace = frame.trace
        position = frame.index  # step indices are the epoch's, so this compares directly
        text = Text(no_wrap=True)
        for line in tree_lines(b.tree, trace, self.precision, position):
            text.append(line.prefix, "dim")
            text.append(line.text, "" if line.reached else "dim italic")
            if line.node.note and line.node.op == "leaf" and line.reached:
                text.append(f"   ({line.node.note})", "italic dim")
            text.append("\n")
        delta, source = b.delta_rule
        grad_reached = b.tree.step is not None and b.tree.step <= position
        text.append("delta rule: ", "dim")
        if grad_reached:
            text.append(f"{delta.symbol} × {source.symbol} = ")
            text.append(f"{num(delta.value, self.precision)} × {num(source.value, self.precision)}")
        else:
            text.append(f"{delta.symbol} × {source.symbol}", "dim italic")
        text.append("\n")
        if not b.param.trained:
            text.append(f"{b.param.name} is not trained: no update.", "italic")
        elif b.update is not None:
            step = trace[b.update]
            reached = b.update <= position
            if reached:
                text.append(equation(step, self.precision))
            else:
                text.append(f"{step.symbol} = {step.formula}", "dim italic")
        self.update(text)
