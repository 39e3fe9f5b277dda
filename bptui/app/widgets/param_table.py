"""Every weight and bias with its gradient and update; draws only the rows on screen.

A stock DataTable builds every row up front (seconds for a big net), so this table is a
ScrollView over the engine's lazy `ParamRows`: `render_line` asks for the one row it draws,
and the finite differences of a row are computed when the row is first drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bptui.app.widgets.lines import ChangedLines
from bptui.engine.rows import ParamRows
from bptui.engine.view import Frame
from bptui.fmt import column, num

PENDING = "·"


@dataclass(frozen=True)
class TableView:
    """The rows to show and the position that decides which cells are filled in."""

    frame: Frame
    rows: ParamRows
    selected: str | None  # the chain panel's parameter
    marked: frozenset[str] = frozenset()  # parameters with a breakpoint


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

    def on_mount(self) -> None:
        self.border_title = "Parameters"

    # -- columns ----------------------------------------------------------------------------
    def _columns(self) -> list[tuple[str, str, int]]:
        """(key, title, width) of the columns, most important first; the table scrolls
        sideways, and the finite difference of the selected row gets a line of its own while
        its column is off screen."""
        view = self.view
        w = self.precision + 3
        wanted = [("name", " name", 6), ("value", "value", w), ("grad", "∂E/∂·", w)]
        if view is not None and view.rows.trace.epoch.batch_grads is not None:
            wanted.append(("batch", "epoch ∂E/∂·", w))
        wanted += [("step", "η·∂E/∂·", w), ("new", "new", w), ("edge", "from → to", 12)]
        if self.show_fd:
            wanted += [("fd", "finite diff.", w), ("err", "rel. err", 8)]
        return wanted

    def _fd_in_columns(self) -> bool:
        """Is the finite-difference column on screen (the table scrolls sideways)?"""
        x = 0
        for key, _, w in self._columns():
            if key == "fd":
                visible = self.scroll_offset.x + self.scrollable_content_region.width
                return x + w <= visible
            x += w + 1
        return False

    def watch_view(self) -> None:
        view = self.view
        if view is None:
            return
        width = sum(w + 1 for _, _, w in self._columns()) + 30
        self.virtual_size = Size(width, len(view.rows) + 1)
        self._follow_selected()
        self.call_after_refresh(self._follow_selected)  # once the new size is laid out
        self._redraw()

    def _redraw(self) -> None:
        """Repaint the rows on screen that changed (a step changes one or two)."""
        height = self.scrollable_content_region.height
        lines = [self._line(y) for y in range(height)]
        self.show_lines(
            lines,
            key=(self.size, self.scroll_offset, self.cursor, self.has_focus, self.show_fd),
            scrolled=False,
        )

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._redraw()

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        self._redraw()

    def on_resize(self) -> None:
        self._follow_selected()
        self._redraw()

    def _follow_selected(self) -> None:
        """The table's scroll follows the position: the selected row is in view."""
        view = self.view
        if view is not None and view.selected is not None:
            self._scroll_to_row(view.rows.index_of(view.selected))

    def watch_cursor(self) -> None:
        self._scroll_to_row(self.cursor)
        self.refresh()

    def watch_show_fd(self) -> None:
        self.watch_view()

    def _scroll_to_row(self, row: int) -> None:
        """Show `row` by a rule of the row alone (from the top while it fits), so that the
        same position always shows the same rows."""
        height = max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=0 if row < height else row - height // 2, animate=False)

    # -- drawing ----------------------------------------------------------------------------
    def line_width(self) -> int:
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        """One line of the table, on the widget's own background."""
        drawn = self.drawn_line(y)
        if drawn is not None and drawn.cell_length == self.line_width():
            return drawn
        return self._line(y).apply_style(self.rich_style)

    def _line(self, y: int) -> Strip:
        view = self.view
        width = self.scrollable_content_region.width
        if view is None:
            return Strip.blank(width, self.rich_style)
        if y == 0:
            return self._header(width)
        summary = self.fd_summary()
        if summary and y == self.scrollable_content_region.height - 1:
            return Strip([Segment(summary, Style(italic=True))]).crop_extend(0, width, None)
        row_index = self.scroll_offset.y + y - 1
        if row_index >= len(view.rows):
            return Strip.blank(width, self.rich_style)
        return self._row(view, row_index, width)

    def _header(self, width: int) -> Strip:
        text = " ".join(
            title.ljust(w) if key in ("name", "edge") else title.rjust(w)
            for key, title, w in self._columns()
        )
        style = Style(bold=True, underline=True)
        return Strip([Segment(text, style)]).crop_extend(
            self.scroll_offset.x, self.scroll_offset.x + width, None
        )

    def _cells(self, view: TableView, k: int) -> tuple[dict[str, str], bool, str]:
        """Every column's text for row k, whether its gradient is known yet, and a note."""
        frame = view.frame
        row = view.rows[k]
        p = self.precision
        grad_known = frame.gradient_reached(row.name)
        update_known = row.trained and frame.update_reached(row.name)
        marker = "▶" if row.name == view.selected else ("●" if row.name in view.marked else " ")
        cells = {
            "name": marker + row.name,
            "edge": row.edge,
            "value": num(row.value, p),
            "grad": column(row.gradient, p) if grad_known else PENDING,
            "batch": PENDING,
            "step": column(row.step, p) if update_known else PENDING,
            "new": column(row.new, p) if update_known else PENDING,
            "fd": PENDING,
            "err": PENDING,
        }
        if row.batch_gradient is not None and frame.step.sample < 0:
            cells["batch"] = column(row.batch_gradient, p)
        if not row.trained:
            cells["step"] = cells["new"] = "not trained"
        note = ""
        if self.show_fd and grad_known and self._fd_in_columns():
            numeric, error = view.rows.finite_difference(k)
            cells["fd"], cells["err"] = column(numeric, p), f"{error:.0e}"
            if row.other_order:
                note = " ≠ by design: through the updated weights above (after_output_update)"
        return cells, grad_known, note

    def _row(self, view: TableView, k: int, width: int) -> Strip:
        row_name = view.rows.ref(k).name
        cells, grad_known, note = self._cells(view, k)
        text = (
            " ".join(
                cells[key].ljust(w) if key in ("name", "edge") else cells[key].rjust(w)
                for key, _, w in self._columns()
            )
            + note
        )
        style = Style()
        if row_name == view.selected:
            style = Style(reverse=True, bold=True)
        elif k == self.cursor and self.has_focus:
            style = Style(underline=True)
        elif not grad_known:
            style = Style(dim=True)
        return Strip([Segment(text, style)]).crop_extend(
            self.scroll_offset.x, self.scroll_offset.x + width, None
        )

    def fd_summary(self) -> str:
        """The selected row's finite difference, for when its columns do not fit."""
        view = self.view
        if view is None or view.selected is None or not self.show_fd or self._fd_in_columns():
            return ""
        k = view.rows.index_of(view.selected)
        if not view.frame.gradient_reached(view.selected):
            return f"finite difference for {view.selected}: · (its gradient comes later)"
        numeric, error = view.rows.finite_difference(k)
        text = (
            f"finite difference for {view.selected}: {column(numeric, self.precision)}, "
            f"rel. error {error:.0e}"
        )
        if view.rows[k].other_order:
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
