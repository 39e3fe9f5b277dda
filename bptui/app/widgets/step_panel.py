"""The current step: its formula in symbols, then with the numbers, then the value."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines, Line, wrap_formula
from bptui.engine.view import Frame
from bptui.fmt import alt_numbers, num, numbers

BOLD = Style(bold=True)
BOLD_REVERSE = Style(bold=True, reverse=True)
DIM = Style(dim=True)
ITALIC = Style(italic=True)
DIM_ITALIC = Style(dim=True, italic=True)
NON_FINITE = ("nan", "inf", "−inf")


class StepPanel(ChangedLines, Widget):
    """Shows `symbol = formula = numbers = value`, the delta rule and any note.

    It draws its lines itself (the Line API), so a step repaints only the lines that change
    and never lays out the screen again."""

    DEFAULT_CSS = """
    StepPanel {
        height: 1fr;
        border: round $primary;
        border-title-style: bold;
        padding: 0 1;
        overflow-y: auto;
    }
    """

    frame: reactive[Frame | None] = reactive(None, repaint=False)
    """The position whose step is shown."""
    words: tuple[str, ...] = ()
    """Lines of words under the step: why it is computed so, what the post prints there (set
    before `frame`, which redraws)."""
    precision: reactive[int] = reactive(9, repaint=False)
    """Decimals of the numbers."""

    def watch_frame(self, frame: Frame | None) -> None:
        # The title stays put (setting it repaints the whole panel); the status line says which
        # step this is, and the first line names its symbol.
        if frame is not None and self.border_subtitle != frame.step.phase:
            self.border_subtitle = frame.step.phase
        self._draw()

    def on_mount(self) -> None:
        self.border_title = "Current step"

    def watch_precision(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width
        if width < 1 or not self.is_mounted:
            return
        lines: list[Line] = []
        for parts in self.logical_lines():
            if sum(cell_len(text) for text, _ in parts) <= width:
                lines.append(tuple(Segment(text, style) for text, style in parts if text))
                continue
            # A long formula: the last piece wrapped before its operators, indented.
            *head, (body, style) = parts
            lead = sum(cell_len(text) for text, _ in head)
            pieces = wrap_formula(body, max(8, width - lead - 2))
            first = (*(Segment(text, s) for text, s in head if text), Segment(pieces[0], style))
            lines.append(first)
            indent = " " * (lead + 2)
            lines += [(Segment(indent), Segment(piece, style)) for piece in pieces[1:]]
        self.show_lines(lines, key=self.content_size)

    def logical_lines(self) -> list[list[tuple[str, Style | None]]]:
        """The panel's lines before wrapping, as (text, style) pieces."""
        frame = self.frame
        if frame is None:
            return []
        step = frame.step
        p = self.precision
        lines: list[list[tuple[str, Style | None]]] = [
            [(step.symbol, BOLD)],
            [("  = ", None), (step.formula, None)],
        ]
        filled = numbers(step, p)
        if filled != step.formula:
            lines.append([("  = ", None), (filled, None)])
        value = num(step.value, p)
        lines.append([("  = ", None), (value, BOLD_REVERSE if value in NON_FINITE else BOLD)])
        if step.alt_formula:
            lines.append([(f"{step.alt_label}: ", DIM), (step.alt_formula, None)])
            lines.append([("  = ", None), (alt_numbers(step, p), None)])
        if step.note:
            lines.append([(step.note, ITALIC)])
        for words in self.words:
            if words:
                lines.append([(words, DIM_ITALIC)])
        return lines

    def text(self) -> str:
        """The panel's text, unwrapped (for tests)."""
        return "\n".join("".join(text for text, _ in parts) for parts in self.logical_lines())
