"""The network as the post draws it, with the values of the current pass."""

from __future__ import annotations

from dataclasses import fields
from typing import ClassVar

from rich.segment import Segment
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.diagram import Canvas, Highlights, Palette, draw_network
from bptui.app.widgets.lines import ChangedLines
from bptui.engine.view import Frame
from bptui.records import dataclass

PALETTE_CLASSES = {
    field.name: f"network-diagram--{field.name.replace('_', '-')}" for field in fields(Palette)
}
"""Each of the diagram's styles and the component class the theme gives it."""


@dataclass(frozen=True)
class DiagramView:
    """The position to draw and what to emphasise."""

    frame: Frame
    highlights: Highlights


class NetworkDiagram(ChangedLines, Widget):
    """Neurons in columns, edges labelled with their weights; click an edge to select it.

    A step repaints only the lines of the diagram that change."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(PALETTE_CLASSES.values())

    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
        border: round $primary;
        border-title-style: bold;
    }
    NetworkDiagram > .network-diagram--name { text-style: bold; }
    NetworkDiagram > .network-diagram--current { text-style: reverse bold; }
    NetworkDiagram > .network-diagram--used { text-style: underline bold; }
    NetworkDiagram > .network-diagram--pending { text-style: dim; }
    NetworkDiagram > .network-diagram--edge { text-style: dim; }
    NetworkDiagram > .network-diagram--edge-current { color: $text-warning; text-style: bold; }
    NetworkDiagram > .network-diagram--edge-selected { text-style: bold; }
    NetworkDiagram > .network-diagram--marked { color: $text-accent; text-style: bold; }
    NetworkDiagram > .network-diagram--nonfinite { color: $text-error; text-style: reverse bold; }
    NetworkDiagram > .network-diagram--backward { text-style: italic; }
    NetworkDiagram > .network-diagram--positive { color: $text-success; }
    NetworkDiagram > .network-diagram--negative { color: $text-error; }
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

    def resized(self) -> None:
        self._draw()

    def _draw(self) -> None:
        view = self.view
        size = self.content_size
        if view is None or size.width < 4 or size.height < 1:
            self._canvas = None
            self.show_lines([], key=size)
            return
        self._canvas, self._rows = self._drawing(view, size.width, size.height)
        self.show_lines(self._rows, key=size)
        cut, columns = self._canvas.columns_cut, self._canvas.columns
        # (the rest ran past the right edge without a word: the hostile trial's 64 layers)
        self.border_subtitle = (
            f"{columns - cut} of {columns} columns fit: the rest are past the right edge (the "
            "table and the chain panel have every layer)"
            if cut
            else ""
        )

    def prepare(self, view: DiagramView) -> None:
        """Draw `view` ahead (in idle time: the screen's guess at the next step)."""
        size = self.content_size
        if size.width >= 4 and size.height >= 1 and self.is_mounted:
            self.prepare_lines(self._drawing(view, size.width, size.height)[1], key=size)

    def _drawing(
        self, view: DiagramView, width: int, height: int
    ) -> tuple[Canvas, list[tuple[Segment, ...]]]:
        """The canvas of `view` and its rows as segments (remembered)."""
        palette = self._palette()

        def draw() -> tuple[Canvas, list[tuple[Segment, ...]]]:
            canvas = draw_network(
                view.frame, width, height, self.precision, view.highlights, self._cache, palette
            )
            previous = (self._canvas, self._rows) if self._canvas is not None else None
            return canvas, canvas.to_segments(previous)

        return self.remembered((view, width, height, self.precision, palette), draw)

    def _palette(self) -> Palette:
        """The diagram's styles from the theme's component classes (looked up again when the
        theme or the styles change)."""
        palette = self.__dict__.get("_palette_cache")
        if palette is None:
            palette = self._palette_cache = Palette(
                **{
                    field: self.get_component_rich_style(name, partial=True)
                    for field, name in PALETTE_CLASSES.items()
                }
            )
        return palette

    def notify_style_update(self) -> None:
        self._palette_cache = None
        super().notify_style_update()
        if self.is_mounted:
            self._draw()

    def theme_changed(self, theme: object) -> None:
        self._palette_cache = None
        self._line_style = None
        self._draw()

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
