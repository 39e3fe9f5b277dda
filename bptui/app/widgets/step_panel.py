"""The current step: its formula in symbols, then with the numbers, then the value."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines
from bptui.engine.view import Frame
from bptui.fmt import alt_numbers, num, numbers


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
        console = self.app.console
        lines = console.render_lines(self.render(), console.options.update_width(width), pad=False)
        self.show_lines([tuple(line) for line in lines], key=self.content_size)

    def render(self) -> Text:
        frame = self.frame
        if frame is None:
            return Text("")
        step = frame.step
        p = self.precision
        text = Text()
        text.append(step.symbol, "bold")
        text.append("\n  = ")
        text.append(step.formula)
        filled = numbers(step, p)
        if filled != step.formula:
            text.append("\n  = ")
            text.append(filled)
        text.append("\n  = ")
        value = num(step.value, p)
        text.append(value, "bold reverse" if value in ("nan", "inf", "−inf") else "bold")
        if step.alt_formula:
            text.append("\ndelta rule: ", "dim")
            text.append(f"{step.alt_formula}\n  = {alt_numbers(step, p)}")
        if step.note:
            text.append("\n")
            text.append(step.note, "italic")
        return text
