"""The current step: its formula in symbols, then with the numbers, then the value."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bptui.engine.view import Frame
from bptui.fmt import alt_numbers, num, numbers


class StepPanel(Widget):
    """Shows `symbol = formula = numbers = value`, the delta rule and any note.

    It renders itself (no `Static.update`), so a step repaints the panel without laying out
    the screen again."""

    DEFAULT_CSS = """
    StepPanel {
        height: 1fr;
        border: round $primary;
        border-title-style: bold;
        padding: 0 1;
        overflow-y: auto;
    }
    """

    frame: reactive[Frame | None] = reactive(None)
    """The position whose step is shown."""
    precision: reactive[int] = reactive(9)
    """Decimals of the numbers."""

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is not None:
            self.border_title = f"Step {frame.index + 1} · {frame.step.symbol}"
            self.border_subtitle = frame.step.phase

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
