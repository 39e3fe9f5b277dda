"""Repainting only the lines that change.

A step changes a few lines of each panel (a highlight moves, a value appears); repainting a
whole panel writes the whole screen to the terminal again. Widgets that draw through the Line
API hand `show_lines` their lines as tuples of segments; it compares them with the lines drawn
before, makes strips for the lines that differ only, and marks as dirty only the cells of those
lines that differ (so that a number appearing sends that number to the terminal, not its line).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual._border import get_box
from textual._segment_tools import line_pad
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T")
Line = tuple[Segment, ...]
ELLIPSIS = "…"
MEMO = 8
"""Drawings a widget remembers: the next step's, made ahead in idle time, and the last few (a
step back finds its own)."""
NO_KEY = object()  # (prepare_lines: no key given)
STRIPS = 4096
"""Finished lines a widget keeps (a step's lines are mostly the lines of the step before)."""


def fit(segments: Sequence[Segment], width: int) -> Line:
    """`segments` as a line of at most `width` cells, ending in … when cut."""
    if sum(cell_len(segment.text) for segment in segments) <= width:
        return tuple(segments)
    if width < 1:
        return ()
    cut = tuple(Strip(segments).crop(0, width - 1))
    return (*cut, Segment(ELLIPSIS, cut[-1].style if cut else None))


def finish(line: Line, width: int, style: Style) -> Strip:
    """`line` as a strip of exactly `width` cells on `style` (the widget's background): as
    `Strip(line).crop_extend(0, width, None).apply_style(style)` in one pass."""
    length = 0
    for segment in line:
        length += _cells(segment.text)
    if length > width:
        return Strip(line).crop_extend(0, width, None).apply_style(style)
    segments = list(line)
    if length < width:
        segments.append(Segment(" " * (width - length)))
    return Strip(Segment.apply_style(segments, style), width)


def changed_cells(old: Strip, new: Strip) -> tuple[int, int]:
    """The cells [start, end) outside which two strips of one width are the same (start >=
    end: they look the same)."""
    a, b = list(old), list(new)
    start = _same_cells(a, b, reverse=False)
    end = old.cell_length - _same_cells(a[::-1], b[::-1], reverse=True)
    return start, end


def _same_cells(a: list[Segment], b: list[Segment], reverse: bool) -> int:
    """How many cells the segment lists `a` and `b` share from their start (their end, with
    `reverse`: the lists are given reversed)."""
    cells = 0
    for x, y in zip(a, b, strict=False):
        if x == y:
            cells += _cells(x.text)
            continue
        if x.style == y.style:
            ta, tb = (x.text[::-1], y.text[::-1]) if reverse else (x.text, y.text)
            shared = 0
            for ca, cb in zip(ta, tb, strict=False):
                if ca != cb:
                    break
                shared += 1
            cells += _cells(ta[:shared])
        break
    return cells


def _cells(text: str) -> int:
    """The cells `text` takes (printable ASCII: one a character, without asking rich)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


class LineBuilder:
    """Text appended in styled pieces, each "\n" starting a new line: lines of segments
    without a rich `Text` (the panels' lines are short; building them is per step)."""

    def __init__(self) -> None:
        self._lines: list[list[Segment]] = [[]]

    def append(self, text: str, style: Style | None = None) -> None:
        first, *rest = text.split("\n")
        if first:
            self._lines[-1].append(Segment(first, style))
        for part in rest:
            self._lines.append([Segment(part, style)] if part else [])

    def lines(self) -> list[Line]:
        return [tuple(line) for line in self._lines]


_OPERATORS = (" = ", " × ", " + ", " − ", " / ", "·")


def wrap_formula(text: str, width: int) -> list[str]:
    """A formula cut into pieces of at most `width` cells, each break before an operator
    (first before an ` = `, then before ` × `, ` + `, ` − `, ` / `), so that a continued
    line starts with its operator and no piece ends as if it were the whole (`w5⁺ = … = 0.`).
    A piece with no operator to break at is cut where it must."""
    if cell_len(text) <= width or width < 8:
        return [text]
    for operator in _OPERATORS:
        parts = text.split(operator)
        if len(parts) < 2:
            continue
        pieces: list[str] = []
        current = parts[0]
        for part in parts[1:]:
            joined = f"{current}{operator}{part}"
            if cell_len(joined) <= width:
                current = joined
            else:
                pieces.append(current)
                current = f"{operator.lstrip()}{part}"
        pieces.append(current)
        if len(pieces) > 1:
            return [
                line
                for piece in pieces
                for line in (wrap_formula(piece, width) if piece != text else [piece])
                if line
            ]
    return [text[k : k + width] for k in range(0, len(text), width)]


def wrap_words(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between words (a word longer than a
    line is cut where it must)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while cell_len(word) > width:  # (cut only a word that no line could hold)
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        joined = f"{current} {word}" if current else word
        if cell_len(joined) <= width:
            current = joined
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def plain(lines: Sequence[Line]) -> str:
    """The lines' text (for tests)."""
    return "\n".join("".join(segment.text for segment in line) for line in lines)


class _BorderText:
    """`border_title` or `border_subtitle`, set only when it changes and then repainting only
    that border line: Textual's setter repaints the whole widget each time it is assigned
    (the diagram's 16 lines on every step, for a subtitle that stayed empty; the chain
    panel's 13 lines for the `↓2 more` that a step changes)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._textual = next(  # (Textual's descriptor)
            kind.__dict__[name] for kind in Widget.__mro__ if name in kind.__dict__
        )

    def __get__(self, obj: ChangedLines | None, objtype: type | None = None):
        if obj is None:
            return self
        return self._textual.__get__(obj, objtype)

    def __set__(self, obj: ChangedLines, text) -> None:
        given = obj.__dict__.setdefault("_border_given", {})
        if self._name in given and given[self._name] == text:
            return
        given[self._name] = text
        obj._border_only = True  # (the setter's own refresh would repaint every line)
        try:
            self._textual.__set__(obj, text)
        finally:
            obj._border_only = False
        if not obj.is_mounted:
            return
        width, height = obj.outer_size
        offset = obj.content_offset  # (refresh takes regions of the content)
        top = self._name == "border_title"
        obj.refresh(Region(-offset.x, (0 if top else height - 1) - offset.y, width, 1))


class ChangedLines:
    """A mixin for Line API widgets: `show_lines` repaints only what changed.

    The strips are kept cropped to the widget's width and on its background, so that
    `render_line` hands Textual the stored strip as it is."""

    _lines: tuple[Line, ...] = ()
    _drawn: tuple[Strip, ...] = ()
    _drawn_key: object = None
    _shown_key: object = None
    _shown_scrolled = True
    _memo: dict | None = None
    _ahead: tuple | None = None
    """Lines prepared ahead and compared with those on screen: (the strips on screen then, the
    key, the lines, their strips, the cells that differ)."""
    _strips: dict[Line, Strip] | None = None
    _strips_for: object = None
    _border_only = False
    border_title = _BorderText()
    border_subtitle = _BorderText()

    _sized_for: Size | None = None
    _in_frame = False

    def refresh(self, *regions: Region, **how: bool) -> Self:
        if self._border_only or (self._in_frame and not how.get("layout")):
            return self
        return super().refresh(*regions, **how)  # type: ignore[misc]

    def resized(self) -> None:
        """Lay the lines out again for the widget's new size."""

    def on_resize(self) -> None:
        self._follow_size()

    def on_hide(self) -> None:
        # (a hidden widget reads as 0×0, and what is drawn meanwhile is drawn at that: shown
        # again at the size it had, it lays its lines out again all the same)
        self._sized_for = None

    def _follow_size(self) -> None:
        size = self.size  # type: ignore[attr-defined]
        if size != self._sized_for:
            self._sized_for = size
            self.resized()

    def remembered(self, key: object, make: Callable[[], T]) -> T:
        """`make()`, remembered under `key`, which must name everything the answer depends on
        (the view, the size, the precision, the styles): a widget's drawing of a view is made
        once, ahead of the key that shows it when the screen prepares the next step."""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        found = memo.get(key)
        if found is None:
            found = make()
            if len(memo) >= MEMO:
                del memo[next(iter(memo))]  # (the oldest)
            memo[key] = found
        return found

    def _strip(self, line: Line, width: int, style: Style) -> Strip:
        """`line` finished as a strip of `width` on `style` (remembered: most of a step's lines
        were lines of the step before or were prepared)."""
        strips = self._strips
        if strips is None or self._strips_for != (width, style) or len(strips) > STRIPS:
            strips = self._strips = {}
            self._strips_for = (width, style)
        strip = strips.get(line)
        if strip is None:
            strip = strips[line] = finish(line, width, style)
        return strip

    def line_style(self) -> Style:
        """The widget's text style and background (its `rich_style`), which walks the DOM:
        looked up again only when the widget's styles or the theme change."""
        theme = self.app.theme
        cached = self.__dict__.get("_line_style")
        if cached is None or cached[0] != theme:
            cached = self._line_style = (theme, self.rich_style)
        return cached[1]

    def notify_style_update(self) -> None:
        self._line_style = None
        super().notify_style_update()

    def _on_mount(self, event) -> None:
        # (Textual calls each class's handler in turn: the widget's own on_mount as well)
        self.app.theme_changed_signal.subscribe(self, self.theme_changed)

    def theme_changed(self, theme: object) -> None:
        """Draw the lines again on the new theme's background (a widget whose lines carry
        colours of the theme draws them again itself)."""
        self._line_style = None
        self.show_lines(self._lines, self._shown_key, self._shown_scrolled)

    def line_width(self) -> int:
        """The width of a line (a ScrollView's scrollbar takes some)."""
        return self.content_size.width

    def show_lines(self, lines: Sequence[Line], key: object = None, scrolled: bool = True) -> None:
        """Draw `lines` (content lines, top to bottom; with scrolled=False, the lines on screen);
        `key` names what else the drawing depends on (scroll offset, size): when it changes,
        everything is repainted."""
        self._shown_key, self._shown_scrolled = key, scrolled
        width = self.line_width()
        style = self.line_style()
        key = (key, width, style)
        whole = key != self._drawn_key or not self.is_mounted
        lines = tuple(lines)
        ahead, self._ahead = self._ahead, None
        if (
            not whole
            and ahead is not None
            and ahead[0] is self._drawn  # (compared with what is on screen now)
            and ahead[1] == key
            and ahead[2] == lines
        ):
            drawn, changed = ahead[3], ahead[4]
        else:
            drawn, changed = self._compare(lines, width, style, whole)
        self._lines, self._drawn, self._drawn_key = lines, drawn, key
        if whole:
            self.refresh()
        elif changed:
            top = int(self.scroll_offset.y) if scrolled else 0
            self.refresh(*(Region(x, y - top, cells, 1) for y, x, cells in changed))

    def prepare_lines(self, lines: Sequence[Line], key: object = NO_KEY) -> None:
        """Finish `lines` ahead (in idle time), so that showing them only looks them up; given
        the `key` that `show_lines` will be given with them, compare them with the lines on
        screen ahead too (used if the screen still shows those lines then)."""
        width, style = self.line_width(), self.line_style()
        lines = tuple(lines)
        for line in lines:
            self._strip(line, width, style)
        if key is not NO_KEY and self.is_mounted and (key, width, style) == self._drawn_key:
            drawn, changed = self._compare(lines, width, style, whole=False)
            self._ahead = (self._drawn, self._drawn_key, lines, drawn, changed)

    def _compare(
        self, lines: tuple[Line, ...], width: int, style: Style, whole: bool
    ) -> tuple[tuple[Strip, ...], list[tuple[int, int, int]]]:
        """`lines` as strips, and the cells (line, first cell, cells) where they differ from
        the strips on screen (every line, if `whole`)."""
        old_lines, old_drawn = self._lines, self._drawn
        drawn: list[Strip] = []
        changed: list[tuple[int, int, int]] = []  # (line, first cell, cells) to repaint
        for y, line in enumerate(lines):
            if not whole and y < len(old_lines) and (old_lines[y] is line or old_lines[y] == line):
                drawn.append(old_drawn[y])
                continue
            strip = self._strip(line, width, style)
            drawn.append(strip)
            if y < len(old_drawn) and not whole:
                start, end = changed_cells(old_drawn[y], strip)
                if start < end:  # only the cells that differ go to the terminal
                    changed.append((y, start, end - start))
            else:
                changed.append((y, 0, width))
        changed += [(y, 0, width) for y in range(len(lines), len(old_lines))]
        return tuple(drawn), changed

    def drawn_line(self, y: int) -> Strip | None:
        return self._drawn[y] if 0 <= y < len(self._drawn) else None

    def render_lines(self, crop: Region) -> list[Strip]:
        """Textual's (its StylesCache frames each line in the widget's border and padding),
        with the lines inside the border framed here: a line that changed costs Textual
        ~60 µs to frame and a step changes ~25, the largest part of a step's time. The
        framed lines are the same (tests/test_terminal_writes.py compares them); a widget
        whose styles ask for more than a border and side padding (a tint, an opacity, an
        outline, a hatch) is framed by Textual."""
        if self.size != self._sized_for:  # type: ignore[attr-defined]
            # A layout hands a widget its size, and the frame asks for its lines, before the
            # Resize event comes: laid out here, the first frame at a size is a whole one
            # (the status, the step and the chain came a frame, some 50 ms, after the rest).
            # (No repaint asked for: this frame paints the lines.)
            self._in_frame = True
            try:
                self._follow_size()
            finally:
                self._in_frame = False
            # (and the repaint a ScrollView asks for as its size changes, of its old region,
            # is this one: left for the next step's frame, it repainted the table whole)
            self._repaint_regions.clear()  # type: ignore[attr-defined]
        sides = self._sides()
        if sides is None:
            return super().render_lines(crop)  # type: ignore[misc]
        top, bottom, frame = sides
        strips: list[Strip] = []
        y, end = crop.y, crop.bottom
        while y < end:
            if top <= y < bottom:
                stop = min(end, bottom)
                strips += [frame(row) for row in range(y, stop)]
            else:  # a border or padding line: Textual's
                stop = min(end, top) if y < top else end
                strips += super().render_lines(  # type: ignore[misc]
                    Region(0, y, crop.x + crop.width, stop - y)
                )
                y = stop
                continue
            y = stop
        if crop.x or crop.width != self.outer_size.width:  # type: ignore[attr-defined]
            strips = [strip.crop(crop.x, crop.right) for strip in strips]
        return strips

    def _sides(self):
        """(first content line, end of the content lines, a function that frames line y) for
        the lines inside the border, or None where Textual must frame them."""
        styles = self.styles  # type: ignore[attr-defined]
        if (
            styles.tint.a
            or styles.text_opacity != 1.0
            or self.opacity != 1.0  # type: ignore[attr-defined]
            or any(edge for edge, _ in styles.outline)
            or (styles.has_rule("hatch") and styles.hatch != "none")
        ):
            return None
        base_background, background = self.background_colors  # type: ignore[attr-defined]
        border = styles.border
        padding = styles.padding
        width, height = self.outer_size  # type: ignore[attr-defined]
        content_width, content_height = self.content_region.size  # type: ignore[attr-defined]
        key = (base_background, background, border, padding, width, content_width)
        cached = self.__dict__.get("_sides_cache")
        if cached is None or cached[0] != key:
            inner, outer = self._styles_cache.get_inner_outer(  # type: ignore[attr-defined]
                base_background, background
            )
            (_, _), (right_type, right_color), (_, _), (left_type, left_color) = border
            left = right = None
            if left_type:
                style = TextualStyle(foreground=base_background + left_color)
                left = get_box(left_type, inner, outer, style)[1][0]
            if right_type:
                style = TextualStyle(foreground=base_background + right_color)
                right = get_box(right_type, inner, outer, style)[1][2]
            cached = self._sides_cache = (key, left, right, inner.rich_style, {})
        _, left, right, inner_style, framed = cached
        gutter = styles.gutter
        _, pad_right, _, pad_left = padding
        filters = self.app.get_line_filters()  # type: ignore[attr-defined]
        render_line = self.render_line
        if len(framed) > STRIPS:
            framed.clear()

        def frame(y: int) -> Strip:
            content_y = y - gutter.top
            if content_y < content_height:
                content = render_line(content_y)
            else:
                content = Strip.blank(content_width, inner_style)
            found = framed.get(id(content))
            if found is None or found[0] is not content:
                line = content.adjust_cell_length(content_width, inner_style)
                if pad_left or pad_right:
                    line = line_pad(line, pad_left, pad_right, inner_style)
                segments = list(line)
                if left is not None:
                    segments.insert(0, left)
                if right is not None:
                    segments.append(right)
                found = framed[id(content)] = (content, Strip(segments, width))
            strip = found[1]
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            return strip

        return gutter.top, height - gutter.bottom, frame

    def render_line(self, y: int) -> Strip:
        """The drawn line `y` (a blank line past the drawing)."""
        width = self.line_width()
        line = self.drawn_line(y)
        if line is not None and line.cell_length == width:
            return line
        if line is None:
            return Strip.blank(width, self.line_style())
        return line.crop_extend(0, width, None).apply_style(self.line_style())


class KeyScrolled:
    """A mixin for a panel whose lines scroll (`_scroll(rows)`): the mouse wheel scrolls them,
    and so, once Tab gives the panel the focus, do ↑ ↓ PageUp PageDown (a step panel saying
    `↓5 more` had no key to reach them; the newcomer trial). Textual reads BINDINGS only from
    widget classes: each panel says `BINDINGS = KeyScrolled.KEYS`."""

    KEYS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_lines(-1)", "Up", show=False),
        Binding("down", "scroll_lines(1)", "Down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False),
    ]

    def _scroll(self, rows: int) -> None:
        raise NotImplementedError

    def action_scroll_lines(self, rows: int) -> None:
        self._scroll(rows)

    def action_scroll_page(self, pages: int) -> None:
        height = self.content_size.height  # type: ignore[attr-defined]
        self._scroll(pages * max(1, height - 1))
