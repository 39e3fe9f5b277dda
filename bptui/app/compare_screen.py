"""The compare view: each hidden-layer step of a sample in both hidden-gradient orders."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bptui.engine.compare import ComparedStep
from bptui.fmt import num, numbers


def explanation(output_weights: str, sample: int = 0) -> str:
    """What the two orders are, naming the output layer's weights (`w5..w8` in the post); of
    the epoch's `sample` (from 0): after the first sample's update the two run on different
    weights (it said the forward passes agree at every sample: the second newcomer trial)."""
    agree = (
        "The forward pass and the output layer agree; the hidden steps differ by the amounts below."
        if sample == 0
        else "After the first sample's update the two orders run on different weights: any "
        "step of this sample may differ, by the amounts below."
    )
    return (
        "before_update (the post's text): every gradient from the weights the sample saw. "
        "after_output_update (the post's last paragraph and first code): each layer is updated "
        f"as soon as its gradients are known, the output layer's {output_weights} first, and "
        f"the layer below back-propagates through the updated weights (w⁺). {agree}"
    )


DIFFERENCE = "after − before"  # (which way it subtracts: "difference" did not say)
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
    CompareScreen > Vertical {
        width: 96%; height: 92%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    CompareScreen Static.header { padding-right: 1; }
    CompareScreen VerticalScroll {
        height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable;
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
        # The explanation and the columns' headings stay above the rows, which scroll: the
        # view opens at the current step's row, and the headings were then off-screen, saying
        # nothing of which column was which (the newcomer trial).
        with Vertical() as box:
            box.border_title = (
                f"Both orders · epoch {self.epoch}, sample {self.sample + 1} · Esc closes"
            )
            yield Static(Text(explanation(self.output_weights, self.sample), style="italic"))
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
            yield Static(self._table(header=True), classes="header")
            with VerticalScroll():
                yield Static(self._table(), id="table")

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        """Scroll the current step's row into view: its first line, found in the table as
        drawn at its width (a row is 3 lines and a rule, more where a column folds)."""
        symbols = [row.symbol for row in self.shown]
        if self.current not in symbols:
            return
        scroll = self.query_one(VerticalScroll)
        width = scroll.scrollable_content_region.width
        console = Console(width=max(width, 1), color_system=None, legacy_windows=False)
        lines = console.render_lines(self._table(), pad=False)
        starts = [0] + [
            y + 1 for y, line in enumerate(lines) if "┼" in "".join(s.text for s in line)
        ]
        row_top = starts[min(symbols.index(self.current), len(starts) - 1)]
        scroll.scroll_to(y=row_top, animate=False)

    def action_top(self) -> None:
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(VerticalScroll).scroll_end(animate=False)

    def _table(self, header: bool = False) -> Table:
        """The rows (or, `header`, the headings alone), in columns of fixed shares of the
        width, so that the headings' table and the rows' line up; a narrow screen folds a
        long symbol or number onto a second line: never cut to "0.1384985…"."""
        p = self.precision
        differences = [num(row.difference, p) if row.difference else "0" for row in self.shown]
        widest = max(map(len, [*differences, DIFFERENCE]))
        table = Table(expand=True, show_edge=False, show_lines=True, show_header=header)
        table.add_column("step", overflow="fold", ratio=5)
        table.add_column("before_update", overflow="fold", ratio=8)
        table.add_column("after_output_update", overflow="fold", ratio=8)
        # (the differences whole, at every width: "−7.38448/569e-05" read as two numbers)
        table.add_column(DIFFERENCE, justify="right", no_wrap=True, width=widest)
        if header:
            return table
        for row, difference in zip(self.shown, differences, strict=True):
            before, after = (_lines(step, p) for step in (row.before, row.after))
            style = "reverse bold" if row.symbol == self.current else ""
            table.add_row(row.symbol, before, after, difference, style=style)
        return table

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


def _lines(step, precision: int) -> str:
    """A step's formula, its numbers and its value, a line each, leaving out a line that
    repeats the one before (`i2`, `= 0.1`, `= 0.1` said 0.1 twice: the newcomer trial)."""
    parts = [step.formula, numbers(step, precision), num(step.value, precision)]
    kept = [part for k, part in enumerate(parts) if k == 0 or part != parts[k - 1]]
    return "\n= ".join(kept)
