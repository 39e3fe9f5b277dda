"""The status line: network, epoch, sample, phase, step k of n, order, losses."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bptui.engine.view import Frame
from bptui.fmt import num


class StatusBar(Widget):
    """One or two lines on top of the debugger saying where in time the user is."""

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    frame: reactive[Frame | None] = reactive(None)
    """The position shown."""
    precision: reactive[int] = reactive(9)
    """Decimals of the numbers."""
    run_text: reactive[str] = reactive("", layout=True)
    """A run's progress or its result ("after epoch N: loss …, outputs …")."""
    last_loss: reactive[float | None] = reactive(None)
    """The loss after the previous epoch, None in epoch 1."""

    def render(self) -> Text:
        frame = self.frame
        if frame is None:
            return Text("bptui")
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
        text = Text(no_wrap=True, overflow="ellipsis")
        for row, items in enumerate(rows):
            if row:
                text.append("\n")
            for k, (words, style) in enumerate(items):
                if k:
                    text.append(" · ", "dim")
                text.append(words, style)
        return text
