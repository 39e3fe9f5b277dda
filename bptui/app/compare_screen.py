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

EXPLANATION = (
    "before_update (the post's text): every gradient from the weights the sample saw. "
    "after_output_update (the post's last paragraph and first code): w5..w8 are updated first "
    "and the hidden layer back-propagates through w5⁺..w8⁺. The forward pass and the output "
    "layer agree; the hidden steps differ by the amounts below."
)


class CompareScreen(ModalScreen[None]):
    """A table of the hidden steps in both orders, the current step's row highlighted."""

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
        self, rows: list[ComparedStep], current: str, epoch: int, sample: int, precision: int = 9
    ) -> None:
        super().__init__()
        self.rows = rows
        self.current = current
        self.epoch = epoch
        self.sample = sample
        self.precision = precision

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = (
                f"Both orders · epoch {self.epoch}, sample {self.sample + 1} · Esc closes"
            )
            yield Static(Text(EXPLANATION, style="italic"))
            yield Static(self._table())

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        """Scroll the current step's row into view (each row is 3 lines and a rule)."""
        symbols = [row.symbol for row in self.rows]
        if self.current in symbols:
            scroll = self.query_one(VerticalScroll)
            explanation = self.query_one(Static).outer_size.height
            row_top = explanation + 2 + 4 * symbols.index(self.current)
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
        for row in self.rows:
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
