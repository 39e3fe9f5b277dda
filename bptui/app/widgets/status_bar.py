"""The status line: network, epoch, sample, phase, step k of n, order, losses."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines, Line, fit
from bptui.engine.view import Frame
from bptui.fmt import num

STYLES = {
    "": Style(),
    "bold": Style(bold=True),
    "bold reverse": Style(bold=True, reverse=True),
    "italic": Style(italic=True),
    "dim": Style(dim=True),
}
SEPARATOR = Segment(" · ", STYLES["dim"])


class StatusBar(ChangedLines, Widget):
    """One or two lines on top of the debugger saying where in time the user is.

    It draws through the Line API, so a step repaints only the words that changed."""

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    precision: reactive[int] = reactive(9, repaint=False)
    """Decimals of the numbers."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frame: Frame | None = None
        self.last_loss: float | None = None
        self.run_text = ""

    def show(self, frame: Frame | None, last_loss: float | None, run_text: str) -> None:
        """Show the position `frame`, the loss after the previous epoch (None in epoch 1) and
        a run's progress or result ("after epoch N: loss …, outputs …")."""
        if bool(run_text) != bool(self.run_text):
            self.refresh(layout=True)  # the run line comes or goes
        self.frame, self.last_loss, self.run_text = frame, last_loss, run_text
        self._draw()

    def set_run_text(self, run_text: str) -> None:
        self.show(self.frame, self.last_loss, run_text)

    def watch_precision(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.rows())

    def _draw(self) -> None:
        width = self.content_size.width
        if width < 1 or not self.is_mounted:
            return
        lines: list[Line] = []
        for items in self.rows():
            segments: list[Segment] = []
            for k, (words, style) in enumerate(items):
                if k:
                    segments.append(SEPARATOR)
                segments.append(Segment(words, STYLES[style]))
            lines.append(fit(segments, width))
        self.show_lines(lines, key=self.content_size)

    def rows(self) -> list[list[tuple[str, str]]]:
        """The lines as (words, style) items, joined by ` · `."""
        frame = self.frame
        if frame is None:
            return [[("bptui", "bold")]]
        network = frame.trace.network
        p = self.precision
        parts: list[tuple[str, str]] = [
            ("bptui", "bold"),
            (network.name, "bold"),
            (f"epoch {frame.epoch}", ""),
        ]
        if network.n_samples > 1:
            sample = (
                "batch update"
                if frame.step.sample < 0
                else (f"sample {frame.sample + 1}/{network.n_samples}")
            )
            parts.append((sample, ""))
        parts += [
            (frame.phase.upper(), "bold reverse"),
            (f"step {frame.index + 1}/{frame.total}", ""),
            (network.hidden_gradients, "italic"),
        ]
        e_total = frame.e_total
        last = self.last_loss
        second: list[tuple[str, str]] = [
            (f"E_total {num(e_total, p) if e_total is not None else '·'}", ""),
            (f"last epoch {num(last, p) if last is not None else '—'}", ""),
        ]
        rows = [parts, second]
        if self.run_text:
            rows.append([(self.run_text, "bold")])
        return rows

    def text(self) -> Text:
        """The status as plain lines."""
        return Text("\n".join(" · ".join(words for words, _ in items) for items in self.rows()))
