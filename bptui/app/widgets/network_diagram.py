"""The network as the post draws it, with the values of the current pass."""

from __future__ import annotations

from dataclasses import dataclass

from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.diagram import Canvas, Highlights, draw_network
from bptui.app.widgets.lines import ChangedLines
from bptui.engine.view import Frame


@dataclass(frozen=True)
class DiagramView:
    """The position to draw and what to emphasise."""

    frame: Frame
    highlights: Highlights


class NetworkDiagram(ChangedLines, Widget):
    """Neurons in columns, edges labelled with their weights; click an edge to select it.

    A step repaints only the lines of the diagram that change."""

    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
        border: round $primary;
        border-title-style: bold;
    }
    """

    class ParameterSelected(Message):
        """The user clicked a weight's label or line, or a neuron (its bias)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    view: reactive[DiagramView | None] = reactive(None, repaint=False)
    """What to draw."""
    precision: reactive[int] = reactive(9, repaint=False)
    """Decimals of the numbers."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._canvas: Canvas | None = None
        self._cache: dict = {}  # draw_network's: the last drawing's edges
        self._rows: list = []  # the canvas's rows as segments

    def on_mount(self) -> None:
        self.border_title = "Network"

    def watch_view(self) -> None:
        self._draw()

    def watch_precision(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        view = self.view
        size = self.content_size
        if view is None or size.width < 4 or size.height < 1:
            self._canvas = None
            self.show_lines([], key=size)
            return
        canvas = draw_network(
            view.frame, size.width, size.height, self.precision, view.highlights, self._cache
        )
        previous = (self._canvas, self._rows) if self._canvas is not None else None
        self._canvas = canvas
        self._rows = canvas.to_segments(previous)
        self.show_lines(self._rows, key=size)

    def on_click(self, event: Click) -> None:
        canvas = self._canvas
        if canvas is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset
        if 0 <= y < canvas.height and 0 <= x < canvas.width:
            owner = canvas.owners[y][x]
            if owner:
                self.post_message(self.ParameterSelected(owner))
