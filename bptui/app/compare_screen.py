"""The compare view: each hidden-layer step of a sample in both hidden-gradient orders."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bptui.engine.compare import ComparedStep
from bptui.fmt import num, numbers


def explanation(output_weights: str) -> str:
    """What the two orders are, naming the output layer's weights (`w5..w8` in the post)."""
    return (
        "before_update (the post's text): every gradient from the weights the sample saw. "
        "after_output_update (the post's last paragraph and first code): each layer is updated "
        f"as soon as its gradients are known, the output layer's {output_weights} first, and "
        "the layer below back-propagates through the updated weights (w⁺). The forward pass "
        "and the output layer agree; the hidden steps differ by the amounts below."
    )


MAX_ROWS = 300
"""The rows shown at most: those around the current step's (a 2-4096-1 net has 32,769 hidden
steps, whose table took a minute to draw and most of another to close)."""


class CompareScreen(ModalScreen[None]):
    """A table of the hidden steps in both orders, the current step's row highlighted (of a
    big net, the MAX_ROWS rows around it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m,q", "dismiss", "Close", priority=True),
        Binding("home", "top", "Top", priority=True),
        Binding("end", "bottom", "Bottom", priority=True),
    ]

    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > VerticalScroll {
        width: 96%; height: 92%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        rows: list[ComparedStep],
        current: str,
        epoch: int,
        sample: int,
        precision: int = 9,
        output_weights: str = "weights",
    ) -> None:
        super().__init__()
        self.output_weights = output_weights
        self.rows = rows
        self.current = current
        self.epoch = epoch
        self.sample = sample
        self.precision = precision
        symbols = [row.symbol for row in rows]
        at = symbols.index(current) if current in symbols else 0
        self.first = max(0, min(at - MAX_ROWS // 2, len(rows) - MAX_ROWS))
        self.shown = rows[self.first : self.first + MAX_ROWS]
        """The rows in the table."""

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = (
                f"Both orders · epoch {self.epoch}, sample {self.sample + 1} · Esc closes"
            )
            yield Static(Text(explanation(self.output_weights), style="italic"))
            if len(self.shown) < len(self.rows):
                last = self.first + len(self.shown)
                yield Static(
                    Text(
                        f"Rows {self.first + 1:,} to {last:,} of {len(self.rows):,}: the "
                        f"{MAX_ROWS} around this step (go to another step to see its own).",
                        style="bold",
                    ),
                    id="window",
                )
            yield Static(self._table(), id="table")

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        """Scroll the current step's row into view (each row is 3 lines and a rule)."""
        symbols = [row.symbol for row in self.shown]
        if self.current in symbols:
            scroll = self.query_one(VerticalScroll)
            table = self.query_one("#table", Static)
            row_top = table.virtual_region.y + 2 + 4 * symbols.index(self.current)
            scroll.scroll_to(y=max(0, row_top - 2), animate=False)

    def action_top(self) -> None:
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(VerticalScroll).scroll_end(animate=False)

    def _table(self) -> Table:
        p = self.precision
        table = Table(expand=True, show_edge=False, show_lines=True)
        # (a narrow screen folds a number onto a second line: never cut to "0.1384985…")
        table.add_column("step", overflow="fold")
        table.add_column("before_update", overflow="fold")
        table.add_column("after_output_update", overflow="fold")
        table.add_column("difference", justify="right", overflow="fold")
        for row in self.shown:
            before, after = (
                f"{step.formula}\n= {numbers(step, p)}\n= {num(step.value, p)}"
                for step in (row.before, row.after)
            )
            style = "reverse bold" if row.symbol == self.current else ""
            difference = num(row.difference, p) if row.difference else "0"
            table.add_row(row.symbol, before, after, difference, style=style)
        return table

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
