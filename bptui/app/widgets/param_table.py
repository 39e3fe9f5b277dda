"""Every weight and bias with its gradient and update; draws only the rows on screen.

A stock DataTable builds every row up front (seconds for a big net), so this table is a
ScrollView over the engine's lazy `ParamRows`: `render_line` asks for the one row it draws,
and the finite differences of a row are computed when the row is first drawn.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bptui.app.widgets.lines import ChangedLines, Line, wrap_words
from bptui.engine.rows import ParamRows
from bptui.engine.view import Frame
from bptui.fmt import column, column_width, num
from bptui.records import dataclass

PENDING = "·"
HEADER_STYLE = Style(bold=True, underline=True)
SELECTED_STYLE = Style(reverse=True, bold=True)
CURSOR_STYLE = Style(underline=True, bold=True)
PENDING_STYLE = Style(dim=True)
SUMMARY_STYLE = Style(italic=True)
SUMMARY_LINES = 2


@lru_cache(maxsize=64)
def _summary(text: str, width: int) -> tuple[str, ...]:
    """The summary in SUMMARY_LINES lines of `width` (a last line that cannot hold the rest
    ends in …); none for no text."""
    if not text:
        return ()
    lines = wrap_words(text, max(1, width))
    if len(lines) > SUMMARY_LINES:
        last = " ".join(lines[SUMMARY_LINES - 1 :])
        lines = [*lines[: SUMMARY_LINES - 1], last[: max(0, width - 1)] + "…"]
    return tuple(lines) + ("",) * (SUMMARY_LINES - len(lines))


@dataclass(frozen=True)
class _Layout:
    """What every line of one drawing shares."""

    columns: tuple[tuple[str, str, int], ...]
    width: int  # of a line
    height: int  # lines on screen
    x: int  # the scroll offset
    y: int
    fd_in_columns: bool  # the finite-difference column is on screen
    summary: tuple[str, ...]  # else the selected row's finite difference, on the last lines
    precision: int
    show_fd: bool
    cursor: int  # the cursor's row while the table has the focus, else -1


NO_MARKS = ("", "")


@dataclass(frozen=True)
class TableView:
    """The rows to show and the position that decides which cells are filled in."""

    frame: Frame
    rows: ParamRows
    selected: str | None  # the chain panel's parameter
    marked: frozenset[str] = frozenset()  # parameters with a breakpoint
    # the learner's numbers compared (bptui NET --compare YOURS): parameter → the marks (✓, ✗
    # or "") of its gradient and of its update here; None: no comparison, no room kept for marks
    yours: dict[str, tuple[str, str]] | None = None


def _cropped(text: str, style: Style, layout: _Layout) -> Line:
    """The part of a line that the horizontal scroll shows."""
    if cell_len(text) == len(text):  # one cell per character: slice
        return (Segment(text[layout.x : layout.x + layout.width], style),)
    return tuple(Strip([Segment(text, style)]).crop(layout.x, layout.x + layout.width))


class ParamTable(ChangedLines, ScrollView, can_focus=True):
    """The parameter table. Up/down move the cursor, Enter pins the chain panel to a row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("enter", "choose", "Pin row", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, down, pageup, pagedown | Move the cursor. |
    | enter | Pin the chain panel to the cursor's parameter. |
    """

    DEFAULT_CSS = """
    ParamTable {
        height: 1fr;
        background: $background;
        border: round $accent;
        border-title-style: bold;
        scrollbar-size: 1 1;
    }
    """

    class ParameterSelected(Message):
        """The user chose a parameter (Enter or a click on its row)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    view: reactive[TableView | None] = reactive(None, always_update=True, repaint=False)
    """What to show."""
    precision: reactive[int] = reactive(9)
    """Decimals of the numbers."""
    cursor: reactive[int] = reactive(0)
    """The row under the keyboard cursor."""
    show_fd: reactive[bool] = reactive(True)
    """Whether to show the finite-difference columns."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._row_context: object = None
        self._row_cache: dict[object, Line] = {}

    def on_mount(self) -> None:
        self.border_title = "Parameters"

    # -- columns ----------------------------------------------------------------------------
    def _columns(self, room: int | None = None) -> list[tuple[str, str, int]]:
        """(key, title, width) of the columns that fit the table's width: the name, value,
        gradient and new value always, then, while they fit, the update's size (before the
        new value), the optimizer's state, from → to and the finite difference (what does not
        fit is on the lines under the table, for the selected row)."""
        view = self.view
        if room is None:
            room = self.scrollable_content_region.width
        # (asked several times a drawing: worked out again only when what it depends on changes)
        key = (view.rows if view is not None else None, self.precision, self.show_fd, room)
        cached = self.__dict__.get("_columns_cache")
        if cached is not None and cached[0] == key:
            return list(cached[1])
        w = column_width(self.precision)  # the widest `column` writes
        name_width, edge_width = self._name_widths()
        m = 0 if view is None or view.yours is None else 2  # (room for " ✓" after a number)
        wanted = [("name", " name", name_width), ("value", "value", w), ("grad", "∂E/∂·", w + m)]
        if view is not None and view.rows.trace.epoch.batch_grads is not None:
            wanted.append(("batch", "epoch ∂E/∂·", w))
        network = view.rows.network if view is not None else None
        plain = network is None or (
            network.optimizer == "sgd" and not network.opt.decays(network.opt_settings)
        )
        new_column = ("new", "new", w + m)
        if wanted[-1][0] != "batch" or sum(c[2] + 1 for c in wanted) + new_column[2] <= room:
            wanted.append(new_column)
        # (else, with a batch update's epoch gradient, the new value is on the lines under the
        # table, for the selected row: four numbers in a row are wider than 120 columns give)
        # the update's size next (it is value − new, which the columns show already)
        optional = [("step", "η·∂E/∂·" if plain else "old − new", w)]
        if network is not None:  # an optimizer's state after the update: Adam's m and v
            optional += [(f"slot{k}", f"{slot}_·", w) for k, slot in enumerate(network.opt.slots)]
        optional.append(("edge", "from → to", min(edge_width, 24)))
        if self.show_fd:
            optional += [("fd", "finite diff.", w), ("err", "rel. err", 8)]
        used = sum(width + 1 for _, _, width in wanted)
        for extra in optional:
            if used + extra[2] + 1 > room:
                break
            wanted.append(extra)
            used += extra[2] + 1
        if any(key == "step" for key, _, _ in wanted) and any(c[0] == "new" for c in wanted):
            new = next(c for c in wanted if c[0] == "new")
            wanted.remove(new)
            wanted.insert(next(k for k, c in enumerate(wanted) if c[0] == "step") + 1, new)
        self._columns_cache = (key, tuple(wanted))
        return wanted

    def _name_widths(self) -> tuple[int, int]:
        """The widths of the name and from → to columns (worked out once per network: a big
        net has tens of thousands of names)."""
        network = self.view.rows.network if self.view is not None else None
        cached = self.__dict__.get("_widths")
        if cached is None or cached[0] is not network:
            names = network.param_refs if network is not None else ()
            name_width = max([5, *(len(ref.name) + 1 for ref in names)])
            edge_width = max((len(ref.source) + len(ref.target) + 3 for ref in names), default=8)
            cached = self._widths = (network, name_width, edge_width)
        return cached[1], cached[2]

    def _summary_lines(self, columns: list[tuple[str, str, int]] | None = None) -> int:
        """The lines kept under the rows for the selected row's from → to and finite difference
        (always as many while their columns do not fit, so the table does not jump)."""
        return 0 if self._fd_in_columns(columns) else SUMMARY_LINES

    def _fd_in_columns(self, columns: list[tuple[str, str, int]] | None = None) -> bool:
        """Are the finite difference and from → to among the columns shown?"""
        keys = {key for key, _, _ in (columns if columns is not None else self._columns())}
        return "edge" in keys and ("fd" in keys or not self.show_fd)

    def watch_view(self) -> None:
        view = self.view
        if view is None:
            return
        columns = self._columns()
        width = sum(w + 1 for _, _, w in columns) - 1
        size = Size(width, len(view.rows) + 1 + self._summary_lines(columns))
        if size != self.virtual_size:
            self.virtual_size = size
            self.call_after_refresh(self._follow_selected)  # once the new size is laid out
        self._follow_selected()
        self._redraw()

    def prepare(self, view: TableView) -> None:
        """Draw the rows of `view` on screen ahead (in idle time: the screen's guess at the
        next step), at the present scroll."""
        if self.is_mounted and self.view is not None and view.rows is self.view.rows:
            layout = self._layout()
            self.prepare_lines(
                [self._line(y, layout, view) for y in range(layout.height)], key=self._key()
            )

    def _redraw(self) -> None:
        """Repaint the rows on screen that changed (a step changes one or two)."""
        layout = self._layout()
        lines = [self._line(y, layout) for y in range(layout.height)]
        self.show_lines(lines, key=self._key(), scrolled=False)

    def _key(self) -> tuple:
        """What the lines on screen depend on besides what they show (not the scroll or the
        cursor: the lines compared are the lines on screen, so a scroll or a move of the cursor
        repaints only the rows that it changes)."""
        return (self.size, self.show_fd)

    # A scroll repaints the lines that it changes, not the whole table and its border as
    # ScrollView's watchers do (a step whose selected row scrolled into view wrote them all).
    def watch_scroll_y(self, old: float, new: float) -> None:
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new
        self._redraw()

    def watch_scroll_x(self, old: float, new: float) -> None:
        if self.show_horizontal_scrollbar:
            self.horizontal_scrollbar.position = new
        self._redraw()

    def resized(self) -> None:
        # (the columns, and so the scrollable size, depend on the width: a table hidden
        # when `f` changed its columns had its scrollbar sized for none)
        self.watch_view()

    def _follow_selected(self) -> None:
        """The table's scroll follows the position: the selected row is in view."""
        view = self.view
        if view is not None and view.selected is not None:
            self._scroll_to_row(view.rows.index_of(view.selected))

    def watch_cursor(self) -> None:
        # (a refresh alone repainted the lines drawn before: the cursor never moved on screen)
        self._scroll_to_row(self.cursor)
        self._redraw()

    def on_focus(self) -> None:
        self.call_later(self._redraw)  # the cursor shows while the table has the focus

    def on_blur(self) -> None:
        self.call_later(self._redraw)

    def watch_show_fd(self) -> None:
        self.watch_view()

    def _scroll_to_row(self, row: int) -> None:
        """Show `row` by a rule of the row alone (from the top while it fits), so that the
        same position always shows the same rows."""
        height = max(1, self.scrollable_content_region.height - 1 - self._summary_lines())
        y = 0 if row < height else row - height // 2
        if y != self.scroll_y:  # (a scroll that goes nowhere still costs a step its time)
            self.scroll_to(y=y, animate=False)

    # -- drawing ----------------------------------------------------------------------------
    def line_width(self) -> int:
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        """One line of the table, on the widget's own background."""
        drawn = self.drawn_line(y)
        if drawn is not None and drawn.cell_length == self.line_width():
            return drawn
        layout = self._layout()
        return (
            Strip(self._line(y, layout))
            .crop_extend(0, layout.width, None)
            .apply_style(self.line_style())
        )

    def _layout(self) -> _Layout:
        """What every line of a drawing shares, looked up once per drawing."""
        region = self.scrollable_content_region
        columns = tuple(self._columns(region.width))
        fd_in_columns = self._fd_in_columns(list(columns))
        offset = self.scroll_offset
        return _Layout(
            columns,
            region.width,
            region.height,
            int(offset.x),
            int(offset.y),
            fd_in_columns,
            _summary(self.fd_summary(fd_in_columns), region.width),
            self.precision,
            self.show_fd,
            self.cursor if self.has_focus else -1,
        )

    def _line(self, y: int, layout: _Layout, view: TableView | None = None) -> Line:
        view = view or self.view
        if view is None:
            return ()
        if y == 0:
            return self._header(layout)
        below = y - (layout.height - len(layout.summary))
        if 0 <= below < len(layout.summary):
            return (Segment(layout.summary[below], SUMMARY_STYLE),)
        row_index = layout.y + y - 1
        if row_index >= len(view.rows):
            return ()
        return self._row(view, row_index, layout)

    def _header(self, layout: _Layout) -> Line:
        text = " ".join(
            title.ljust(w) if key in ("name", "edge") else title.rjust(w)
            for key, title, w in layout.columns
        )
        return _cropped(text, HEADER_STYLE, layout)

    def _row(self, view: TableView, k: int, layout: _Layout) -> Line:
        """Row k as it shows at this position; rows are remembered per sample (a step changes
        the state of one or two)."""
        frame = view.frame
        name = view.rows.ref(k).name
        state = (
            k,
            frame.gradient_reached(name),
            frame.update_reached(name),
            frame.step.sample < 0,
            name == view.selected,
            name in view.marked,
            k == layout.cursor,
            view.yours.get(name, NO_MARKS) if view.yours is not None else None,
        )
        context = (
            view.rows,
            layout.precision,
            layout.show_fd,
            layout.columns,
            layout.fd_in_columns,
        )
        if context != self._row_context:
            self._row_context, self._row_cache = context, {}
        line = self._row_cache.get((state, layout.x, layout.width))
        if line is None:
            line = self._draw_row(view, k, layout, state)
            self._row_cache[(state, layout.x, layout.width)] = line
        return line

    def _draw_row(self, view: TableView, k: int, layout: _Layout, state: tuple) -> Line:
        _, grad_known, update_known, batch, selected, marked, cursor, marks = state
        row = view.rows[k]
        p = layout.precision
        update_known = update_known and row.trained
        cells = {
            # (the cursor, an underline alone, was hard to tell from the selected row)
            "name": ("▶" if selected else "●" if marked else "›" if cursor else " ") + row.name,
            "edge": row.edge,
            "value": v if len(v := num(row.value, p)) <= column_width(p) else column(row.value, p),
            "grad": column(row.gradient, p) if grad_known else PENDING,
            "batch": PENDING,
            "step": column(row.step, p) if update_known else PENDING,
            "new": column(row.new, p) if update_known else PENDING,
            "fd": PENDING,
            "err": PENDING,
        }
        if marks is not None:  # (a mark after the number, or room for one)
            cells["grad"] += f" {marks[0] or ' '}" if grad_known else "  "
            cells["new"] += f" {marks[1] or ' '}" if update_known else "  "
        for k, value in enumerate(row.moments):
            cells[f"slot{k}"] = column(value, p) if update_known else PENDING
        if row.batch_gradient is not None and batch:
            cells["batch"] = column(row.batch_gradient, p)
        if not row.trained:
            # (no step: "check only" there read as a number's stand-in, unexplained at the
            # widths that show the finite difference as columns; the newcomer trial)
            cells["step"], cells["new"] = "—", "not trained"
            for key, _, _ in layout.columns:
                if key.startswith("slot"):
                    cells[key] = "—"
        note = ""
        if layout.show_fd and grad_known and "fd" in {key for key, _, _ in layout.columns}:
            numeric, error = view.rows.finite_difference(k)
            cells["fd"], cells["err"] = column(numeric, p), f"{error:.0e}"
            if row.other_order:
                note = " ≠ by design: through the updated weights above (after_output_update)"
        text = (
            " ".join(
                cells[key].ljust(w) if key in ("name", "edge") else cells[key].rjust(w)
                for key, _, w in layout.columns
            )
            + note
        )
        if selected:
            style = SELECTED_STYLE
        elif cursor:
            style = CURSOR_STYLE
        elif not grad_known:
            style = PENDING_STYLE
        else:
            style = Style()
        return _cropped(text, style, layout)

    def fd_summary(self, fd_in_columns: bool | None = None) -> str:
        """The selected row's from → to and finite difference, for when their columns do not
        fit (and what an untrained parameter's gradient is for)."""
        view = self.view
        if fd_in_columns is None:
            fd_in_columns = self._fd_in_columns()
        if view is None or view.selected is None or fd_in_columns:
            return ""
        name = view.selected
        k = view.rows.index_of(name)
        row = view.rows[k]
        text = f"{name}: {row.edge}"
        new_shown = any(key == "new" for key, _, _ in self._columns())
        if not new_shown and row.trained and view.frame.update_reached(name):
            text += f" · new {column(row.new, self.precision).strip()}"  # (no column for it)
        if not row.trained:
            text += " · not trained: its gradient is for the check only"
        if not self.show_fd:
            return text
        if not view.frame.gradient_reached(name):
            return text + " · finite difference: · (its gradient comes later)"
        numeric, error = view.rows.finite_difference(k)
        text += f" · finite difference {column(numeric, self.precision)}, "
        if view.rows.tiny_gradient(k):  # (the relative error of numbers this small says little)
            text += f"error {error:.0e} of 1e-8 (both are under 1e-8)"
        else:
            text += f"rel. error {error:.0e}"
        if row.other_order:
            text += " (differs by design: after_output_update)"
        return text

    # -- actions ----------------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        if self.view is not None:
            self.cursor = max(0, min(len(self.view.rows) - 1, self.cursor + delta))

    # ←, →, home and end belong to the debugger (steps and epoch ends) even where they cannot
    # act, so that a key the debugger dims never scrolls the table instead.
    def action_scroll_left(self) -> None:
        pass

    def action_scroll_right(self) -> None:
        pass

    def action_scroll_home(self) -> None:
        pass

    def action_scroll_end(self) -> None:
        pass

    def action_choose(self) -> None:
        if self.view is not None:
            self.post_message(self.ParameterSelected(self.view.rows.ref(self.cursor).name))

    def on_click(self, event) -> None:
        if self.view is None:
            return
        row = self.scroll_offset.y + event.y - 1
        if 0 <= row < len(self.view.rows) and event.y >= 1:
            self.cursor = row
            self.post_message(self.ParameterSelected(self.view.rows.ref(row).name))
