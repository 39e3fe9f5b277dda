"""The bptui Textual application: one debugger screen on one network's history."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from bptui.app.debugger import DebuggerScreen
from bptui.engine.history import History
from bptui.engine.network import Network
from bptui.engine.session import Session

THEME = "textual-dark"


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
    ) -> None:
        super().__init__()
        if session is None:
            if network is None:
                raise ValueError("a network or a session")
            session = Session(History(network), precision=precision)
        self.session = session
        self.session_path = session_path
        self.history = session.history

    def on_mount(self) -> None:
        self.theme = THEME
        self.push_screen(DebuggerScreen.from_session(self.session, self.session_path))


def run_app(
    network: Network | None = None,
    precision: int = 9,
    session: Session | None = None,
    session_path: str | None = None,
) -> int:
    BptuiApp(network, precision, session, session_path).run()
    return 0
