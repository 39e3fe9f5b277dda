"""The breakpoints panel: list, add, enable or disable, delete."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from bptui.app.typeahead import KeysMayGo
from bptui.engine.breakpoints import Breakpoint, parse_breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.network import Network

HINT = (
    "Add one: w5 (stop at its gradient step) · E_total < 0.01 · nan · |dE_total/dw5| > 0.1 "
    "· |grad| > 1.\nIn the list, Enter or space turns one on or off, d deletes it; Esc closes."
)


class BreakpointsScreen(ModalScreen[list[Breakpoint]]):
    """Edits a copy of the breakpoints; dismissing returns the new list."""

    AUTO_FOCUS = "#add"

    BINDINGS: ClassVar[list[BindingType]] = [
        # (not a priority key: Esc typed right after an answer's Enter waits for the answer to
        # be added, as the keys go up the same widgets in order)
        Binding("escape", "close", "Close"),
        Binding("d,delete", "delete", "Delete"),
        Binding("space", "toggle", "Toggle"),
    ]

    DEFAULT_CSS = """
    BreakpointsScreen { align: center middle; }
    BreakpointsScreen > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 80%; border: round $primary;
        background: $surface; padding: 0 1;
    }
    BreakpointsScreen OptionList { height: auto; max-height: 12; }
    BreakpointsScreen Label { width: 1fr; }
    BreakpointsScreen #error { color: $text-error; }
    """

    def __init__(self, network: Network, breakpoints: list[Breakpoint]) -> None:
        super().__init__()
        self.network = network
        self.breakpoints = list(breakpoints)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Breakpoints"
            yield OptionList(id="list")
            yield Input(placeholder="add a breakpoint…", id="add")
            yield Label("", id="error", markup=False)  # (it quotes what was typed)
            yield Label(HINT)

    def on_mount(self) -> None:
        self._refresh()
        self.query_one(Input).focus()

    @property
    def holds_keys(self) -> bool:
        """Keys typed now wait until the field has focus (`b nan Enter` typed at once lost its
        first key and its Enter: the hostile trial)."""
        return not isinstance(self.focused, Input)  # (the list has focus for a moment first)

    def on_descendant_focus(self) -> None:
        if isinstance(self.focused, Input):
            self.app.post_message(KeysMayGo())  # (the keys typed ahead are the field's now)

    def _refresh(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for bp in self.breakpoints:
            mark = "●" if bp.enabled else "○"
            options.add_option(Option(Text(f"{mark} {bp.describe()}")))  # (never markup)
        if not self.breakpoints:
            options.add_option(Option("(none yet)", disabled=True))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            bp = parse_breakpoint(self.network, event.value)
        except BptuiError as error:
            self.query_one("#error", Label).update(str(error))
            return
        same = [
            b
            for b in self.breakpoints
            if (b.kind, b.param, b.threshold) == (bp.kind, bp.param, bp.threshold)
        ]
        if same:
            self.query_one("#error", Label).update(f"already in the list: {bp.describe()}")
            _clear_answered(event)  # (nothing typed is lost: it is in the list)
            return
        self.query_one("#error", Label).update("")
        self.breakpoints.append(bp)
        _clear_answered(event)
        self._refresh()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._toggle(event.option_index)

    def _toggle(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.breakpoints):
            self.breakpoints[index] = self.breakpoints[index].toggled()
            self._refresh()

    def action_toggle(self) -> None:
        self._toggle(self.query_one(OptionList).highlighted)

    def action_delete(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and 0 <= index < len(self.breakpoints):
            del self.breakpoints[index]
            self._refresh()

    def action_close(self) -> None:
        self.dismiss(self.breakpoints)


def _clear_answered(event: Input.Submitted) -> None:
    """Take the answer out of the field, and only it: keys typed after its Enter may already
    be in the field (`w6 Enter E_total < 0.01 Enter` at once lost its E: the hostile trial)."""
    typed = event.input.value
    event.input.value = typed[len(event.value) :] if typed.startswith(event.value) else typed
