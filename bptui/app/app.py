"""The bptui Textual application: one debugger screen on one network's history."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel

from bptui.app.debugger import DebuggerScreen
from bptui.app.themes import DARK, LIGHT, THEMES
from bptui.app.typeahead import KeyHandled, KeysMayGo, TypeAhead
from bptui.engine.history import History
from bptui.engine.network import Network
from bptui.engine.session import Session

TOAST_READ_SECONDS = 1.5  # a toast up this long is taken as read by the next key

if TYPE_CHECKING:
    from bptui.engine.compared import Compared


class BptuiApp(App[None]):
    """Step through backpropagation on `network`."""

    TITLE = "bptui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        network: Network | None = None,
        precision: int = 9,
        session: Session | None = None,
        session_path: str | None = None,
        theme: str = "dark",
        compared: Compared | None = None,
    ) -> None:
        super().__init__()
        self.compared = compared
        self.register_theme(DARK)
        self.register_theme(LIGHT)
        self.theme = THEMES[theme]
        if session is None:
            if network is None:
                raise ValueError("a network or a session")
            session = Session(History(network), precision=precision)
        self.session = session
        self.session_path = session_path
        self.history = session.history
        self.type_ahead = TypeAhead(self, super().on_event)
        """The keys typed and not yet handed on (see typeahead.py)."""

    crash_report: Path | None = None
    """Where the report of an unexpected error went (None: there was none)."""

    def on_mount(self) -> None:
        self.set_interval(UNSTICK_SECONDS, self.type_ahead.unstick)
        if not self.is_headless:
            # A terminal closed or a `kill` ends the app as `q` does: the terminal is restored.
            loop = asyncio.get_running_loop()
            for signum in ENDING_SIGNALS:
                loop.add_signal_handler(signum, self.exit, None, 128 + signum)
            self._watch_hangup()
        if self.is_web:
            # In a browser (bptui serve): should the server die without quitting this
            # debugger (kill -9), end as after a closed terminal rather than stay, orphaned.
            parent = os.getppid()
            self.set_interval(
                PARENT_CHECK_SECONDS,
                lambda: os.getppid() == parent or self.exit(None, 128 + signal.SIGHUP),
            )
        self.call_after_refresh(_start_collecting)
        if self.compared is not None:
            from bptui.app.yours import summary

            self.screen.notify(summary(self.compared), title="your numbers", timeout=8)

    def get_default_screen(self) -> DebuggerScreen:
        """The debugger is the app's first screen: composed as the app starts, its first frame
        is the first one written (pushed from on_mount, it drew one the app then threw away,
        some 30 ms of the start)."""
        screen = DebuggerScreen.from_session(self.session, self.session_path)
        screen.compared = self.compared
        # (opening a network switches screens, and Textual's switch_screen takes the result
        # callback of the screen it replaces, which a pushed screen has and a first one not)
        screen._push_result_callback(self, None)
        return screen

    def _watch_hangup(self) -> None:
        """A terminal closed under a shell that ignores SIGHUP sends no signal: the input
        thread then reads end-of-file at once, again and again (85% of a CPU, for ever). Its
        hang-up is looked for every HANGUP_CHECK_SECONDS, and ends the app as SIGHUP does."""
        import select

        try:
            fd = sys.__stdin__.fileno() if sys.__stdin__ is not None else -1
            watch = select.poll()
            watch.register(fd, select.POLLIN)
        except (OSError, ValueError, AttributeError):
            return
        gone = select.POLLHUP | select.POLLERR | select.POLLNVAL

        def check() -> None:
            try:
                events = watch.poll(0)
            except OSError:
                return
            if any(mask & gone for _, mask in events):
                self.exit(None, 128 + signal.SIGHUP)

        self.set_interval(HANGUP_CHECK_SECONDS, check)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, never read as markup: messages quote what was typed and name files
        (`[/]` typed into go-to once crashed the app)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_system_commands(self, screen):  # type: ignore[no-untyped-def]
        """Textual's own palette commands, but Screenshot (it wrote to ~/Downloads, or failed
        where there is none: `S`, "Export the screen as SVG", asks where) and Maximize (a
        maximized panel resized small showed only hatching; `v` switches the panel at small
        sizes), and Keys (Textual's key panel: Esc did not close it, and it squeezed the table
        to a row; `?` is the help)."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Maximize", "Minimize", "Keys"):
                yield command

    def action_command_palette(self) -> None:
        """Textual's palette, as `Palette` (its page keys wait for its list)."""
        from bptui.app.commands import Palette

        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def search_themes(self) -> None:
        """Textual's theme picker, as `Palette` (it holds typed keys until it is ready)."""
        from textual.theme import ThemeProvider

        from bptui.app.commands import Palette

        self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))

    command_pending = False
    """A command chosen in the palette has not run yet: keys typed after its Enter wait for
    it, and for the screen it opens (`light` typed after `theme` Enter went to the debugger,
    whose g and t opened a question and predict mode under the picker; the hostile trial)."""

    def on_command_palette_closed(self, message: CommandPalette.Closed) -> None:
        if message.option_selected:
            self.command_pending = True
            # (the command runs from a call_later made after this message was posted)
            self.call_later(lambda: self.call_after_refresh(self._command_ran))

    def _command_ran(self) -> None:
        self.command_pending = False
        self.post_message(KeysMayGo())

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's hint that it does not quit), in the words of bptui's keys: its
        text was markup, which `notify` shows as typed."""
        self.notify("Press q to quit bptui", title="Do you want to quit?")

    async def on_event(self, event: events.Event) -> None:
        # Keys come here from the terminal in the order typed (and once more, forwarded, when
        # no widget stopped them): the first time, each waits its turn (see typeahead.py).
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._dismiss_read_toasts()
            await self.type_ahead.arrived(event)
            return
        await super().on_event(event)

    toast_read_seconds = TOAST_READ_SECONDS
    """How long a toast is up before a key dismisses it."""

    def _dismiss_read_toasts(self) -> None:
        """A key typed dismisses the toasts shown for TOAST_READ_SECONDS or more: whoever types
        has moved on (they covered the chain panel and the plot for their whole 8 or 10 s, the
        newcomer trial). A toast the key itself raises, or one just shown, stays its time."""
        read = [
            toast
            for toast in self._notifications
            if time.time() - toast.raised_at >= self.toast_read_seconds
        ]
        for toast in read:
            self._unnotify(toast, refresh=False)
        if read:
            self._refresh_notifications()

    async def on_key_handled(self, message: KeyHandled) -> None:
        await self.type_ahead.handled(message)

    async def on_keys_may_go(self, message: KeysMayGo) -> None:
        await self.type_ahead.hand_on()

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an unhandled exception (the app then exits, restoring the
        terminal): the traceback also goes to a report file that the exit message names. A
        broken pipe is not an error of the app: what showed it went away (a browser's server
        killed outright), and the app ends as after SIGHUP, quietly."""
        if isinstance(error, BrokenPipeError):
            self.exit(None, 128 + signal.SIGHUP)
            return
        if self.crash_report is None:
            self.crash_report = write_crash_report(error)
        if self.crash_report is None:  # (no file could be written: the screen shows it)
            super()._handle_exception(error)
            return
        # As Textual's own, but for the traceback it would print over the shell, with the
        # locals of every frame: it is in the report, which the one line on exit names.
        self._return_code = 1
        if self._exception is None:
            self._exception = error  # (a test's Pilot raises it again)
            self._exception_event.set()
        self.bell()
        self._close_messages_no_wait()


def _start_collecting() -> None:
    """After the first frame: if start-up ran without the cyclic garbage collector (`bptui`
    turns it off while it starts), freeze the objects start-up made, which live as long as the
    app, so that no later pass scans them, and turn the collector on again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


PARENT_CHECK_SECONDS = 1.0
ENDING_SIGNALS = (
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGALRM,
    signal.SIGVTALRM,
    signal.SIGPROF,
)
"""Signals that end the app as `q` does, the terminal restored, with status 128 + N: SIGINT
ended it with 0, and SIGQUIT, SIGUSR1 or SIGALRM left the terminal in the app's modes (the
hostile trials); every signal whose default is to end a process and that Python lets a
program handle. (ctrl+c typed is a key, not SIGINT: the terminal is in raw mode.)"""
HANGUP_CHECK_SECONDS = 0.5
UNSTICK_SECONDS = 0.25  # how often a key held back by a lost marker is looked for
EXIT_CRASH = 70  # an unexpected error in bptui itself (BSD's EX_SOFTWARE)


def crash_directory() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "bptui"


def write_crash_report(error: BaseException) -> Path | None:
    """Write the traceback and what it happened on to a new file; its path (None if no file
    could be written anywhere)."""
    import platform

    import textual
    from textual.worker import WorkerFailed

    from bptui import __version__

    cause = getattr(error, "error", None)  # (a worker's failure: the error in the worker)
    if isinstance(error, WorkerFailed) and isinstance(cause, BaseException):
        error = cause
    text = (
        f"bptui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        f"python {platform.python_version()} · textual {textual.__version__} · "
        f"{platform.platform()}\ncommand: {' '.join(sys.argv)}\n\n"
        + "".join(traceback.format_exception(type(error), error, error.__traceback__))
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for directory in (crash_directory(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def run_app(
    network: Network | None = None,
    precision: int = 9,
    session: Session | None = None,
    session_path: str | None = None,
    theme: str = "dark",
    compared: Compared | None = None,
) -> int:
    """Run the debugger; the exit status: 0 after q, 128 + N after signal N (SIGTERM,
    SIGHUP), EXIT_CRASH after an unexpected error (reported in one line on stderr)."""
    # The terminal's own size, as it changes: an exported COLUMNS or LINES (Textual asks
    # shutil.get_terminal_size, which takes them first) pinned the app to their size.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
    app = BptuiApp(network, precision, session, session_path, theme, compared)
    app.run()
    if app.crash_report is not None or (app.return_code or 0) == 1:
        where = (
            f"the report is in {app.crash_report}"
            if app.crash_report is not None
            else "no report could be written"
        )
        print(
            f"bptui: an unexpected error stopped the debugger; {where} "
            "(please send it with the network file to the bptui authors)",
            file=sys.stderr,
        )
        return EXIT_CRASH
    return app.return_code or 0
