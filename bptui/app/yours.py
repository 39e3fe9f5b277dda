"""The learner's own numbers in the debugger (`bptui NET --compare YOURS`, or the palette's
"Compare with your numbers"): each compared step says ✓ or ✗ in the step panel and the table,
and `x` goes to the first divergence. The comparison is the engine's (`bptui.engine.compared`),
made again on the history whenever an edit, an undo or an order switch changes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from bptui.app.widgets.status_bar import StatusBar
from bptui.engine.errors import BptuiError
from bptui.engine.trace import step_count

if TYPE_CHECKING:  # (the comparison's modules are imported when a comparison is made)
    from bptui.engine.compared import Compared
    from bptui.engine.yours_values import Given

MAX_COMPARED_EPOCHS = 1_000  # as `bptui compare`
SYNC_STEPS = 20_000  # a comparison over more steps than this is made in the background
NONE_LOADED = (
    "no numbers of yours to compare: open the debugger with --compare YOURS, or load a file "
    "with the palette's 'Compare with your numbers'"
)


def summary(compared: Compared) -> str:
    """One line: how many numbers, how many differ, where the first divergence is."""
    count = len(compared.report.rows)
    numbers = f"{count:,} number{'s' if count != 1 else ''} of yours"
    first = compared.report.first
    if first is None:
        return f"{numbers}: every one matches ✓"
    differ = count - compared.report.count("match")
    return (
        f"{numbers}: {differ:,} differ{'s' if differ == 1 else ''} ✗; the first at epoch "
        f"{first.row.epoch:,}, step {first.row.step:,} ({first.row.symbol}): x goes there"
    )


class YoursActions:
    """The comparison actions of `DebuggerScreen` (a mixin: the screen's `ask`, `notify`,
    `history`, `move`, `show` and `running`)."""

    compared: Compared | None = None

    def action_first_divergence(self) -> None:
        compared = self.compared
        if compared is None:
            self.notify(NONE_LOADED, title="nothing compared", severity="warning")
            return
        place = compared.first
        if place is None:
            self.notify(summary(compared), title="your numbers", timeout=4)
            return
        epoch, index = place
        self.move(epoch, index)

    def action_next_divergence(self) -> None:
        compared = self.compared
        if compared is None:
            self.notify(NONE_LOADED, title="nothing compared", severity="warning")
            return
        place = compared.next_differing(self.position)
        if place is None:
            self.notify(summary(compared), title="your numbers", timeout=4)
            return
        if place <= self.position:  # (it went back to the first without a word: the trial)
            self.notify("no ✗ after this step: back to the first divergence", title="your numbers")
        self.move(*place)

    def action_load_yours(self) -> None:
        self.ask(
            "Compare with your numbers: a JSON, TOML or CSV file (as bptui compare reads)",
            self.compared.source if self.compared is not None else "",
            self._load_yours_answer,
        )

    def _load_yours_answer(self, answer: str | None) -> None:
        if not answer or not answer.strip():
            return
        from bptui.engine.yours import read_yours

        try:
            # (a pipe's writer is waited for a second at most, as ctrl+o does: the screen
            # waited 10 s, the hostile trial)
            given = read_yours(answer.strip(), pipe_wait=1.0)
        except BptuiError as error:
            self.notify(str(error), title="not compared", severity="error")
            return
        self._compare(tuple(given), announce=True)

    def _compare_again(self) -> None:
        """The history changed (an edit, an undo, an order switch): compare again."""
        if self.compared is not None:
            given, self.compared = self.compared.given, None  # (no stale mark meanwhile)
            self._compare(given, announce=False)

    def _compare(self, given: tuple[Given, ...], announce: bool) -> None:
        """Compare `given` with the history shown: at once when its epochs are few steps,
        else in the background (the status bar says so, stepping waits, Esc stops it)."""
        epochs = max(g.epoch for g in given)
        if step_count(self.history.network) * epochs <= SYNC_STEPS:
            self._compared(self._make(given), announce)
            return
        self.running = True
        self.widget(StatusBar).set_run_text("comparing your numbers with bptui's… (Esc stops)")
        self._compare_work(given, announce)

    def _make(self, given: tuple[Given, ...]) -> Compared | BptuiError:
        from bptui.engine.compared import Compared

        try:
            return Compared.make(
                self.history.network, given, self.history.trace, max_epochs=MAX_COMPARED_EPOCHS
            )
        except BptuiError as error:
            return error

    @work(thread=True, exclusive=True, group="run")
    def _compare_work(self, given: tuple[Given, ...], announce: bool) -> None:
        worker = get_current_worker()
        made = self._make(given)
        self.app.call_from_thread(self._compare_done, made, announce, worker.is_cancelled)

    def _compare_done(self, made: Compared | BptuiError, announce: bool, cancelled: bool) -> None:
        self.running = False
        if cancelled:
            self.notify("stopped: your numbers are not marked", title="not compared")
            self.show()
            return
        self._compared(made, announce)

    def _compared(self, made: Compared | BptuiError, announce: bool) -> None:
        if isinstance(made, BptuiError):
            self.notify(str(made), title="not compared", severity="error")
            self.show()
            return
        self.compared = made
        if announce:
            self.notify(summary(made), title="your numbers", timeout=8)
        self._fitted = ()  # (a compared step has a line or two more)
        self.show()
        self._fit_step_panel()

    def _compare_lines(self, frame) -> str:
        if self.compared is None:
            return ""
        return self.compared.lines(frame.epoch, frame.index, self.precision)

    def _compare_marks(self, frame) -> dict[str, tuple[str, str]] | None:
        if self.compared is None:
            return None
        return self.compared.param_marks(frame.trace, frame.sample)
