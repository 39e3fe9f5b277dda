"""The chain-rule breakdown of the selected parameter, factor by factor."""

from __future__ import annotations

from bisect import bisect_right

from rich.segment import Segment
from rich.style import Style
from textual.events import Click, MouseScrollDown, MouseScrollUp
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from bptui.app.widgets.lines import (
    ChangedLines,
    KeyScrolled,
    Line,
    LineBuilder,
    wrap_formula,
    wrap_words,
)
from bptui.engine.breakdown import Breakdown
from bptui.engine.view import Frame
from bptui.fmt import equation, num, tree_lines
from bptui.records import dataclass

DIM = Style(dim=True)
DIM_ITALIC = Style(dim=True, italic=True)
BOLD = Style(bold=True)
ITALIC = Style(italic=True)


@dataclass(frozen=True)
class ChainView:
    """What the panel shows: a breakdown at a position, and whether it is pinned."""

    frame: Frame
    breakdown: Breakdown | None
    pinned: bool
    expanded: frozenset[tuple[int, int]] = frozenset()  # δs the user opened


class ChainPanel(KeyScrolled, ChangedLines, Widget, can_focus=True):
    """Each factor on two lines, `symbol = formula` then `= numbers = value`; factors already
    reached show their numbers, those ahead only their symbols. Draws its lines itself (the
    Line API) and scrolls itself (the wheel, and by a rule of the position), so that a step
    repaints only the lines that change and never lays out the screen."""

    BINDINGS = KeyScrolled.KEYS

    DEFAULT_CSS = """
    ChainPanel {
        height: 1fr;
        background: $background;
        border: round $secondary;
        border-title-style: bold;
        padding: 0 1;
    }
    """

    view: reactive[ChainView | None] = reactive(None, repaint=False)
    """The breakdown shown."""
    precision: reactive[int] = reactive(9, repaint=False)
    """Decimals of the numbers."""

    current_line = 0
    """The line of the newest factor reached, which the panel keeps in view."""

    class DeltaToggled(Message):
        """The user clicked a δ whose expansion was cut (or one they had opened)."""

        def __init__(self, layer: int, unit: int) -> None:
            super().__init__()
            self.layer = layer
            self.unit = unit

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._delta_rows: dict[int, tuple[int, int]] = {}
        self._content: list[Line] = []
        self._top = 0
        self._shown_for: tuple[Breakdown | None, tuple] | None = None
        self._steps_for: tuple[Breakdown, tuple[int, ...]] | None = None
        self._parts_for: tuple = ()
        self._parts: dict[tuple[int, bool], tuple[str, str]] = {}

    def watch_view(self) -> None:
        self._show()

    def watch_precision(self) -> None:
        self._show()

    def resized(self) -> None:
        self._show()  # the width decides which factors fit on one line

    def _show(self) -> None:
        view = self.view
        if view is None or not self.is_mounted:
            return
        key = self._content_key(view)
        shown = self._shown_for
        if shown is not None and shown[0] is view.breakdown and shown[1] == key:
            # This step reaches no factor of the breakdown: the same lines.
            top = self._top
            self._keep_current_in_view()  # (undoing a scroll by the mouse wheel)
            if self._top != top:
                self._draw()
            return
        self._shown_for = (view.breakdown, key)
        drawing = self._drawing(view)
        self._use(drawing)
        self._content = drawing.lines
        self._keep_current_in_view()
        self._draw()

    def _content_key(self, view: ChainView) -> tuple:
        """What the drawing depends on besides the breakdown: how many of its steps have been
        reached (which decides every number shown and the line kept in view), the pin, the
        open δs, the precision and the size."""
        b = view.breakdown
        reached = 0 if b is None else bisect_right(self._steps_of(b), view.frame.shown_index)
        return (
            view.frame.trace,
            reached,
            view.pinned,
            view.expanded,
            self.precision,
            self.content_size,
        )

    def _steps_of(self, b: Breakdown) -> tuple[int, ...]:
        """The steps that compute a factor of `b`, its δ, its gradient or its update, in
        order."""
        if self._steps_for is None or self._steps_for[0] is not b:
            steps = {node.step for _, node in b.tree.walk() if node.step is not None}
            steps.update(b.stages)
            if b.delta_rule[0].step is not None:  # (the delta rule's numbers come with its δ)
                steps.add(b.delta_rule[0].step)
            if b.update is not None:
                steps.add(b.update)
            self._steps_for = (b, tuple(sorted(steps)))
        return self._steps_for[1]

    def _draw(self) -> None:
        height = self.content_size.height
        shown = self._content[self._top : self._top + height]
        # Lines above or below the panel are counted in its subtitle (the wheel scrolls them).
        above, below = self._top, max(0, len(self._content) - self._top - height)
        subtitle = " ".join(
            word
            for word in (f"↑{above}" if above else "", f"↓{below} more" if below else "")
            if word
        )
        self.border_subtitle = subtitle
        self.show_lines(shown, key=self.content_size, scrolled=False)  # (by position)

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        self._scroll(3)
        event.stop()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        self._scroll(-3)
        event.stop()

    def _scroll(self, rows: int) -> None:
        limit = max(0, len(self._content) - self.content_size.height)
        self._top = max(0, min(limit, self._top + rows))
        self._draw()

    def on_click(self, event: Click) -> None:
        row = event.screen_y - self.content_region.y + self._top
        place = self._delta_rows.get(row)
        if place is not None and place[0] < len(self.view.frame.trace.network.layers) - 1:
            self.post_message(self.DeltaToggled(*place))

    @property
    def lines(self) -> list[Line]:
        """Every line of the breakdown drawn (the panel shows those from `top` on); the same
        list for as long as the panel keeps its drawing."""
        return self._content

    @property
    def top(self) -> int:
        """The first of `lines` on show."""
        return self._top

    def top_for_current(self) -> int:
        """The `top` that keeps the current factor in view, by a rule of the position alone,
        so that coming back to a step shows exactly what it showed before: from the top while
        the current factor is above the last line, else down by half a panel at a time until
        it is (never past the last line). Half pages keep the panel still over most steps (a
        scroll repaints all of it)."""
        return _top_for(self.current_line, len(self._content), self.content_size.height)

    def _keep_current_in_view(self) -> None:
        self._top = self.top_for_current()

    def render_view(self, view: ChainView) -> list[Line]:
        """The panel's lines (all of them; the panel shows those from `_top` on)."""
        drawing = self._drawing(view)
        self._use(drawing)
        return drawing.lines

    def prepare(self, view: ChainView) -> None:
        """Draw `view` ahead (in idle time: the screen's guess at the next step)."""
        if self.is_mounted and view.breakdown is not None:
            drawing = self._drawing(view)
            size = self.content_size
            top = _top_for(drawing.current_line, len(drawing.lines), size.height)
            self.prepare_lines(drawing.lines[top : top + size.height], key=size)

    def _use(self, drawing: _Drawing) -> None:
        self.current_line, self._delta_rows = drawing.current_line, drawing.delta_rows
        self.border_title = drawing.title

    def _drawing(self, view: ChainView) -> _Drawing:
        """The drawing of `view` (remembered by its breakdown and content key)."""
        b = view.breakdown
        key = (id(b), self._content_key(view))
        drawing = self.remembered(key, lambda: self._draw_view(view))
        if drawing.breakdown is not b:  # (an id is only unique while its object lives)
            drawing = self._draw_view(view)
        return drawing

    def _draw_view(self, view: ChainView) -> _Drawing:
        b = view.breakdown
        if b is None:
            message = (Segment("No parameter: the backward pass of this sample is over.", ITALIC),)
            return _Drawing(None, [message], 0, {}, "Chain rule")
        frame = view.frame
        trace = frame.trace
        position = frame.shown_index  # (step indices are the epoch's: compared directly)
        if view.pinned:
            how = "pinned · u unpins"
        elif b.tree.step is not None and position < self._steps_of(b)[0]:
            # (in the forward pass "w5 (follows the step)" read as if the step were w5's)
            how = "the next gradient · follows the step"
        else:
            how = "follows the step"
        title = f"Chain rule · {b.param.name} ({how})"
        p = self.precision
        text = LineBuilder()
        width = max(20, self.content_size.width - 1)
        current_line = 0
        newest = -1
        delta_rows: dict[int, tuple[int, int]] = {}
        rows = 0
        # (each node's text, kept while the breakdown, its trace and the precision stay: the
        # breakdown held keeps its nodes, and so their ids, alive)
        known = self._parts_for
        if not known or known[0] is not b or known[1] is not trace or known[2] != p:
            self._parts_for, self._parts = (b, trace, p), {}
        for line in tree_lines(b.tree, trace, p, position, parts=self._parts):
            step = line.node.step
            if step is not None and newest < step <= position:
                # the newest factor reached (the current step's, if it is one): kept in view
                newest, current_line = step, rows
            place = (line.node.layer, line.node.unit)
            first_row = rows
            text.append(line.prefix, DIM)
            head_style = None if line.reached else DIM_ITALIC
            style = BOLD if line.node is b.tree else None
            if line.tail and len(line.prefix) + len(line.head) + len(line.tail) + 1 <= width:
                text.append(line.head, head_style)
                text.append(" ")
                text.append(line.tail, style)
            else:
                parts = [(line.head, head_style)] + ([(line.tail, style)] if line.tail else [])
                for k, (part, part_style) in enumerate(parts):
                    room = width - len(line.continuation)
                    pieces = [
                        short
                        for piece in _wrap(part, room)
                        # (a piece with no × or + to break at: before its = or −, as the
                        # continued lines are, two cells further in)
                        for short in (
                            wrap_formula(piece, room - 2) if len(piece) > room else [piece]
                        )
                    ]
                    for n, piece in enumerate(pieces):
                        if k or n:
                            text.append("\n")
                            text.append(line.continuation + ("  " if n else ""), DIM)
                            rows += 1
                        text.append(piece, part_style)
            if line.node.expandable:
                text.append("  ▸ click to expand", DIM_ITALIC)
            elif line.node.op != "leaf" and place in view.expanded:
                text.append("  ▾ click to fold", DIM_ITALIC)
            if line.node.note and line.node.op == "leaf" and line.reached:
                room = width - len(line.continuation)
                for piece in wrap_words(f"({line.node.note})", max(8, room)):
                    text.append(f"\n{line.continuation}{piece}", DIM_ITALIC)
                    rows += 1
            if line.node.expandable or (line.node.op != "leaf" and place in view.expanded):
                for row in range(first_row, rows + 1):  # every row the factor spans
                    delta_rows[row] = place
            text.append("\n")
            rows += 1
        delta, source = b.delta_rule
        grad_reached = b.tree.step is not None and b.tree.step <= position
        text.append("delta rule: ", DIM)
        if grad_reached:
            text.append(f"{delta.symbol} × {source.symbol}\n  = ")
            numbers = f"{num(delta.value, p)} × {num(source.value, p)}"
            value = f" = {num(trace[b.tree.step].value, p)}"  # (the gradient's own step)
            if len(numbers) + len(value) + 4 <= width:
                text.append(numbers + value)
            else:
                text.append(f"{numbers}\n  {value.lstrip()}")
        elif delta.step is not None and delta.step <= position:
            # (the δ is known, the gradient not yet: its factors, not its product)
            text.append(f"{delta.symbol} × {source.symbol}\n  = ")
            text.append(f"{num(delta.value, p)} × {num(source.value, p)}")
        else:
            text.append(f"{delta.symbol} × {source.symbol}", DIM_ITALIC)
        text.append("\n")
        if not b.param.trained:
            text.append(f"{b.param.name} is not trained: no update.", ITALIC)
        elif b.update is not None:
            for index in (*b.stages, b.update):  # an optimizer's steps, then param⁺
                step = trace[index]
                if index <= position:
                    shown, style = equation(step, p), None
                else:
                    shown, style = f"{step.symbol} = {step.formula}", DIM_ITALIC
                for n, piece in enumerate(wrap_formula(shown, width - 2)):
                    text.append(("\n  " if n else "") + piece, style)
                if index != b.update:
                    text.append("\n")
        return _Drawing(b, text.lines(), current_line, delta_rows, title)


@dataclass(frozen=True)
class _Drawing:
    """The panel's lines for a view, the line of its newest factor reached, the δs that a
    click on a row opens or folds, and the panel's title."""

    breakdown: Breakdown | None
    lines: list[Line]
    current_line: int
    delta_rows: dict[int, tuple[int, int]]
    title: str


def _top_for(current_line: int, lines: int, height: int) -> int:
    """ChainPanel.top_for_current's rule, of the current line, the lines and the height."""
    last_top = max(0, lines - height)
    top = 0
    while top < last_top and current_line >= top + height - 1:
        top = min(last_top, top + max(1, height // 2))
    return top


def _wrap(text: str, width: int) -> list[str]:
    """Break a formula before its × and + so that each piece fits in `width` if it can."""
    if len(text) <= width:
        return [text]
    pieces: list[str] = []
    current = ""
    for token in text.replace(" × ", "\0× ").replace(" + ", "\0+ ").split("\0"):
        candidate = f"{current} {token}" if current else token
        if current and len(candidate) > width:
            pieces.append(current)
            current = token
        else:
            current = candidate
    pieces.append(current)
    return pieces
