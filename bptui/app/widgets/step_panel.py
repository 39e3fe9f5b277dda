"""The current step: its formula in symbols, then with the numbers, then the value."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.events import MouseScrollDown, MouseScrollUp
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines, KeyScrolled, Line, wrap_formula, wrap_words
from bptui.engine.view import Frame
from bptui.fmt import alt_numbers, num, numbers

BOLD = Style(bold=True)
BOLD_REVERSE = Style(bold=True, reverse=True)
DIM = Style(dim=True)
ITALIC = Style(italic=True)
DIM_ITALIC = Style(dim=True, italic=True)
NON_FINITE = ("nan", "inf", "−inf")


class StepPanel(KeyScrolled, ChangedLines, Widget, can_focus=True):
    """Shows `symbol = formula = numbers = value`, the delta rule and any note.

    It draws its lines itself (the Line API), so a step repaints only the lines that change
    and never lays out the screen again."""

    BINDINGS = KeyScrolled.KEYS

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
    with the frame by `show`)."""
    verdict: str = ""
    """Predict mode's word on the learner's answer for this step, and the comparison's with
    the learner's own numbers (set with the frame by `show`)."""
    precision: reactive[int] = reactive(9, repaint=False)
    """Decimals of the numbers."""

    _top = 0
    """The first line on show (the wheel scrolls a step whose lines outgrow the panel)."""
    _lines: tuple[Line, ...] = ()

    def show(self, frame: Frame, words: tuple[str, ...], verdict: str) -> None:
        """Show `frame` with its words and verdict: redrawn when any of them changed (an undo
        can change the verdict under the same position)."""
        same = frame == self.frame
        if same and (words, verdict) == (self.words, self.verdict):
            return
        self.words, self.verdict = words, verdict
        if same:
            self._draw()
        else:
            self.frame = frame

    def watch_frame(self) -> None:
        self._top = 0
        self._draw()

    def on_mount(self) -> None:
        self.border_title = "Current step"

    def watch_precision(self) -> None:
        self._draw()

    def resized(self) -> None:
        self._draw()

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        self._scroll(2)
        event.stop()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        self._scroll(-2)
        event.stop()

    def _scroll(self, rows: int) -> None:
        top = max(0, min(len(self.wrapped) - self.content_size.height, self._top + rows))
        if top != self._top:
            self._top = top
            self._draw(again=False)

    def _draw(self, again: bool = True) -> None:
        width, height = self.content_size
        if width < 1 or not self.is_mounted:
            # (hidden: the subtitle still names the phase, whoever reads it)
            phase = str(self.frame.step.phase) if self.frame is not None else ""
            if self.is_mounted:
                self.border_subtitle = phase
            return
        if again:
            self.wrapped = self._wrapped(width, self.frame, self.words, self.verdict)
        lines = self.wrapped
        shown = lines[self._top : self._top + height]
        # The subtitle names the phase, and says so when the step has more lines than the
        # panel (the wheel scrolls them): nothing is cut without a word.
        phase = self.frame.step.phase if self.frame is not None else ""
        above, below = self._top, len(lines) - self._top - len(shown)
        more = " ".join(
            word
            for word in (f"↑{above}" if above else "", f"↓{below} more" if below else "")
            if word
        )
        subtitle = f"{phase} · {more}" if more else phase
        self.border_subtitle = subtitle
        self.show_lines(shown, key=self.content_size, scrolled=False)  # (by position)

    def prepare(self, frame: Frame, words: tuple[str, ...], verdict: str) -> None:
        """Make the lines of `frame` ahead (in idle time: the screen's guess at the next step)."""
        width, height = self.content_size
        if width >= 1 and self.is_mounted:
            # (a step shown anew is shown from its first line)
            lines = self._wrapped(width, frame, words, verdict)[:height]
            self.prepare_lines(lines, key=self.content_size)

    def _wrapped(
        self, width: int, frame: Frame | None, words: tuple[str, ...], verdict: str
    ) -> list[Line]:
        if frame is None:
            return []
        key = (frame, words, verdict, width, self.precision)
        return self.remembered(key, lambda: self.wrap(width, frame, words, verdict))

    wrapped: ClassVar[list[Line]] = []  # (each panel sets its own in _draw)
    """Every line of the step at the panel's width (those from `_top` on show)."""

    def wrap(
        self,
        width: int,
        frame: Frame | None = None,
        words: tuple[str, ...] | None = None,
        verdict: str | None = None,
    ) -> list[Line]:
        """The step's lines at `width` (of the panel's frame and words, or those given):
        formulas wrapped before an operator (the continued line indented), words between
        words."""
        lines: list[Line] = []
        for parts in self.logical_lines(width, frame, words, verdict):
            if sum(cell_len(text) for text, _ in parts) <= width:
                lines.append(tuple(Segment(text, style) for text, style in parts if text))
                continue
            *head, (body, style) = parts
            if not head and style in (ITALIC, DIM_ITALIC, BOLD):  # words
                lines += [(Segment(piece, style),) for piece in wrap_words(body, width)]
                continue
            # A long formula: the last piece wrapped before its operators, indented.
            lead = sum(cell_len(text) for text, _ in head)
            pieces = wrap_formula(body, max(8, width - lead - 2))
            first = (*(Segment(text, s) for text, s in head if text), Segment(pieces[0], style))
            lines.append(first)
            indent = " " * (lead + 2)
            lines += [(Segment(indent), Segment(piece, style)) for piece in pieces[1:]]
        return lines

    def logical_lines(
        self,
        width: int | None = None,
        frame: Frame | None = None,
        words: tuple[str, ...] | None = None,
        verdict: str | None = None,
    ) -> list[list[tuple[str, Style | None]]]:
        """The panel's lines before wrapping, as (text, style) pieces. Given the `width`, the
        numbers and the value share a line when they fit on one (`= 0.74 × 0.19 = 0.14`, as
        the post writes it), and so do the delta rule's form and its numbers."""
        verdict = (self.verdict if frame is None else "") if verdict is None else verdict
        frame = frame or self.frame
        words = self.words if words is None else words
        if frame is None:
            return []
        step = frame.step
        p = self.precision

        def fits(*texts: str) -> bool:
            return width is not None and sum(cell_len(text) for text in texts) <= width

        lines: list[list[tuple[str, Style | None]]] = [
            [(step.symbol, BOLD)],
            [("  = ", None), (step.formula, None)],
        ]
        filled = numbers(step, p)
        value = "?" if frame.hidden else num(step.value, p)  # (predict mode: yours first)
        value_style = BOLD_REVERSE if value in NON_FINITE or frame.hidden else BOLD
        if filled in (step.formula, value):  # (∂net_h1/∂w1 = i1 = 0.05: said once)
            lines.append([("  = ", None), (value, value_style)])
        elif fits("  = ", filled, " = ", value):
            lines.append([("  = ", None), (filled, None), (" = ", None), (value, value_style)])
        else:
            lines.append([("  = ", None), (filled, None)])
            lines.append([("  = ", None), (value, value_style)])
        if step.alt_formula:
            label = f"{step.alt_label}: "
            filled = alt_numbers(step, p)  # (and the value they make, unless it waits)
            result = [] if frame.hidden else [(" = ", None), (value, value_style)]
            ends = "".join(text for text, _ in result)
            if fits(label, step.alt_formula, " = ", filled, ends):
                lines.append(
                    [(label, DIM), (step.alt_formula, None), (" = ", None), (filled, None), *result]
                )
            else:
                lines.append([(label, DIM), (step.alt_formula, None)])
                lines.append([("  = ", None), (filled, None), *result])
        if verdict and not frame.hidden:  # (predict mode's, then the comparison's lines)
            for line in verdict.split("\n"):
                lines.append([(line, BOLD if line.startswith(("✓", "✗", "predict")) else ITALIC)])
        if step.note and not any(_same_start(step.note, line) for line in words):
            lines.append([(step.note, ITALIC)])  # (unless the why says it again, and more)
        for line in words:
            if line:
                lines.append([(line, DIM_ITALIC)])
        return lines

    def text(self) -> str:
        """The panel's text, unwrapped (for tests)."""
        return "\n".join("".join(text for text, _ in parts) for parts in self.logical_lines())


def _same_start(note: str, words: str, count: int = 5) -> bool:
    """Do the two begin with the same `count` words (the why restating a step's note)?"""
    return bool(words) and note.split()[:count] == words.split()[:count]
