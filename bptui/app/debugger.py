"""The debugger screen: a position in time (epoch, step) and the panels that show it.

The screen owns the position and the user's settings (pin, toggles); it asks the engine for
the trace of the epoch (`History.trace`) and hands each widget plain data for the position.
Widgets never compute; the screen never draws.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import ActiveBinding, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from bptui.app.commands import DebuggerCommands
from bptui.app.compositor import CroppingCompositor
from bptui.app.diagram import Highlights, preferred_height
from bptui.app.export import ExportActions
from bptui.app.keys import bindings
from bptui.app.typeahead import KeysMayGo
from bptui.app.widgets.chain_panel import ChainPanel, ChainView
from bptui.app.widgets.keys_footer import KeysFooter
from bptui.app.widgets.loss_plot import LossPlot, LossView
from bptui.app.widgets.network_diagram import DiagramView, NetworkDiagram
from bptui.app.widgets.norms_plot import NormsPlot, NormsView
from bptui.app.widgets.param_table import ParamTable, TableView
from bptui.app.widgets.status_bar import StatusBar
from bptui.app.widgets.step_panel import StepPanel
from bptui.app.yours import YoursActions
from bptui.engine.breakdown import Breakdown, breakdown
from bptui.engine.breakpoints import Breakpoint, find_stop
from bptui.engine.errata import loss_note, step_note
from bptui.engine.errors import BptuiError
from bptui.engine.explain import why
from bptui.engine.history import History, HistoryState
from bptui.engine.rows import ParamRows
from bptui.engine.session import (
    LOWER_VIEWS,
    PLOTS,
    Session,
    View,
    network_document,
    write_text_atomically,
)
from bptui.engine.trace import EpochTrace
from bptui.engine.view import Frame
from bptui.fmt import num, numbers
from bptui.records import dataclass

if TYPE_CHECKING:
    from bptui.app.dialogs import AskScreen
    from bptui.engine.predict import Answer

# (what only a key's action needs is imported there: start-up is part of the figures)

W = TypeVar("W", bound=Widget)
MAX_EPOCHS = 10_000_000
SLOW_SAVE_SECONDS = 0.5  # a save still writing after this long says so
MAX_COMPARE_PARAMS = 20_000  # the both-orders view's nets, at most (2-4096-1: 16,385, 2.5 s)
MAX_JUMPED = 10_000  # predict mode: steps a jump forward marks skipped, at most
PREPARE_AFTER = 0.012  # seconds after a step is shown that the next one is drawn ahead
SYNC_SECONDS = 0.05  # work expected to take longer runs in the background (Esc stops it)
Place = int | Callable[[EpochTrace], int]
COMPACT_WIDTH = 110
COMPACT_HEIGHT = 34
MIN_WIDTH = 60  # below this, or MIN_HEIGHT, only a message shows (README says so)
MIN_HEIGHT = 20
STEP_PANEL = 9  # the step panel's height, at least (its lines and border)
STEP_PANEL_SIDES = 4  # the step panel's border and padding, left and right
MIN_TABLE = 8  # rows the parameter table keeps under a taller step panel, at the least
STATUS_MOST = 4  # the status's lines with a note and a run's result
FIT_STEPS = 40  # steps of a unit measured to fit the step panel (see _fit_indices)
STEPPING = {
    "edit",
    "undo",
    "redo",
    "next",
    "prev",
    "next_phase",
    "prev_phase",
    "phase_start",
    "epoch_start",
    "epoch_end",
    "next_sample",
    "prev_sample",
    "next_epoch",
    "prev_epoch",
    "goto",
    "run",
    "switch_order",
    "open_network",
    "compare",
    "first_divergence",
    "next_divergence",
    "load_yours",
    "continue_run",
    "breakpoints",
}


def outputs_text(outputs, names: Sequence[str], precision: int, most: int = 6) -> str:
    """A run's outputs as its status says them, each named (`o1 0.015912196, o2 0.984065734`),
    by sample where there are several (`sample 1: o1 0.988587345; sample 2: o1 0.01175665`:
    the numbers alone read as o1 and o2 of one sample, the newcomer trial); at most `most`
    numbers, then `…`."""
    rows = outputs.reshape(len(outputs), -1)
    parts, count = [], 0
    for k, row in enumerate(rows):
        values = []
        for name, value in zip(names, row.tolist(), strict=False):
            if count == most:
                break
            values.append(f"{name} {num(float(value), precision)}")
            count += 1
        if not values:
            break
        text = ", ".join(values)
        parts.append(text if len(rows) == 1 else f"sample {k + 1}: {text}")
    shown = "; ".join(parts)
    return shown + ("…" if count < rows.size else "")


class DebuggerScreen(ExportActions, YoursActions, Screen[None]):
    """Step through backprop one operation, phase, sample or epoch at a time, both ways."""

    COMMANDS: ClassVar[set] = {DebuggerCommands}

    BINDINGS: ClassVar[list[BindingType]] = bindings()  # every key is in keys.py
    """Built from `bptui.app.keys.KEYS`, as the footer, help, palette and README are."""

    AUTO_FOCUS = "ParamTable"  # (Tab then goes to the step and chain panels, which scroll)

    DEFAULT_CSS = """
    DebuggerScreen { layout: vertical; }
    DebuggerScreen StepPanel:focus, DebuggerScreen ChainPanel:focus { border: round $accent; }
    DebuggerScreen #diagram-row { height: 11; }
    DebuggerScreen #panels { height: 1fr; }
    DebuggerScreen #left, DebuggerScreen #right { width: 1fr; }
    DebuggerScreen StepPanel { height: 9; }
    DebuggerScreen LossPlot, DebuggerScreen NormsPlot { height: 8; }
    DebuggerScreen NormsPlot { display: none; }
    DebuggerScreen.plot-norms LossPlot { display: none; }
    DebuggerScreen.plot-norms NormsPlot { display: block; }
    DebuggerScreen.compact #diagram-row { height: 1fr; }
    DebuggerScreen.compact #panels { height: auto; }
    DebuggerScreen.compact #left { height: auto; }
    DebuggerScreen.compact StepPanel { height: 8; }
    DebuggerScreen.compact.short StepPanel { height: 7; }
    DebuggerScreen.compact #right { display: none; }
    DebuggerScreen.compact ParamTable { display: none; }
    DebuggerScreen.compact.view-table #diagram-row { display: none; }
    DebuggerScreen.compact.view-table #panels { height: 1fr; }
    DebuggerScreen.compact.view-table ParamTable { display: block; }
    DebuggerScreen.compact.view-chain #diagram-row { display: none; }
    DebuggerScreen.compact.view-chain #panels { height: 1fr; }
    DebuggerScreen.compact.view-chain #right { display: block; }
    DebuggerScreen.compact.view-chain #left { display: none; }
    DebuggerScreen.compact.view-chain LossPlot { display: none; }
    DebuggerScreen.compact.view-chain NormsPlot { display: none; }
    DebuggerScreen.compact.view-plot #diagram-row { display: none; }
    DebuggerScreen.compact.view-plot #panels { height: 1fr; }
    DebuggerScreen.compact.view-plot #right { display: block; }
    DebuggerScreen.compact.view-plot #left { display: none; }
    DebuggerScreen.compact.view-plot ChainPanel { display: none; }
    DebuggerScreen.compact.view-plot LossPlot { height: 1fr; }
    DebuggerScreen.compact.view-plot NormsPlot { height: 1fr; }
    DebuggerScreen #too-small {
        display: none; width: 1fr; height: 1fr; content-align: center middle;
        text-align: center;
    }
    DebuggerScreen.too-small #too-small { display: block; }
    DebuggerScreen.too-small StatusBar, DebuggerScreen.too-small #diagram-row,
    DebuggerScreen.too-small #panels, DebuggerScreen.too-small Footer { display: none; }
    """

    position: reactive[tuple[int, int]] = reactive((1, 0), init=False, repaint=False)
    """(epoch, step index within the epoch): all that decides what the panels show."""
    pinned: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The parameter the chain panel is pinned to; None: it follows the step."""
    lower_view: reactive[str] = reactive("diagram", init=False)
    """At small sizes, which panel fills the lower part of the screen."""
    running: reactive[bool] = reactive(False, init=False)
    """A run is in progress: stepping keys are disabled."""
    explain: reactive[bool] = reactive(True, init=False)
    """Whether the step panel says in plain words why the step is computed so (y hides)."""
    plot: reactive[str] = reactive("loss", init=False)
    """What the plot panel shows: "loss" or "norms" (each layer's weight-gradient norm)."""

    run_cap: int | None = None
    """At most this many epochs per run (tests that press keys at random set it)."""

    def __init__(
        self, history: History, precision: int = 9, session_path: str | None = None
    ) -> None:
        super().__init__()
        self._compositor = CroppingCompositor()
        self.history = history
        self.precision = precision
        self.session_path = session_path
        self.run_text = ""
        self._initial_loss = history.initial_loss()
        self._rows_cache: dict[tuple[int, int], ParamRows] = {}
        self._last_plot = 0.0
        self._nonfinite_at: tuple[int, int] | None = None
        self._footer_state: tuple = ()
        self._widgets = {}
        self._plotted: tuple = ()
        self._filling_norms = False  # a restored session's norms are being worked out
        self._breakdowns: dict[tuple, Breakdown] = {}
        self._shown_at: tuple[int, int] | None = None  # the position shown last
        self._forward = True  # the last step went forward (the next is drawn ahead)
        self._preparing: Timer | None = None  # the next step is to be drawn ahead
        self._run_text_epoch: int | None = None  # the epoch the run's result was shown in
        self.expanded: set[tuple[int, int]] = set()
        """The δs (layer, unit) the user opened in the chain panel (kept while stepping)."""
        self.breakpoints: list[Breakpoint] = []
        """The user's breakpoints (kept across steps, runs and epochs)."""
        self._answers: dict[str, str] = {}  # each question's last answer, offered again
        self.predicting = False
        """Predict mode (t): each step asks for its value before showing it."""
        self.predictions: dict[tuple[int, int], Answer] = {}
        """Predict mode's answers by (epoch, step index): a step answered never asks again."""
        self._asking: tuple[int, int] | None = None  # the step predict mode is asking for
        self._dialog: AskScreen | None = None  # the question open, or its answer being acted on
        self._undo: list[Undo] = []
        self._redo: list[Undo] = []

    @classmethod
    def from_session(cls, session: Session, path: str | None = None) -> DebuggerScreen:
        """A screen showing exactly what the session was showing when saved."""
        screen = cls(session.history, session.precision, path)
        screen.breakpoints = list(session.breakpoints)
        screen.run_text = session.message
        screen.set_reactive(DebuggerScreen.pinned, session.pinned)
        length = len(session.history.trace(session.epoch))
        screen.set_reactive(
            DebuggerScreen.position, (session.epoch, min(session.index, length - 1))
        )
        screen.predicting = session.predict
        screen._view = session.view  # (applied to the widgets once they are mounted)
        if session.answers:
            from bptui.engine.predict import Answer, judge
        for epoch, index, text in session.answers:
            value = session.history.trace(epoch)[index].value
            result = "skipped" if not text else judge(text, value)
            screen.predictions[(epoch, index)] = Answer(epoch, index, text, result)
        return screen

    def to_session(self) -> Session:
        return Session(
            self.history,
            self.epoch,
            self.index,
            self.pinned,
            list(self.breakpoints),
            self.precision,
            self.run_text,
            self.predicting,
            [(a.epoch, a.index, a.answer) for a in self.predictions.values()],
            View(
                self.explain,
                self.widget(ParamTable).show_fd,
                self.plot,
                self.widget(LossPlot).log_scale,
                self.widget(NormsPlot).log_scale,
                self.lower_view,
            ),
        )

    def compose(self) -> ComposeResult:
        # (the classes of the terminal's size before the footer composes its keys: `v` is
        # among them on a compact screen, there from the first frame)
        self._size_classes(self.app.size)
        yield Static(id="too-small")
        yield StatusBar()
        yield NetworkDiagram(id="diagram-row")  # (no container: one widget less to render)
        with Horizontal(id="panels"):
            with Vertical(id="left"):
                yield StepPanel()
                yield ParamTable()
            with Vertical(id="right"):
                yield ChainPanel()
                yield LossPlot()
                yield NormsPlot()
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        for widget in (
            self.widget(StatusBar),
            self.widget(NetworkDiagram),
            self.widget(StepPanel),
            self.widget(ChainPanel),
            self.widget(ParamTable),
        ):
            widget.precision = self.precision
        view = self._view
        if view is not None:  # a session's: how the screen showed things when it was saved
            self.set_reactive(DebuggerScreen.explain, view.why)
            self.widget(ParamTable).show_fd = view.finite_differences
            self.widget(LossPlot).log_scale = view.loss_log
            self.widget(NormsPlot).log_scale = view.norms_log
            self.lower_view = view.lower
            self.plot = view.plot
        self._apply_size()
        self.show()
        self._ready = True
        self.app.post_message(KeysMayGo())  # (the keys typed before, if any)

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        size = self.app.size
        wanted = preferred_height(self.history.network) + 2  # and the border
        row = self.query_one("#diagram-row")
        if size.width >= COMPACT_WIDTH and size.height >= COMPACT_HEIGHT:
            # A big terminal gives the diagram what it needs, up to half the height, and room
            # to spread: up to twice what it needs within two fifths of the height.
            spread = min(2 * wanted, size.height * 2 // 5)
            self._row_height = max(9, min(max(wanted, spread), size.height // 2))
            row.styles.height = self._row_height
            for plot in (self.widget(LossPlot), self.widget(NormsPlot)):
                plot.styles.height = max(8, size.height // 5)
        else:
            row.styles.height = "1fr"
        if self._size_classes(size):
            # (in a few words where the sentences would be cut, the keys last: at 20×5 the
            # message ended `Enlarge it, or press`, the second hostile trial)
            tiny = size.width < 40 or size.height < 8
            self.query_one("#too-small", Static).update(
                f"bptui needs {MIN_WIDTH}×{MIN_HEIGHT}\nthis is {size.width}×{size.height}\n"
                "q quits, ? help"
                if tiny
                else f"bptui needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is "
                f"{size.width}×{size.height}.\n\nEnlarge it, or press q to quit, ? for help."
            )
        self._refresh_footer()  # (`v` is in the footer of a compact screen only)
        if not self.widget(StepPanel).content_size.width:
            # (before the first layout, by the width the layout will give it: the first frame
            # is then drawn with the panel's height, not followed by one with the table lower)
            self._fit_step_panel()
        self.call_after_refresh(self._fit_step_panel)  # (once the panel has its new width)

    def _size_classes(self, size: Size) -> bool:
        """Set the classes the terminal's size decides; is it too small for the screen?"""
        self.set_class(size.width < COMPACT_WIDTH or size.height < COMPACT_HEIGHT, "compact")
        # From 24 rows the step panel has room for its six lines (value and delta rule too).
        self.set_class(size.height < 24, "short")
        too_small = size.width < MIN_WIDTH or size.height < MIN_HEIGHT
        self.set_class(too_small, "too-small")
        return too_small

    def _screen_resized(self, size: Size) -> None:
        # Textual lays a screen out at a Resize's size and, laid out at a new size, posts the
        # screen a Resize of it: a terminal's size that comes while the first screen's first
        # layout (at the size assumed before it came) is on its way then chases that one for
        # ever, a frame at each (a browser's, under `bptui serve`). The app's size is the
        # one the screen takes, whichever Resize asks.
        super()._screen_resized(self.app.size)

    def widget(self, kind: type[W]) -> W:
        """The screen's one widget of a kind (looked up once: a step asks for each)."""
        found = self._widgets.get(kind)
        if found is None:
            found = self._widgets[kind] = self.query_one(kind)
        return found  # type: ignore[return-value]

    @property
    def too_small(self) -> bool:
        """Whether the terminal is under MIN_WIDTH × MIN_HEIGHT: by the app's size, which a
        resize changes at once, not by the screen's class, which follows it a moment later
        (keys typed right after enlarging a terminal too small were refused)."""
        size = self.app.size
        return size.width < MIN_WIDTH or size.height < MIN_HEIGHT

    # -- the position -----------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        return self.position[0]

    @property
    def index(self) -> int:
        return self.position[1]

    @property
    def done(self) -> int:
        """The epochs finished as of the position: those before this one, and this one once its
        last step is reached (the status bar gives the loss after the last, the plot marks it)."""
        return self._done_at(*self.position)

    def _done_at(self, epoch: int, index: int) -> int:
        last = index == len(self.history.trace(epoch)) - 1
        return epoch if last else epoch - 1

    @property
    def frame(self) -> Frame:
        epoch, index = self.position
        return Frame(self.history.trace(epoch), index, hidden=self._hides(epoch, index))

    def _hides(self, epoch: int, index: int) -> bool:
        """Predict mode: the step's value waits for the learner's answer."""
        return self.predicting and not self.running and (epoch, index) not in self.predictions

    def watch_position(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        if self.predicting and not self.running and new > old:
            self._skip_jumped(old, new)
        self.show()

    def _skip_jumped(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        """Predict mode: a move forward past steps of this epoch never answered (`]`, `End`,
        `g`, `4`) shows their values, in the diagram, the table and the chain panel: they
        count as skipped, as Esc would have made them, and never ask (the status says how
        many). Earlier epochs' steps show nothing here and stay to be asked."""
        epoch, index = new
        first = old[1] + 1 if old[0] == epoch else 0
        jumped = [k for k in range(first, index) if (epoch, k) not in self.predictions]
        if not jumped:
            return
        if len(jumped) > MAX_JUMPED:
            self.notify(
                f"predict mode: {len(jumped):,} steps jumped over, too many to keep as skipped "
                "(each asks if you come back to it)",
                timeout=6,
            )
            return
        from bptui.engine.predict import Answer

        for k in jumped:
            self.predictions[(epoch, k)] = Answer(epoch, k, "", "skipped")
        steps = "step" if len(jumped) == 1 else "steps"
        note = f"predict mode: {len(jumped):,} {steps} jumped over, their values shown: skipped"
        if self._hides(*new):
            # (said in the question the step asks: a note shown just before the question
            # opened stayed, in pieces, on the screen beneath it: the newcomer trial)
            self._jumped_note = (new, note)
        else:
            self.notify(note, timeout=4)

    def watch_pinned(self) -> None:
        self.show()

    def watch_explain(self) -> None:
        self.show()
        self._fit_step_panel()

    def action_toggle_why(self) -> None:
        self.explain = not self.explain

    def watch_lower_view(self, view: str) -> None:
        for name in LOWER_VIEWS:
            self.set_class(name == view and name != "diagram", f"view-{name}")
        if self.is_mounted:
            self.widget(StatusBar).redraw()  # (it keeps rows for the diagram's sake only)

    def watch_running(self) -> None:
        self._refresh_footer()

    def watch_plot(self, plot: str) -> None:
        self.set_class(plot == "norms", "plot-norms")
        self._plot()

    def show(self) -> None:
        """Hand every widget what it shows at the current position."""
        # (the footer first: a key it enables or disables has the longest way to the screen,
        # through the app's style update, and must reach it in this step's frame)
        self._refresh_footer()
        self._plot()  # (it records the loss of an epoch whose last step is reached)
        epoch, index = self.position
        self._date_run_text(epoch)
        views = self._views(epoch, index)
        frame = views.frame
        self.widget(StatusBar).show(*views.status)
        self.widget(StepPanel).show(frame, views.words, views.verdict)
        self.widget(NetworkDiagram).view = views.diagram
        self.widget(ChainPanel).view = views.chain
        self.widget(ParamTable).view = views.table
        if frame.hidden and self._asking is None and not self.too_small:
            self._asking = self.position  # (keys typed from now on are the answer's)
            self.call_after_refresh(self._ask_prediction)
        # The step the next key most likely shows (the next, or the one before after a step
        # back) is drawn ahead once this one is on the terminal (not before: the thread that
        # writes the screen would wait for this one's turn to run Python).
        self._forward = self._shown_at is None or self._shown_at <= self.position
        self._shown_at = self.position
        if self._preparing is not None:
            self._preparing.stop()
        self._preparing = self.set_timer(PREPARE_AFTER, self._prepare, name="prepare")

    def _date_run_text(self, epoch: int) -> None:
        """A run's result (or a breakpoint's, a stop's) is said in the epoch where it left the
        position, and goes once another epoch is shown (a reopened session shows it where it
        was saved, and nowhere else)."""
        if self.running or not self.run_text:
            self._run_text_epoch = None
        elif self._run_text_epoch is None:
            self._run_text_epoch = epoch
        elif self._run_text_epoch != epoch:
            self.run_text, self._run_text_epoch = "", None

    def _views(self, epoch: int, index: int) -> Views:
        """What every widget shows at (epoch, index); computes nothing that changes what is
        shown elsewhere (the screen draws the likely next step ahead with it)."""
        frame = Frame(self.history.trace(epoch), index, hidden=self._hides(epoch, index))
        step = frame.step
        selected = self.pinned or frame.param
        # (an epoch's last step still asked in predict mode: its loss after would give away
        # the answer, w8⁺ and the rest of the update; the newcomer trial)
        done = epoch - 1 if frame.hidden else self._done_at(epoch, index)
        note = loss_note(frame.trace.network, done) or ""
        status = (
            frame,
            done,
            self.history.loss_after(done),
            self.run_text,
            note,
            self._score_line(epoch),
        )
        verdict = "\n".join(filter(None, (self._verdict(frame), self._compare_lines(frame))))
        marked = frozenset(bp.param for bp in self.breakpoints if bp.enabled and bp.param)
        highlights = Highlights(
            frozenset(step.concerns), frozenset(step.uses), marked=marked, selected=selected
        )
        b = self._breakdown(frame, selected)
        chain = ChainView(frame, b, self.pinned is not None, frozenset(self.expanded))
        key = (epoch, frame.sample)
        rows = self._rows_cache.get(key)
        if rows is None or rows.trace is not frame.trace:
            rows = ParamRows(frame.trace, frame.sample)
            if len(self._rows_cache) >= 2:
                del self._rows_cache[next(iter(self._rows_cache))]
            self._rows_cache[key] = rows
        table = TableView(frame, rows, selected, marked, self._compare_marks(frame))
        return Views(
            frame,
            status,
            self._words(frame),
            verdict,
            DiagramView(frame, highlights),
            chain,
            table,
        )

    def _prepare(self) -> None:
        """Draw ahead, in idle time, the step the next key most likely shows: a key then only
        hands the widgets what they drew (each widget remembers a drawing by everything it
        depends on, so a drawing made ahead is the drawing the key would make)."""
        self._preparing = None
        if self.running or self.too_small or self.predicting or not self.is_current:
            return
        epoch, index = self.position
        index += 1 if self._forward else -1
        if not 0 <= index < len(self.history.trace(epoch)):
            return
        views = self._views(epoch, index)
        self.widget(StatusBar).prepare(*views.status)
        self.widget(StepPanel).prepare(views.frame, views.words, views.verdict)
        self.widget(NetworkDiagram).prepare(views.diagram)
        self.widget(ChainPanel).prepare(views.chain)
        self.widget(ParamTable).prepare(views.table)

    def _words(self, frame: Frame) -> tuple[str, ...]:
        """The lines of words under a step: why (unless `y` hid them) and the post's note
        (not while predict mode hides the value: the note names the post's number)."""
        step = frame.step
        return (
            why(frame.trace, step) if self.explain else "",
            "" if frame.hidden else step_note(frame.trace.network, step.symbol, frame.epoch) or "",
        )

    _row_height = 11
    _jumped_note: tuple[tuple[int, int], str] | None = None
    """Predict mode: the note of steps a move jumped over, for the question of the step it
    lands on (the step, the note)."""
    _view: View | None = None
    _widgets: dict[type, Widget]
    _fitted: tuple = ()
    """What the step panel's height was worked out for, and the lines it needs."""

    def _fit_step_panel(self) -> None:
        """Give the step panel the height its longest step needs (up to what leaves the table
        MIN_TABLE rows under the status's lines), by a rule of the network, the width and the
        words shown, never of the step: stepping back shows what was shown before. The steps
        measured are the first epoch's, of its first sample: the first and last neuron of each
        block of like steps (every kind of step is among them, and a big net's few hundred
        stand for its millions). Small terminals keep a fixed panel; a step that outgrows a
        panel says how many lines more it has."""
        panel = self.widget(StepPanel)
        if self.has_class("compact") or self.too_small:
            if panel.styles.height is not None and self._fitted:
                panel.styles.height = None  # the stylesheet's
                self._fitted = ()
            return
        width = panel.content_size.width or self.app.size.width // 2 - STEP_PANEL_SIDES
        if width < 8:
            return
        trace = self.history.trace(1)
        # (by the network, not the trace: an edited weight changes a few digits, not the
        # width a step needs, and measuring again would cost a big net's edit 0.2 s)
        key = (width, self.explain, self.precision, self.predicting, self.compared)
        if not self._fitted or self._fitted[0] is not trace.network or self._fitted[1] != key:
            frames = [Frame(trace, k) for k in _fit_indices(trace)]
            verdicts = []
            if self.predicting:
                verdicts.append("✗ you said 0.000000000; it is 0.000000000, from the numbers above")
            if self.compared is not None:  # (the first divergence's lines are the longest)
                verdicts.append(self.compared.longest_lines(self.precision))
            verdict = "\n".join(verdicts)
            needed = max(len(panel.wrap(width, f, self._words(f), verdict)) for f in frames)
            self._fitted = (trace.network, key, needed)
        lines = self._fitted[2]
        # (as if the status had its most lines: the panel never follows the status's height,
        # which changes with the position; the table takes what the status leaves)
        room = self.app.size.height - STATUS_MOST - 1 - self._row_height - MIN_TABLE
        height = max(STEP_PANEL, min(lines + 2, room))
        if panel.styles.height is None or panel.styles.height.value != height:
            panel.styles.height = height

    # -- edits ------------------------------------------------------------------------------
    def action_edit(self, what: str = "param") -> None:
        """Ask for a number to change, offering the selected parameter (or an input, a target,
        the learning rate) with its value at the start of this epoch."""
        network = self.history.network_for(self.epoch)
        sample = self.frame.sample
        if what == "input":
            name = network.input_names[0]
            offer = f"{name} = {network.inputs[sample][0]!r}"
        elif what == "target":
            name = network.layers[-1].names[0]
            offer = f"t_{name} = {network.targets[sample][0]!r}"
        elif what == "learning_rate":
            offer = f"eta = {network.learning_rate!r}"
        else:
            name = self._edited_param()
            ref = network.param(name)
            value = self.history.params_at(self.epoch).flat()[ref.flat_index]
            offer = f"{name} = {float(value)!r}"
        many = f" (sample {sample + 1}; s2.i1 = … for another)" if network.n_samples > 1 else ""
        self.ask(
            f"Change, from the start of epoch {self.epoch:,}: a weight or bias (w5 = 0.3), an "
            f"input (i1 = 0.2), a target (t_o1 = 0.5) or eta{many}",
            offer,
            lambda answer: self._edit_answer(answer, offer.split(" = ")[0]),
        )

    def _edited_param(self) -> str:
        """The parameter `e` offers: the table's selected row, the chain panel's (a clicked
        edge or a chosen row pins it)."""
        return self.pinned or self.frame.param or self.history.network.param_refs[0].name

    def _edit_answer(self, answer: str | None, offered: str | None = None) -> None:
        """Change what `answer` names (`w5 = 0.3`); a number alone is for the name offered."""
        from bptui.engine.edits import EditError, apply_edit, parse_edit

        if not answer or not answer.strip():
            return
        if offered and "=" not in answer:
            answer = f"{offered} = {answer}"
        network = self.history.network_for(self.epoch)
        try:
            edit = parse_edit(network, answer, self.frame.sample)
            params, changed = apply_edit(
                network, self.history.params_at(self.epoch), edit, network_document
            )
        except EditError as error:
            self.notify(str(error), title="nothing changed", severity="error")
            return
        if self.history.epochs_done >= self.epoch:
            self.ask(
                f"Change {edit.describe()} from epoch {self.epoch:,} on? The history after "
                f"the start of epoch {self.epoch:,} is replaced (ctrl+z brings it back). (y/n)",
                "y",
                lambda yes: self._edit_confirmed(yes, edit, params, changed),
            )
            return
        self._edit_confirmed("y", edit, params, changed)

    def _edit_confirmed(self, yes: str | None, edit, params, changed) -> None:
        if not yes or yes.strip().lower() not in ("y", "yes"):
            if yes and yes.strip().lower() not in ("n", "no"):
                # (keys typed ahead, `e w5 = 0.2 Enter`, went into the question and both edits
                # were dropped without a word: the hostile trial)
                self.notify(
                    f"{edit.describe()} not changed: the question wanted y or n, and got "
                    f"{yes.strip()[:40]!r}",
                    title="nothing changed",
                    severity="warning",
                )
            return
        self._undo.append(self._undo_point(edit.describe()))
        self._redo.clear()
        self.history.edit(self.epoch, params=params, network=changed)
        self.predictions = {p: a for p, a in self.predictions.items() if p[0] < self.epoch}
        self._after_history_change()
        self.notify(f"{edit.describe()} from epoch {self.epoch:,} (ctrl+z undoes)", timeout=4)

    def _undo_point(self, label: str) -> Undo:
        return Undo(self.history.snapshot(), self.position, dict(self.predictions), label)

    def _after_history_change(self) -> None:
        """The history changed under the screen: everything cached from it goes."""
        self._rows_cache.clear()
        self._breakdowns.clear()
        self.run_text = ""  # (a run's result may name numbers the history no longer has)
        self._plotted = ()
        self._initial_loss = self.history.initial_loss()
        self._compare_again()
        self.go(self.epoch, self.index)
        self.show()
        self._fit_step_panel()

    def action_undo(self) -> None:
        self._travel_edits(self._undo, self._redo, "undone")

    def action_redo(self) -> None:
        self._travel_edits(self._redo, self._undo, "redone")

    def _travel_edits(self, source: list[Undo], other: list[Undo], done: str) -> None:
        if not source:
            self.notify(f"nothing to be {done}", severity="warning", timeout=3)
            return
        step = source.pop()
        other.append(self._undo_point(step.label))
        self.history.restore(step.state)
        self.predictions = dict(step.predictions)
        self.position = step.position
        self._after_history_change()
        self.notify(f"{step.label}: {done}", timeout=3)

    def action_save_network(self) -> None:
        """Write the network as it runs at the start of this epoch (with its edits) as TOML."""
        default = f"{_slug(self.history.network.name)}-epoch-{self.epoch}.toml"
        self.ask(
            "Save the network (its numbers at the start of this epoch) as a TOML file:",
            self._answers.get("save_network", default),
            self._save_network_answer,
        )

    def _save_network_answer(self, answer: str | None, replace_ok: bool = False) -> None:
        from bptui.engine.edits import network_toml

        if not answer or not answer.strip():
            return
        path = Path(answer.strip()).expanduser()
        self._answers["save_network"] = answer.strip()
        if path.exists() and not replace_ok:
            kind = "a network file" if _is_network_file(path) else "not a network file"
            self.ask(
                f"{path} exists ({kind}): replace it? (y/n)",
                "n",
                lambda yes: (
                    yes is not None
                    and yes.strip().lower() in ("y", "yes")
                    and self._save_network_answer(answer, replace_ok=True)
                ),
            )
            return
        network = self.history.network_for(self.epoch)
        document = network_document(replace(network, params=self.history.params_at(self.epoch)))
        text = network_toml(
            document,
            f"{network.name}: saved by bptui from the start of epoch {self.epoch:,}",
        )
        try:
            write_text_atomically(path, text)
        except BptuiError as error:
            self.notify(str(error), title="not saved", severity="error")
            return
        self.notify(f"saved {path}", timeout=4)

    # -- predict mode -----------------------------------------------------------------------
    def action_toggle_predict(self) -> None:
        self.predicting = not self.predicting  # (the status bar says so, with the score)
        self._fitted = ()  # (a verdict line may come under each step)
        self.show()
        self._fit_step_panel()

    def _ask_prediction(self) -> None:
        place = self._asking
        jumped, self._jumped_note = self._jumped_note, None
        note = jumped[1] if jumped is not None and jumped[0] == place else None
        if place is None or place != self.position or not self.frame.hidden:
            self._asking = None
            self.app.post_message(KeysMayGo())  # (no question after all)
            if note:
                self.notify(note, timeout=4)
            return
        step = self.frame.step
        filled = numbers(step, self.precision)
        self.ask(
            (f"({note})\n" if note else "")
            + f"{step.symbol} = {filled} = ?\nYour value (Enter checks it; Esc skips the step):",
            "",
            lambda answer: self._prediction_answer(place, answer),
            bottom=True,  # (the panels above keep their numbers in view)
        )

    def _prediction_answer(self, place: tuple[int, int], answer: str | None) -> None:
        from bptui.engine.predict import Answer, NotANumber, agrees, read_number

        self._asking = None
        epoch, index = place
        value = self.history.trace(epoch)[index].value
        if answer is None or not answer.strip():
            self.predictions[place] = Answer(epoch, index, "", "skipped")
        else:
            try:
                typed = read_number(answer)
            except NotANumber as error:
                self.notify(str(error), title="not a number", severity="error")
                if place == self.position:
                    self.show()  # (asks again)
                return
            result = "right" if agrees(typed, value) else "wrong"
            self.predictions[place] = Answer(epoch, index, answer.strip(), result)
        if place == self.position:
            self.show()
        trace = self.history.trace(epoch)
        if index == len(trace) - 1:
            self.notify(
                self._score_line(epoch, done=True), title=f"epoch {epoch:,} done", timeout=8
            )

    def action_predict_next(self) -> None:
        self.action_next()

    def _verdict(self, frame: Frame) -> str:
        """The answer given at this step and whether it was right (while predict mode is on:
        `t` turning it off clears the step panel of them; on again, they show again)."""
        answer = self.predictions.get((frame.epoch, frame.index)) if self.predicting else None
        if answer is None:
            return ""
        if answer.result == "skipped":
            return "predict: skipped · Enter or n: the next step"
        shown = num(frame.step.value, self.precision)
        if answer.result == "right":
            return f"✓ right: you said {answer.answer} ({shown}) · Enter or n: the next step"
        return (
            f"✗ you said {answer.answer}; it is {shown}, from the numbers above · Enter or n: "
            "the next step"
        )

    def _score_line(self, epoch: int | None = None, done: bool = False) -> str:
        """Predict mode's score for an epoch, per phase (right / answered)."""
        from bptui.engine.predict import scores

        if not self.predicting and not done:
            return ""
        epoch = self.epoch if epoch is None else epoch
        trace = self.history.trace(epoch)
        answers = [a for (e, _), a in self.predictions.items() if e == epoch]
        tally = scores(answers, {a.index: str(trace[a.index].phase) for a in answers})
        right = sum(r for r, _ in tally.values())
        answered = sum(n for _, n in tally.values())
        parts = ", ".join(f"{phase} {r}/{n}" for phase, (r, n) in tally.items())
        if done:  # (the newcomer trial: the steps passed over were not said)
            skipped = sum(answer.result == "skipped" for answer in answers)
            passed = f" · {skipped:,} skipped" if skipped else ""
            return f"{right} of {answered} right ({parts}){passed}"  # (its title: the epoch)
        return f"predict mode (t ends it): {right} of {answered} right this epoch · {parts}"

    def _breakdown(self, frame: Frame, selected: str | None) -> Breakdown | None:
        """The selected parameter's breakdown for the frame's sample (the same object while
        they stay the same, so that the chain panel sees at once that nothing changed)."""
        if not selected:
            return None
        key = (frame.trace, selected, frame.sample, frozenset(self.expanded))
        found = self._breakdowns.get(key)
        if found is None:
            if len(self._breakdowns) >= 4:
                del self._breakdowns[next(iter(self._breakdowns))]
            found = self._breakdowns[key] = breakdown(*key)
        return found

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, with this screen's keys first and in KEYS's order: the footer shows each
        action by its first key, which would otherwise depend on the focused widget's own keys
        (the table's ← and → coming first made the footer read `← Prev → Next` until `v`)."""
        bindings = super().active_bindings
        return dict(sorted(bindings.items(), key=lambda item: _FOOTER_ORDER.get(item[0], 1 << 30)))

    def _refresh_footer(self) -> None:
        """Re-check the footer's keys only when one of them changes state (the footer rebuilds
        itself on every refresh, which would cost more than the step)."""
        state = tuple(self.check_action(action, ()) for action in _FOOTER_ACTIONS)
        if state != self._footer_state:
            self._footer_state = state
            self.refresh_bindings()

    def _plot(self) -> None:
        """The losses up to the position: epochs before this one, and this one once its last
        step is reached (so that a step back shows exactly what it showed before). The plot
        marks the epoch whose loss the status bar gives."""
        done = marked = self.done
        if done == self.epoch and self.history.epochs_done < done:
            # the epoch is complete: record its loss (a big net's in the background)
            if self.history.seconds_to_params(done + 1) <= SYNC_SECONDS:
                self.history.params_at(done + 1)
            else:
                self._record_loss(done)
                done -= 1
        if self.running:
            done = self.history.epochs_done
        history = self.history
        key = (history, history.revision, done, marked, self.plot, history.norms_start)
        if key == self._plotted:
            return  # the same losses: no copy of a long history per step
        self._plotted = key
        if self.plot == "norms":
            self._plot_norms(done, marked)
            return
        losses = np.array(self.history.losses[:done], dtype=float)
        self.widget(LossPlot).view = LossView(losses, marked, self._initial_loss)

    def _plot_norms(self, done: int, marked: int) -> None:
        """Each layer's weight-gradient norm in epochs 1 to `done` (of a long history, a sample
        of some 2,000 to 4,000 epochs, which the plot thins again to its width); a restored
        session's earlier norms are worked out first."""
        history = self.history
        plot = self.widget(NormsPlot)
        known = max(0, done - history.norms_start + 1)
        epochs, norms = history.sampled_norms(done, max(1, known // 2000))
        note = ""
        if history.norms_start > 1:
            note = f"working out the norms of epochs 1 to {history.norms_start - 1:,}…"
            if not self._filling_norms:
                self._filling_norms = True
                self._fill_norms()
        network = history.network
        labels = tuple(network.layer_label(li) for li in range(len(network.layers)))
        plot.view = NormsView(epochs, norms, labels, marked, history.norms_start, note)

    @work(thread=True, group="norms")
    def _fill_norms(self) -> None:
        """Replay a restored session's epochs for their norms, then plot them."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            self.history.fill_norms(should_stop=lambda: worker.is_cancelled)
        finally:
            self.app.call_from_thread(self._norms_filled)

    def _norms_filled(self) -> None:
        self._filling_norms = False
        self._plot()

    @work(thread=True, group="loss")
    def _record_loss(self, epoch: int) -> None:
        """Train epoch `epoch` to know the loss after it, then plot it."""
        self.history.params_at(epoch + 1)
        self.app.call_from_thread(self._plot)

    def go(self, epoch: int, index: int) -> None:
        """Move to (epoch, index) now, whatever it costs, clamping the index to the epoch's
        steps (the keys go through `move`, which computes far epochs in the background)."""
        epoch = max(1, min(epoch, MAX_EPOCHS))
        length = len(self.history.trace(epoch))
        self.position = (epoch, max(0, min(index, length - 1)))

    def move(self, epoch: int, place: Place) -> None:
        """Go to `place` in `epoch`: a step index (clamped to the epoch's steps) or a function
        of the epoch's trace giving one. At once when the epoch's steps cost little to get;
        otherwise they are computed in the background, with progress in the status bar, and
        Esc leaves the position where it was."""
        if not 1 <= epoch <= MAX_EPOCHS:
            return
        if self.history.seconds_to_trace(epoch) <= SYNC_SECONDS:
            self._arrive(epoch, place)
        else:
            self._travel(epoch, place)

    def _arrive(self, epoch: int, place: Place) -> None:
        from bptui.engine.goto import GotoError

        trace = self.history.trace(epoch)
        try:
            index = place(trace) if callable(place) else place
        except GotoError as error:
            self.notify(str(error), title="cannot go there", severity="error")
            return
        self.position = (epoch, max(0, min(index, len(trace) - 1)))

    def _travel(self, epoch: int, place: Place) -> None:
        self.running = True
        self._travel_place = place
        self._travel_shown = 0.0
        self.widget(StatusBar).set_run_text(f"going to epoch {epoch:,}… (Esc stops)")
        self._travel_work(epoch)

    @work(thread=True, exclusive=True, group="run")
    def _travel_work(self, epoch: int) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        needed = epoch - 1 - self.history.epochs_done

        def progress(done: int, loss: float) -> None:
            now = time.monotonic()
            if now - self._travel_shown >= 0.1:
                self._travel_shown = now
                self.app.call_from_thread(self._travel_progress, epoch, done, needed)

        try:
            if needed > 0:
                self.history.extend(
                    needed, progress=progress, should_stop=lambda: worker.is_cancelled
                )
            if not worker.is_cancelled and self.history.epochs_done >= epoch - 1:
                self.history.trace(epoch)
        finally:
            self.app.call_from_thread(self._travel_done, epoch, worker.is_cancelled)

    def _travel_progress(self, epoch: int, done: int, needed: int) -> None:
        if self.running:
            self.widget(StatusBar).set_run_text(
                f"going to epoch {epoch:,}: {done:,} of {needed:,} epochs computed (Esc stops)"
            )

    def _travel_done(self, epoch: int, cancelled: bool) -> None:
        self.running = False
        if cancelled or self.history.epochs_done < epoch - 1:
            why = "stopped" if cancelled else "the loss turned non-finite"
            self.run_text = (
                f"{why} on the way to epoch {epoch:,} ({self.history.epochs_done:,} epochs "
                f"known); still at epoch {self.epoch:,}"
            )
            self.show()
            return
        self._arrive(epoch, self._travel_place)
        self.show()

    # -- enabling ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.too_small and action != "help":
            return None
        if action == "cycle_view" and not self.has_class("compact"):
            return False  # (a screen big enough shows every panel: nothing to switch)
        if self.running and action in STEPPING:
            return None
        if action in ("prev", "prev_phase", "epoch_start") and self.position == (1, 0):
            return None
        if action in ("prev_epoch",) and self.epoch == 1:
            return None
        if action == "cancel_run" and not self.running:
            return None
        if action == "unpin" and self.pinned is None:
            return None
        if action == "predict_next":
            answered = (self.epoch, self.index) in self.predictions
            return self.predicting and not self.running and answered
        if (
            action == "prev_sample"
            and self.epoch == 1
            and self.frame.trace.sample_of(self.index) <= 0
            and self.index == 0
        ):
            return None
        return True

    # -- stepping ---------------------------------------------------------------------------
    def action_next(self) -> None:
        trace = self.history.trace(self.epoch)
        if self.index + 1 < len(trace):
            self.position = (self.epoch, self.index + 1)
        else:
            self.move(self.epoch + 1, 0)

    def action_prev(self) -> None:
        if self.index > 0:
            self.position = (self.epoch, self.index - 1)
        elif self.epoch > 1:
            self.move(self.epoch - 1, lambda trace: len(trace) - 1)

    def action_next_phase(self) -> None:
        trace = self.history.trace(self.epoch)
        for segment in trace.segments:
            if segment.start > self.index:
                self.position = (self.epoch, segment.start)
                return
        self.move(self.epoch + 1, 0)

    def action_prev_phase(self) -> None:
        trace = self.history.trace(self.epoch)
        current = trace.segment_of(self.index)
        if self.index > current.start:
            self.position = (self.epoch, current.start)
            return
        earlier = [s for s in trace.segments if s.start < current.start]
        if earlier:
            self.position = (self.epoch, earlier[-1].start)
        elif self.epoch > 1:
            self.move(self.epoch - 1, lambda previous: previous.segments[-1].start)

    def action_phase_start(self, phase: str) -> None:
        trace = self.history.trace(self.epoch)
        sample = trace.sample_of(self.index)
        sample = max(sample, 0)
        for segment in trace.segments:
            if segment.phase == phase and segment.sample in (sample, -1):
                self.position = (self.epoch, segment.start)
                return

    def action_epoch_start(self) -> None:
        self.position = (self.epoch, 0)

    def action_epoch_end(self) -> None:
        self.position = (self.epoch, len(self.history.trace(self.epoch)) - 1)

    def action_next_sample(self) -> None:
        trace = self.history.trace(self.epoch)
        sample = trace.sample_of(self.index)
        if 0 <= sample < trace.network.n_samples - 1:
            self.position = (self.epoch, trace.sample_start(sample + 1))
        else:
            self.move(self.epoch + 1, 0)

    def action_prev_sample(self) -> None:
        trace = self.history.trace(self.epoch)
        sample = trace.sample_of(self.index)
        if sample < 0:
            sample = trace.network.n_samples
        start = trace.sample_start(sample) if sample < trace.network.n_samples else None
        if start is not None and self.index > start:
            self.position = (self.epoch, start)
        elif sample > 0:
            self.position = (self.epoch, trace.sample_start(sample - 1))
        elif self.epoch > 1:
            self.move(
                self.epoch - 1,
                lambda previous: previous.sample_start(previous.network.n_samples - 1),
            )

    def action_next_epoch(self) -> None:
        self.move(self.epoch + 1, self.index)

    def action_prev_epoch(self) -> None:
        if self.epoch > 1:
            self.move(self.epoch - 1, self.index)

    # -- selection --------------------------------------------------------------------------
    @on(ParamTable.ParameterSelected)
    @on(NetworkDiagram.ParameterSelected)
    def select_parameter(self, event: ParamTable.ParameterSelected) -> None:
        self.pin(event.name)

    @on(ChainPanel.DeltaToggled)
    def toggle_delta(self, event: ChainPanel.DeltaToggled) -> None:
        self.expanded ^= {(event.layer, event.unit)}
        self.show()

    def pin(self, name: str) -> None:
        if name in {ref.name for ref in self.history.network.param_refs}:
            self.pinned = name

    def action_unpin(self) -> None:
        self.pinned = None

    def action_toggle_fd(self) -> None:
        table = self.widget(ParamTable)
        table.show_fd = not table.show_fd

    def action_cycle_view(self) -> None:
        k = LOWER_VIEWS.index(self.lower_view)
        self.lower_view = LOWER_VIEWS[(k + 1) % len(LOWER_VIEWS)]

    def action_toggle_plot(self) -> None:
        """Switch the plot between the loss and the gradient norms (at small sizes, first
        bring the plot up if another panel is showing)."""
        if self.has_class("compact") and self.lower_view != "plot":
            self.lower_view = "plot"
            self.plot = "norms"
            return
        self.plot = PLOTS[(PLOTS.index(self.plot) + 1) % len(PLOTS)]

    def action_toggle_scale(self) -> None:
        """Switch the plot showing between a log and a linear y axis (each plot keeps its own
        scale across G; at small sizes, first bring the plot up if another panel is showing)."""
        if self.has_class("compact") and self.lower_view != "plot":
            self.lower_view = "plot"
        plot = self.widget(NormsPlot) if self.plot == "norms" else self.widget(LossPlot)
        plot.log_scale = not plot.log_scale

    def action_compare(self) -> None:
        network = self.history.network_for(self.epoch)
        if network.update != "online":
            self.notify(
                "the hidden-gradient orders differ only with online updates", severity="warning"
            )
            return
        if network.n_params > MAX_COMPARE_PARAMS:
            # (both orders of a sample of a 983,041-weight net: 2,000,000 rows, minutes and
            # gigabytes with the screen frozen; the hostile trial)
            self.notify(
                f"the both-orders view takes nets of at most {MAX_COMPARE_PARAMS:,} "
                f"parameters; this one has {network.n_params:,}",
                severity="warning",
            )
            return
        from bptui.app.compare_screen import CompareScreen
        from bptui.engine.compare import compare_orders

        frame = self.frame
        rows = compare_orders(network, frame.record.params, frame.sample)
        last = len(network.layers) - 1
        names = [r.name for r in network.param_refs if r.layer == last and r.kind == "weight"]
        outputs = names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"
        self.app.push_screen(
            CompareScreen(
                rows, frame.step.symbol, self.epoch, frame.sample, self.precision, outputs
            )
        )

    def action_help(self) -> None:
        from bptui.app.dialogs import HelpScreen

        self.app.push_screen(HelpScreen())

    def ask(self, question: str, default: str, then, bottom: bool = False) -> None:
        """Ask `question` in a dialog (the answer starts as `default`); `then(answer)`, None
        if the user pressed Esc. (The dialogs are imported at their first use: start-up does
        without them.)"""
        from bptui.app.dialogs import AskScreen

        dialog = AskScreen(question, default, bottom=bottom)
        beneath, self._dialog = self._dialog, dialog  # (ctrl+s asks over predict mode's question)

        def answered(answer: str | None) -> None:
            try:
                then(answer)  # (it may ask again: the next dialog is then open)
            finally:
                if self._dialog is dialog:
                    self._dialog = beneath if beneath in self.app.screen_stack else None
                self.app.post_message(KeysMayGo())

        self.app.push_screen(dialog, answered)

    @property
    def holds_keys(self) -> bool:
        """Keys typed now wait (see typeahead.py): a dialog is about to open (predict mode's
        question), or a dialog's answer is yet to be acted on; they are its, or come after."""
        return self._dialog is not None or self._asking is not None or not self._ready

    _ready = False
    """Mounted, its widgets there: keys typed before (in the first half second of the app,
    or a browser's at connection) wait for them (`n` then stepped a screen without its plot:
    the hostile trial)."""

    # -- go to ------------------------------------------------------------------------------
    def action_goto(self) -> None:
        self.ask(
            "Go to: an epoch (3), a step (3:17), a symbol (dE_total/dw1), or both (3 delta_o1)",
            "",
            self._goto_answer,
        )

    def _goto_answer(self, answer: str | None) -> None:
        from bptui.engine.goto import GotoError, parse_target, resolve

        if not answer or not answer.strip():
            return
        try:
            target = parse_target(answer)
        except GotoError as error:
            self.notify(str(error), title="cannot go there", severity="error")
            return
        sample = self.frame.trace.sample_of(self.index)
        self.move(target.epoch or self.epoch, lambda trace: resolve(target, trace, sample))

    def parse_goto(self, text: str) -> tuple[int, int] | None:
        """(epoch, index) for `3`, `3:17`, `3 17`, `∂E_total/∂w1`, `3 delta_o1`, `w5`; None
        when the text names no step (computing the target epoch now, whatever it costs)."""
        from bptui.engine.goto import GotoError, parse_target, resolve

        try:
            target = parse_target(text)
            epoch = target.epoch or self.epoch
            trace = self.history.trace(epoch)
            return epoch, resolve(target, trace, self.frame.trace.sample_of(self.index))
        except GotoError:
            return None

    # -- running ----------------------------------------------------------------------------
    def action_run(self) -> None:
        first = self._first_epoch_to_run()
        default = self._answers.get("run", "10000")
        # (where the default ends: 10,000 from epoch 2 ends at epoch 10,001, not at the post's
        # 10,000, which the newcomer trial expected; `g 10000` goes there)
        count = int(default) if default.isdigit() and 0 < int(default) < 10**9 else 0
        ends = f", {count:,} ends at epoch {first + count - 1:,}" if count else ""
        self.ask(
            f"Run how many more epochs? (from epoch {first:,}{ends}; g goes to an epoch; "
            "Esc stops a run)",
            default,
            lambda answer: self._run_answer(answer, "run"),
        )

    def _first_epoch_to_run(self) -> int:
        """A run starts with this epoch, or with the next once its last step is reached."""
        last = len(self.history.trace(self.epoch)) - 1
        return self.epoch + 1 if self.index == last else self.epoch

    def _run_answer(self, answer: str | None, kind: str = "run") -> None:
        from bptui.engine.goto import GotoError, parse_count

        if answer is None:
            return
        try:
            count = parse_count(answer)
        except GotoError as error:
            self.notify(str(error), severity="error")
            return
        self._answers[kind] = answer.strip()
        self.start_run(count)

    def start_run(self, count: int) -> Worker | None:
        """Run `count` more epochs (a thread worker): from the current one, or from the next
        when the current one's last step is reached; ends on the last step of the last, and
        at epoch MAX_EPOCHS at the latest (a session holds no more; None: already there)."""
        if self.run_cap is not None:
            count = min(count, self.run_cap)
        first = self._first_epoch_to_run()
        if first > MAX_EPOCHS:
            self.notify(
                f"epoch {MAX_EPOCHS:,} is the last one bptui runs to", title="no more epochs"
            )
            return None
        limit = ""
        if first + count - 1 > MAX_EPOCHS:
            count, limit = MAX_EPOCHS - first + 1, ", the last one bptui runs to"
        self.running = True
        self._run_goal = first + count - 1
        self.run_text = (
            f"running {count:,} more epochs, to epoch {self._run_goal:,}{limit}… (Esc stops)"
        )
        self.widget(StatusBar).set_run_text(self.run_text)
        return self._run(count)

    @work(thread=True, exclusive=True, group="run")
    def _run(self, count: int) -> int:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        if any(bp.enabled for bp in self.breakpoints):
            return self._scan(worker, count)
        needed = self._run_goal - self.history.epochs_done
        if needed <= 0:
            self.app.call_from_thread(self._finish_run, False)
            return 0

        def progress(done: int, loss: float) -> None:
            now = time.monotonic()
            if now - self._last_plot >= 0.2:
                self._last_plot = now
                self.app.call_from_thread(self._run_progress, done, needed, loss)

        try:
            return self.history.extend(
                needed, progress=progress, should_stop=lambda: worker.is_cancelled
            )
        finally:
            # A thread worker is marked cancelled at once but ends only when its chunk is
            # done: the run is finished here, not at the state change.
            self.app.call_from_thread(self._finish_run, worker.is_cancelled)

    def _scan(self, worker, count: int) -> int:
        """Run or continue with breakpoints: recompute each epoch's steps and stop on the first
        one where a breakpoint holds."""
        start_epoch, start_index = self.position
        hit = None
        try:
            hit = find_stop(
                self.history,
                self.breakpoints,
                start_epoch,
                start_index,
                count,
                should_stop=lambda: worker.is_cancelled,
            )
        finally:
            self.app.call_from_thread(self._finish_run, worker.is_cancelled, hit)
        return 0

    def _run_progress(self, done: int, needed: int, loss: float) -> None:
        self.run_text = (
            f"running: {done:,} of {needed:,} epochs done · loss {num(loss, 9)} (Esc stops)"
        )
        self.widget(StatusBar).set_run_text(self.run_text)
        self._plot()

    def _finish_run(self, cancelled: bool, hit: tuple[int, int] | None = None) -> None:
        from bptui.engine.nonfinite import first_nonfinite_step

        self.running = False
        if hit is not None:
            epoch, index = hit
            step = self.history.trace(epoch)[index]
            self.run_text = (
                f"breakpoint: epoch {epoch:,}, step {index + 1}: {step.symbol} = "
                f"{num(step.value, self.precision)}"
            )
            self.go(epoch, index)
            self.show()
            return
        last = min(self._run_goal, self.history.epochs_done)
        bad = self.history.nonfinite_epoch
        if bad is not None and bad <= last:
            # the loss after epoch `bad` is non-finite: its first non-finite step is in that
            # epoch, or (when only its update overflowed the next forward pass) in the next
            step = first_nonfinite_step(self.history.trace(bad))
            if step is None:
                bad += 1
                step = first_nonfinite_step(self.history.trace(bad))
            if step is not None:
                where = "the batch update" if step.sample < 0 else f"sample {step.sample + 1}"
                self._nonfinite_at = (bad, step.index)
                self.run_text = (
                    f"stopped: the first non-finite value is at epoch {bad:,}, "
                    f"{where}: {step.symbol} = {num(step.value, self.precision)}"
                    " (! goes there)"
                )
                self.go(bad, step.index)
                self.show()
                return
        if last >= self.epoch:
            outputs = self.history.outputs_after(last)
            loss = self.history.loss_after(last)
            names = self.history.network_for(last).layers[-1].names
            shown = outputs_text(outputs, names, self.precision)
            stopped = " (stopped)" if cancelled else ""
            self.run_text = (
                f"after epoch {last:,}{stopped}: loss {num(loss, self.precision)}, outputs {shown}"
            )
            self.go(last, len(self.history.trace(last)) - 1)
        self.show()

    def action_goto_nonfinite(self) -> None:
        if self._nonfinite_at is None:
            self.notify(
                "no run has stopped at a non-finite value (a nan breakpoint, b, finds one)",
                severity="warning",
            )
            return
        self.go(*self._nonfinite_at)

    def action_continue_run(self) -> None:
        if not any(bp.enabled for bp in self.breakpoints):
            self.notify("no breakpoint is set: b opens the breakpoints panel", severity="warning")
            return
        self.ask(
            "Continue to the next breakpoint for at most how many more epochs?",
            self._answers.get("continue", "10000"),
            lambda answer: self._run_answer(answer, "continue"),
        )

    def action_breakpoints(self) -> None:
        from bptui.app.breakpoints_screen import BreakpointsScreen

        dialog = BreakpointsScreen(self.history.network, self.breakpoints)
        # (keys typed right after `b` are the dialog's: they waited for it as for `ask`'s)
        beneath, self._dialog = self._dialog, dialog

        def closed(breakpoints: list[Breakpoint] | None) -> None:
            try:
                self._breakpoints_changed(breakpoints)
            finally:
                if self._dialog is dialog:
                    self._dialog = beneath if beneath in self.app.screen_stack else None
                self.app.post_message(KeysMayGo())

        self.app.push_screen(dialog, closed)

    def _breakpoints_changed(self, breakpoints: list[Breakpoint] | None) -> None:
        if breakpoints is not None:
            self.breakpoints = breakpoints
            self.show()

    def action_cancel_run(self) -> None:
        for worker in self.workers:
            if worker.group == "run":
                worker.cancel()

    # -- sessions ---------------------------------------------------------------------------
    def action_save(self) -> None:
        from bptui.engine.session import SUFFIX

        default = self.session_path or f"{_slug(self.history.network.name)}{SUFFIX}"
        self.ask("Save the session to:", default, self._save_answer)

    def _save_answer(self, answer: str | None) -> None:
        if not answer or not answer.strip():
            return
        from bptui.engine.errors import BptuiError
        from bptui.engine.session import save_session

        # (~ as the other save dialogs take it: ~/x.bptui was "No such file or directory")
        target = os.path.expanduser(answer.strip())
        session = self.to_session()  # (as it is now: a run may go on while it is written)
        done = {"saved": False}

        def slow() -> None:
            if not done["saved"]:
                self.notify(f"saving to {target}…", title="saving", timeout=4)

        def saved(path: str | None, error: str | None) -> None:
            if error is not None:
                self.notify(error, title="not saved", severity="error", timeout=10)
                return
            self.session_path = path
            self.notify(f"saved to {path}", title="session saved")

        def work() -> None:
            # Written in a thread: a session of 10,000,000 epochs is 232 MB and took 10 s
            # with the screen frozen (the hostile trial).
            try:
                path, error = str(save_session(session, target)), None
            except (BptuiError, OSError) as failure:
                path, error = None, _one_line(failure)
            finally:
                done["saved"] = True
            self.app.call_from_thread(saved, path, error)

        self.set_timer(SLOW_SAVE_SECONDS, slow)
        self.run_worker(work, thread=True, group="save", exit_on_error=True)

    # -- another network --------------------------------------------------------------------
    def action_open_network(self) -> None:
        self.ask(
            "Open a network: a .toml or .json file, or a preset name. The current "
            "history is discarded.",
            "",
            self._open_answer,
        )

    def _open_answer(self, answer: str | None) -> None:
        if not answer or not answer.strip():
            return
        from bptui.engine.errors import BptuiError
        from bptui.engine.history_state import refuse_in_debugger
        from bptui.engine.loader import load_source
        from bptui.engine.session import session_from_source
        from bptui.engine.source import MAX_SESSION_BYTES, is_session, open_source

        spec = answer.strip()
        try:
            # (a pipe's writer is waited for a second at most: the screen waits meanwhile)
            source = open_source(spec, limit=MAX_SESSION_BYTES, pipe_wait=1.0)
            if is_session(source):
                session = session_from_source(source)
                refuse_in_debugger(session.history.network, spec)
                screen = DebuggerScreen.from_session(session, spec)
            else:
                network = load_source(source)
                refuse_in_debugger(network, spec)
                screen = DebuggerScreen(History(network), self.precision)
        except (BptuiError, OSError) as error:
            # the CLI's one-line message; the current session stays
            self.notify(_one_line(error), title="cannot open", severity="error", timeout=10)
            return
        self.app.switch_screen(screen)

    # -- settings ---------------------------------------------------------------------------
    def action_switch_order(self) -> None:
        network = self.history.network_for(self.epoch)
        other = (
            "after_output_update"
            if network.hidden_gradients == "before_update"
            else "before_update"
        )
        if other == "after_output_update" and network.update != "online":
            self.notify("after_output_update works with online updates only", severity="error")
            return
        question = (
            f"Switch to {other} from epoch {self.epoch} on? The history after the "
            f"start of epoch {self.epoch} is discarded. (y/n)"
        )
        self.ask(question, "y", lambda answer: self._switch_answer(answer, other))

    def _switch_answer(self, answer: str | None, order: str) -> None:
        if not answer or answer.strip().lower() not in ("y", "yes"):
            return
        network = self.history.network_for(self.epoch)
        self.history.switch(
            self.epoch, replace(network, hidden_gradients=order, param_refs=network.param_refs)
        )
        self._after_history_change()


_KEY_ORDER = {
    key.strip(): n
    for n, key in enumerate(
        key
        for binding in DebuggerScreen.BINDINGS
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    )
}
"""Each key of the screen's bindings and its place in them."""
_FOOTER_ORDER = {**_KEY_ORDER, "v": _KEY_ORDER["right_square_bracket"] + 0.5}
"""The footer's order: the bindings', but `v` (which brings up the panels a compact screen
hides: the chain rule among them) early, before the keys a narrow footer leaves out."""
_FOOTER_ACTIONS = tuple(
    dict.fromkeys(
        binding.action.split("(")[0]
        for binding in DebuggerScreen.BINDINGS
        if isinstance(binding, Binding)
    )
)
"""Each action of the screen's bindings once (the footer's state is theirs)."""


@dataclass(frozen=True)
class Views:
    """What each widget shows at one position."""

    frame: Frame
    status: tuple  # StatusBar.show's arguments
    words: tuple[str, ...]
    verdict: str
    diagram: DiagramView
    chain: ChainView
    table: TableView


@dataclass(frozen=True)
class Undo:
    """What an edit (or its undoing) replaced: the history, the position, the answers."""

    state: HistoryState
    position: tuple[int, int]
    predictions: dict
    label: str


def _fit_indices(trace: EpochTrace) -> list[int]:
    """Steps that stand for all of an epoch's in width: in each block of the first sample (and
    the batch update), the first and the last unit's first FIT_STEPS steps."""
    indices: set[int] = set()
    for block in trace.blocks:
        if block.sample > 0:
            continue
        for unit in {0, block.units - 1}:
            start = block.start + unit * block.unit_size
            indices.update(range(start, start + min(block.unit_size, FIT_STEPS)))
    return sorted(indices)


def _is_network_file(path: Path) -> bool:
    from bptui.engine.loader import load_network

    try:
        load_network(str(path))
    except BptuiError:
        return False
    return True


def _slug(name: str) -> str:
    """A file name from a network's name: 'Mazur 2-2-2' → 'mazur-2-2-2'."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "session"


def _one_line(error: Exception) -> str:
    """An error as one line for a notification (an OSError by its reason, never its repr)."""
    from bptui.engine.errors import one_line

    if isinstance(error, OSError):
        text = f"{error.filename or ''}: {error.strerror or type(error).__name__}".lstrip(": ")
    else:
        text = str(error)
    return one_line(text if len(text) <= 300 else text[:299] + "…")
