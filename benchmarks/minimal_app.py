"""The reference app of benchmarks/bench_app.py: about the least a Textual app can be.

A Header, a Static reading `step=0`, a Footer; `n` updates the Static to `step=k`, `q` quits.
With `--numpy`, numpy is imported first, as bptui does, so that start-up can be compared with
an app that pays for the same heavy import.

Run: .venv/bin/python benchmarks/minimal_app.py [--numpy]
"""

from __future__ import annotations

import sys
from typing import ClassVar

if "--numpy" in sys.argv[1:]:
    import numpy  # noqa: F401  (imported for its start-up cost only)

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static


class MinimalApp(App[None]):
    """Header, one Static, Footer; `n` counts, `q` quits."""

    TITLE = "minimal"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next", "Next"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("step=0", id="step")
        yield Footer()

    def action_next(self) -> None:
        self.step += 1
        self.query_one("#step", Static).update(f"step={self.step}")


if __name__ == "__main__":
    MinimalApp().run()
