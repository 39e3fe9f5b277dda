"""Repainting only the lines that change.

A step changes a few lines of each panel (a highlight moves, a value appears); repainting a
whole panel writes the whole screen to the terminal again. Widgets that draw through the Line
API keep the strips they drew and mark as dirty only the lines whose strips differ.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip


class ChangedLines:
    """A mixin for Line API widgets: `show_lines` repaints only what changed.

    The lines are kept cropped to the widget's width and on its background, so that
    `render_line` hands Textual the stored strip as it is."""

    _drawn: tuple[Strip, ...] = ()
    _drawn_key: object = None

    def line_width(self) -> int:
        """The width of a line (a ScrollView's scrollbar takes some)."""
        return self.content_size.width

    def show_lines(self, lines: list[Strip], key: object = None, scrolled: bool = True) -> None:
        """Draw `lines` (content lines, top to bottom; with scrolled=False, the lines on screen);
        `key` names what else the drawing depends on (scroll offset, size): when it changes,
        everything is repainted."""
        width = self.line_width()
        style = self.rich_style  # walks the DOM: once per drawing, not once per line
        new = tuple(line.crop_extend(0, width, None).apply_style(style) for line in lines)
        old, self._drawn = self._drawn, new
        key = (key, width, style)
        old_key, self._drawn_key = self._drawn_key, key
        if old_key != key or not self.is_mounted:
            self.refresh()
            return
        top = int(self.scroll_offset.y) if scrolled else 0
        dirty = [
            Region(0, y - top, width, 1)
            for y in range(max(len(old), len(new)))
            if (old[y] if y < len(old) else None) != (new[y] if y < len(new) else None)
        ]
        if dirty:
            self.refresh(*dirty)

    def drawn_line(self, y: int) -> Strip | None:
        return self._drawn[y] if 0 <= y < len(self._drawn) else None

    def render_line(self, y: int) -> Strip:
        """The drawn line `y` (a blank line past the drawing)."""
        width = self.line_width()
        line = self.drawn_line(y)
        if line is not None and line.cell_length == width:
            return line
        if line is None:
            return Strip.blank(width, self.rich_style)
        return line.crop_extend(0, width, None).apply_style(self.rich_style)
