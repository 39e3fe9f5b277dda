"""The bptui Textual application: one debugger screen on one network's history."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from bptui.app.debugger import DebuggerScreen
from bptui.engine.history import History
from bptui.engine.network import Network

THEME = "textual-dark"


class BptuiApp(App[None]):
    """Step through backpropagation on `network`."""

    TITLE = "bptui"
    BINDINGS = [
        Binding("q", "quit", "Quit", priority=True),
    ]

    def __init__(self, network: Network, precision: int = 9) -> None:
        super().__init__()
        self.network = network
        self.precision = precision
        self.history = History(network)

    def on_mount(self) -> None:
        self.theme = THEME
        self.push_screen(DebuggerScreen(self.history, self.precision))


def run_app(network: Network, precision: int = 9) -> int:
    BptuiApp(network, precision).run()
    return 0
