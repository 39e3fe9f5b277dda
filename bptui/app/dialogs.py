"""Modal screens: the help, and a one-line question (run how many epochs, go where)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from bptui.app.keys import described
from bptui.app.typeahead import KeysMayGo

ABOUT = (
    "Select a parameter by its row in the table (Tab gives the table the keys: ↑ and ↓ move "
    "its cursor, Enter selects; or a click), by clicking its label or "
    "line in the diagram (a neuron's name selects its bias), or by name in the palette. "
    "The chain panel then stays pinned to it until u. Tab goes on to the step panel and the "
    "chain panel: ↑ ↓ PageUp PageDown scroll a panel that says ↓ more (as the wheel does). "
    "Values not yet computed in this pass "
    "show as ·; underlined values are those the current step uses; the current step's neuron "
    "or edge is shown in reverse."
)

DIAGRAM = (
    "Reading the diagram: each line joins two neurons, and its label sits on or beside it "
    "where no other line leads into it. `w5 0.4` is the weight; `w5 0.4 ∂0.082167041` adds "
    "∂E_total/∂w5 once the backward pass has it; `w5 0.4→0.35891648` is the update, old→new. "
    "With room for one number, `w5 ∂≈0.0822` gives the gradient and `w5⁺ ≈0.3589` the new "
    "weight. ≈ marks a number rounded to fewer decimals than the others; `unchanged`, an "
    "update under the weight's last digit. A crowded label gives the name alone, and some go "
    "without: the table has every weight. A neuron shows net, out, ∂E/∂out and δ (those that "
    "fit), an output its target after →, its own bias after b (b⁺ once updated); a layer's "
    "shared bias is in [ ] below it."
)


def _marked(words: str, style: str) -> Text:
    """README's `code` spans as styled text (the backticks dropped)."""
    text = Text()
    for i, part in enumerate(words.split("`")):
        text.append(part, style if i % 2 else "")
    return text


class HelpScreen(ModalScreen[None]):
    """Every key, and how to read the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", priority=True),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .key { color: $accent; text-style: bold; }
    HelpScreen > VerticalScroll {
        scrollbar-color: $primary; scrollbar-color-hover: $accent;
        scrollbar-background: $panel; scrollbar-background-hover: $panel;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "bptui keys (Esc closes)"
            keys = Table.grid(padding=(0, 2))
            keys.add_column(no_wrap=True)
            keys.add_column()
            for shown, what in described():
                keys.add_row(_marked(shown.replace("`, `", "  "), "bold"), _marked(what, "bold"))
            yield Static(keys)
            yield Static("")
            yield Static(ABOUT)
            yield Static("")
            yield Static(_marked(DIAGRAM, "bold"))

    def on_mount(self) -> None:
        scroll = self.query_one(VerticalScroll)
        self.watch(scroll, "scroll_y", self._say_where, init=False)
        scroll.call_after_refresh(self._say_where)

    def _say_where(self, _: float = 0.0) -> None:
        """The help is longer than the box at most sizes, and its scrollbar was hard to see (the
        newcomer trial): the box's bottom border says what is below, and how to get there."""
        scroll = self.query_one(VerticalScroll)
        below = int(scroll.max_scroll_y - scroll.scroll_y)
        if below > 0:
            scroll.border_subtitle = f"↓ {below} more lines: ↓ or PageDown"
        elif scroll.max_scroll_y > 0:
            scroll.border_subtitle = "the end · ↑ or PageUp goes back"
        else:
            scroll.border_subtitle = ""

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class AskScreen(ModalScreen[str | None]):
    """One question, one line of answer; Enter answers, Esc cancels.

    Keys typed fast are handed to it only once its field has focus, and none after its
    Enter or Esc until its answer has been acted on (see typeahead.py): those are the screen
    beneath's, or the next dialog's. Enter is a priority key so that the dialog is closed
    (and the keys after it held back) as the Enter arrives, not once the field has passed it on.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("enter", "submit", "Answer", priority=True),
        Binding("ctrl+s", "save_session", "Save the session", priority=True, show=False),
    ]

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen.bottom { align: center bottom; }
    AskScreen.bottom > Vertical { margin-bottom: 1; }
    /* (a note about the step, "7 steps jumped over", covered the question at the bottom) */
    AskScreen.bottom ToastRack { dock: top; align: right top; margin-bottom: 0; }
    AskScreen > Vertical {
        width: 70; max-width: 96%; height: auto; border: round $primary; background: $surface;
        padding: 0 1;
    }
    AskScreen Label { width: 100%; }
    AskScreen #hint { color: $text-error; }
    """

    def __init__(
        self, question: str, default: str = "", hint: str = "", bottom: bool = False
    ) -> None:
        super().__init__(classes="bottom" if bottom else None)
        self.question = question
        self.default = default
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)  # (it may name a file, or quote the user)
            # (the offered answer is selected as the field gets focus: what is typed replaces it)
            yield Input(value=self.default, id="answer")
            hint = Label(self.hint, id="hint")
            hint.display = bool(self.hint)
            yield hint

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def holds_keys(self) -> bool:
        """Keys typed now wait: the field has no focus yet, or the answer is given."""
        return self._answered or self.focused is None

    def on_descendant_focus(self) -> None:
        self.app.post_message(KeysMayGo())  # (the keys typed ahead are the field's now)

    def action_submit(self) -> None:
        self._answer(self.query_one(Input).value)

    def action_cancel(self) -> None:
        self._answer(None)

    def action_save_session(self) -> None:
        """ctrl+s saves the session even while a question is open (a teacher's handout that
        opens in predict mode on a step not yet answered): the screen beneath asks where
        (once: not from the question where)."""
        if sum(isinstance(screen, AskScreen) for screen in self.app.screen_stack) > 1:
            return
        for screen in reversed(self.app.screen_stack):
            save = getattr(screen, "action_save", None)
            if save is not None and screen is not self:
                save()
                return

    _answered = False

    def _answer(self, answer: str | None) -> None:
        """Close with the answer, once (an Enter and an Esc typed together must not close it
        twice: the second popped the screen beneath)."""
        if self._answered:
            return
        self._answered = True
        self.dismiss(answer)
