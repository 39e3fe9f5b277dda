"""The status line: network, epoch, sample, phase, step k of n, order, losses."""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import ChangedLines, Line
from bptui.engine.view import Frame
from bptui.fmt import num

STYLES = {
    "": Style(),
    "bold": Style(bold=True),
    "bold reverse": Style(bold=True, reverse=True),
    "italic": Style(italic=True),
    "dim": Style(dim=True),
    "name": Style(bold=True),  # the network's name: shortened to leave the status its room
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
        self.done = 0
        self.last_loss: float | None = None
        self.run_text = ""
        self.note = ""
        self.predict = ""  # predict mode's score line
        self._row_count = 1  # the rows shown (the first: the name alone)

    def show(
        self,
        frame: Frame | None,
        done: int,
        last_loss: float | None,
        run_text: str,
        note: str = "",
        predict: str = "",
    ) -> None:
        """Show the position `frame`, the loss after the `done` epochs finished as of it (None
        before the first), a run's progress or result ("after epoch N: loss …, outputs …")
        and a note on the post's own number for that loss."""
        self.frame, self.done, self.last_loss = frame, done, last_loss
        self.run_text, self.note, self.predict = run_text, note, predict
        width = self.content_size.width
        if width >= 1 and self.is_mounted:
            count = len(self._layout(width, self._state()))
            if count != self._row_count:
                self.refresh(layout=True)  # a line comes or goes
            self._row_count = count
        self._draw()

    def prepare(self, *shown) -> None:
        """Lay out the status of `show(*shown)` ahead (in idle time: the screen's guess at the
        next step)."""
        width = self.content_size.width
        if width >= 1 and self.is_mounted:
            self.prepare_lines(self._layout(width, shown), key=self.content_size)

    def _state(self) -> tuple:
        return (self.frame, self.done, self.last_loss, self.run_text, self.note, self.predict)

    def _layout(self, width: int, state: tuple) -> list[Line]:
        """The lines of a state (remembered); on a compact screen as many as the widest status
        of the epoch shown takes (`rows(widest=True)`): a note on the post's loss came at an
        epoch's last step, and the loss after it pushed a row to wrap, taking two lines from
        the diagram, which laid its labels out again and lost some of their numbers (the
        newcomer trials). Not below KEEP_FROM columns: at 60 the widest status took two more
        rows, half the diagram. A wide screen's diagram keeps its height as the status grows."""

        # (only where the diagram is what shrinks: a compact screen showing it)
        screen = self.screen if self.is_attached else None
        compact = (
            screen is not None
            and screen.has_class("compact")
            and getattr(screen, "lower_view", "diagram") == "diagram"
        )

        def lines() -> list[Line]:
            laid = self.layout(width, self._rows_of(state))
            if state[0] is None or not compact or width < KEEP_FROM - 2:
                return laid  # (a wide screen's diagram keeps its height: the panels give)
            widest = self.remembered(
                ("widest", state, width, self.precision),
                lambda: len(self.layout(width, self.rows(state, widest=True))),
            )
            return laid + [()] * (widest - len(laid))

        return self.remembered((state, width, self.precision, compact), lines)

    def _rows_of(self, state: tuple) -> list[list[tuple[str, str]]]:
        return self.remembered((state, self.precision), lambda: self.rows(state))

    def set_run_text(self, run_text: str) -> None:
        self.show(self.frame, self.done, self.last_loss, run_text, self.note, self.predict)

    def watch_precision(self) -> None:
        self._draw()

    def redraw(self) -> None:
        """Lay out again (the screen's view changed: the rows the status keeps may too)."""
        self._draw()

    def resized(self) -> None:
        self._draw()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._layout(width, self._state()))

    def layout(self, width: int, rows: list[list[tuple[str, str]]] | None = None) -> list[Line]:
        """The rows (the status's own unless given) laid out in `width` cells: items joined by
        ` · ` while they fit, an item too long for a line wrapped at its spaces (nothing is
        cut)."""
        lines: list[Line] = []
        for items in self.rows() if rows is None else rows:
            line: list[Segment] = []
            used = 0
            for words, style in items:
                if style == "name":  # (after "bptui · ": one line at most)
                    words = _shortened(words, max(NAME_CELLS, width - 8))
                if style == "note":  # (its fewer words where the line is too narrow)
                    long, _, short = words.partition("\n")
                    words = long if cell_len(long) <= width or not short else short
                    style = "italic"
                pieces = _pieces(words, max(1, width))
                for k, piece in enumerate(pieces):
                    extra = (3 if line else 0) + cell_len(piece)
                    if line and (k or used + extra > width):
                        lines.append(tuple(line))
                        line, used = [], 0
                    if line:
                        line.append(SEPARATOR)
                        used += 3
                    line.append(Segment(piece, STYLES[style]))
                    used += cell_len(piece)
            lines.append(tuple(line))
        return lines

    def _draw(self) -> None:
        width = self.content_size.width
        if width < 1 or not self.is_mounted:
            return
        lines = self._layout(width, self._state())
        if len(lines) != self.size.height:
            self.refresh(layout=True)
        self.show_lines(lines, key=self.content_size)

    def rows(self, state: tuple | None = None, widest: bool = False) -> list[list[tuple[str, str]]]:
        """The lines as (words, style) items, joined by ` · ` (of the status shown, or of a
        state: frame, done, last loss, run text, note, predict); `widest`: the widest the
        status of the state's epoch can be at any of its steps (its longest phase, sample,
        numbers and note), whose lines the status keeps."""
        frame, done, last_loss, run_text, note, predict = state or self._state()
        if frame is None:
            return [[("bptui", "bold")]]
        network = frame.trace.network
        p = self.precision
        if widest:
            return self._widest(frame, run_text, predict)
        parts: list[tuple[str, str]] = [
            ("bptui", "bold"),
            (network.name, "name"),
            (f"epoch {frame.epoch:,}", ""),
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
            (f"step {frame.index + 1:,} of {frame.total:,}", ""),
        ]
        if network.optimizer != "sgd":
            parts.append((f"optimizer {network.optimizer}", "italic"))
        e_total = frame.e_total
        this = "this sample's E_total" if network.n_samples > 1 else "E_total"
        shown = num(e_total, p) if e_total is not None else "not computed yet"
        if frame.step.sample < 0:
            # a batch update is of no one sample but of all: their E_total summed, as the
            # loss after an epoch is (that loss, after this update, is the one to compare)
            this = "the samples' E_total summed"
            shown = num(sum(record.e_total for record in frame.trace.epoch.samples), p)
        if done:
            loss = "computing…" if last_loss is None else num(last_loss, p)
            after = f"loss after epoch {done:,}: {loss}"
        else:
            after = "no epoch finished yet"
        second: list[tuple[str, str]] = [(f"{this}: {shown}", ""), (after, "")]
        notes = [(done, note)] if note else []
        return [parts, *_second_and_after(network, second, notes, predict, run_text)]

    @staticmethod
    def _note(network, done: int, note: str) -> str:
        """The note, and after a newline its fewer words where there are some."""
        from bptui.engine.errata import loss_note, short_loss_note

        short = short_loss_note(network, done) if note == loss_note(network, done) else None
        return f"{note}\n{short}" if short else note

    def _widest(self, frame: Frame, run_text: str, predict: str) -> list[list[tuple[str, str]]]:
        network = frame.trace.network
        # (a number as wide as the epoch's: its E_total's, or the loss before it)
        known = next((v for v in (frame.e_total, self.last_loss) if v is not None), None)
        number = num(known, self.precision) if known is not None else "0." + "0" * self.precision
        epoch = frame.epoch
        parts = [("bptui", "bold"), (network.name, "name"), (f"epoch {epoch:,}", "")]
        if network.n_samples > 1:
            sample = f"sample {network.n_samples}/{network.n_samples}"
            parts.append((max(sample, "batch update", key=len), ""))
        parts += [("BACKWARD", "bold reverse"), (f"step {frame.total:,} of {frame.total:,}", "")]
        if network.optimizer != "sgd":
            parts.append((f"optimizer {network.optimizer}", "italic"))
        this = "this sample's E_total" if network.n_samples > 1 else "E_total"
        if network.update != "online":  # (a batch update's step)
            this = "the samples' E_total summed"
        after = f"loss after epoch {epoch:,}: {number}"
        e_total = max(number, "not computed yet", key=len)  # (before the error phase)
        from bptui.engine.errata import loss_note

        notes = [(e, n) for e in (epoch - 1, epoch) if e >= 1 and (n := loss_note(network, e))]
        second = [(f"{this}: {e_total}", ""), (after, "")]
        return [parts, *_second_and_after(network, second, notes, predict, run_text)]

    def text(self) -> Text:
        """The status as plain lines."""
        return Text(
            "\n".join(
                " · ".join(words.partition("\n")[0] for words, _ in items) for items in self.rows()
            )
        )


def _second_and_after(
    network, second: list[tuple[str, str]], notes: list, predict: str, run_text: str
) -> list[list[tuple[str, str]]]:
    """The status's second row, ended by the hidden gradients' order, and the rows under it:
    each (epoch, note) on the post's loss, predict mode's score, a run's text."""
    order = (
        "all gradients before any update"
        if network.hidden_gradients == "before_update"
        else "hidden gradients through the updated w⁺ (the post's code)"
    )
    rows = [[*second, (order, "dim")]]
    rows += [[(StatusBar._note(network, done, note), "note")] for done, note in notes]
    if predict:
        rows.append([(predict, "bold")])
    if run_text:
        rows.append([(run_text, "bold")])
    return rows


KEEP_FROM = 80  # columns from which a compact screen's status keeps the rows it may need
NAME_CELLS = 16  # the network's name keeps at least this many cells of the status line


def _shortened(text: str, cells: int) -> str:
    """`text` in at most `cells` cells, ending in … when it is shortened (a name of 100 wide
    characters took 4 of the status's lines at 60 columns, 7 with the rest)."""
    if cell_len(text) <= cells:
        return text
    kept, used = [], 1  # (the … takes a cell)
    for character in text:
        used += cell_len(character)
        if used > cells:
            break
        kept.append(character)
    return "".join(kept) + "…"


def _pieces(words: str, width: int) -> list[str]:
    """`words` in pieces of at most `width` cells, broken at spaces where it can."""
    if cell_len(words) <= width:
        return [words]
    pieces, current = [], ""
    for word in words.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and cell_len(candidate) > width:
            pieces.append(current)
            current = word
        else:
            current = candidate
    pieces.append(current)
    # (a word wider than the line in pieces of `width` cells: a wide character takes two)
    return [chunk for piece in pieces for chunk in chop_cells(piece, width) or [piece]]
