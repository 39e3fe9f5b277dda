"""The debugger's exports: `e` the current epoch as Markdown (exactly `bptui trace NET --format
markdown`'s section for it), `E` the loss history and gradient norms as CSV, `S` the screen as
SVG (Textual's screenshot). Each asks for the file's name (a default in the current directory),
asks before replacing a file, and writes it atomically (`bptui.engine.atomic`): a failed write
leaves any old file whole and is one line in a notification; the app goes on."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bptui.engine.atomic import path_text, regular_file_or_none, write_atomic
from bptui.engine.errors import BptuiError, one_line

SLOW_SECONDS = 0.5  # an export still writing after this long says so
SETTLE_SECONDS = 0.05
SETTLE_TRIES = 20  # (a second at most)
RUNNING = "a run is going: wait for it to end (or Esc stops it), then export"


class ExportActions:
    """The export actions of `DebuggerScreen` (a mixin: the screen's `ask`, `notify`,
    `history`, `position`, `precision`, `running` and `app`)."""

    def action_export_markdown(self) -> None:
        from bptui.report.exports import epoch_markdown, markdown_name

        screen = self._screen()
        if screen.running:
            screen.notify(RUNNING, title="not exported", severity="warning")
            return
        epoch = screen.epoch
        trace = screen.history.trace(epoch)
        from bptui.engine.trace import MAX_WORKED_STEPS

        if len(trace) > MAX_WORKED_STEPS:  # (as `bptui trace` refuses it)
            screen.notify(
                f"an epoch of this network is {len(trace):,} steps, over the "
                f"{MAX_WORKED_STEPS:,} a worked example writes out (as bptui trace)",
                title="not exported",
                severity="warning",
            )
            return
        self._ask_path(
            f"Export epoch {epoch:,} as Markdown (as bptui trace --format markdown) to:",
            markdown_name(trace.network.name, epoch),
            lambda: epoch_markdown(trace, screen.precision),
            f"epoch {epoch:,} as Markdown",
        )

    def action_export_csv(self) -> None:
        from bptui.report.exports import csv_name, loss_csv

        screen = self._screen()
        if screen.running:
            screen.notify(RUNNING, title="not exported", severity="warning")
            return
        history = screen.history
        epochs = history.epochs_done
        what = (
            "the loss before training only (no epoch is finished yet)"
            if epochs == 0
            else f"the loss and gradient norms of epochs 0 to {epochs:,}"
        )
        self._ask_path(
            "Export the loss history (and the gradient norms) as CSV to:",
            csv_name(history.network.name),
            lambda: loss_csv(history, epochs)[0],
            what,
        )

    def action_export_svg(self, tries: int = 0, previous: str | None = None) -> None:
        """The screen as it is when the key is pressed, without the notifications over it
        (they go first, and the picture is taken once they have). From the palette, as it
        shows again once the palette has gone: the palette holds the screen's updates back a moment
        (Textual's delay_update) and the footer is rebuilt after it, so the picture is taken
        once two taken SETTLE_SECONDS apart agree (at most SETTLE_TRIES times)."""
        screen = self._screen()
        app = screen.app
        busy = app.screen is not screen or getattr(app, "_batch_count", 0)
        if tries == 0 and len(app._notifications):
            # the picture is of the screen, not of the messages over it (those of the exports
            # just made covered the plot; the newcomer trial)
            app.clear_notifications()
            busy = True
        if tries == 0 and not busy:
            self._ask_svg(app.export_screenshot())  # now, before a dialog covers the screen
            return
        svg = None if busy else app.export_screenshot()
        if (svg is None or svg != previous) and tries < SETTLE_TRIES:
            screen.set_timer(SETTLE_SECONDS, lambda: self.action_export_svg(tries + 1, svg))
            return
        self._ask_svg(svg or previous or app.export_screenshot())

    def _ask_svg(self, svg: str) -> None:
        from bptui.report.exports import svg_name

        screen = self._screen()
        epoch, index = screen.position
        self._ask_path(
            "Export the screen as SVG to:",
            svg_name(screen.history.network.name, epoch, index),
            lambda: svg,
            "the screen as SVG",
        )

    # -- the dialogs ------------------------------------------------------------------------
    def _screen(self):
        return self  # (typed as the screen by its users; the mixin has no attributes itself)

    def _ask_path(self, question: str, default: str, text: Callable[[], str], what: str) -> None:
        screen = self._screen()
        screen.ask(question, default, lambda answer: self._path_answer(answer, text, what))

    def _path_answer(self, answer: str | None, text: Callable[[], str], what: str) -> None:
        if not answer or not answer.strip():
            return
        screen = self._screen()
        path = Path(os.path.expanduser(answer.strip()))
        try:
            exists = os.path.lexists(path) and os.path.isfile(path)
        except (OSError, ValueError):
            exists = False
        if exists:
            screen.ask(
                f"{path_text(path)} exists: replace it? (y/n)",
                "y",
                lambda yes: self._replace_answer(yes, path, text, what),
            )
            return
        self._write(path, text, what)

    def _replace_answer(
        self, answer: str | None, path: Path, text: Callable[[], str], what: str
    ) -> None:
        if answer and answer.strip().lower() in ("y", "yes"):
            self._write(path, text, what)

    def _write(self, path: Path, text: Callable[[], str], what: str) -> None:
        """Make the text and write it in a thread: a big one (10,000,000 epochs of loss, an
        epoch of a net of thousands of weights as Markdown) takes seconds, and the screen goes
        on meanwhile; one that takes a while says so."""
        screen = self._screen()
        notes = {"done": False}

        def slow() -> None:
            if not notes["done"]:
                screen.notify(f"writing {path_text(path)}…", title="exporting", timeout=4)

        def work() -> None:
            try:
                message, options = self._written(path, text, what)
            finally:
                notes["done"] = True
            screen.app.call_from_thread(screen.notify, message, **options)

        screen.set_timer(SLOW_SECONDS, slow)
        screen.run_worker(work, thread=True, group="export", exit_on_error=True)

    def _written(self, path: Path, text: Callable[[], str], what: str) -> tuple[str, dict]:
        """Write the export; the notification that says how it went (message, its options)."""
        failed = {"title": "not exported", "severity": "error", "timeout": 10}
        try:
            written = write_atomic(path, text(), regular_file_or_none)
        except BptuiError as error:
            return _short(str(error)), failed
        except OSError as error:  # (write_atomic makes its own one line: this is a backstop)
            reason = error.strerror or type(error).__name__
            return _short(f"{path_text(path)}: {reason}"), failed
        except MemoryError:
            return _short(f"{path_text(path)}: not written: out of memory"), failed
        shown = path_text(Path(os.path.abspath(written)))
        return f"wrote {shown}: {what}", {"title": "exported", "timeout": 8}


def _short(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= 300 else text[:299] + "…"
