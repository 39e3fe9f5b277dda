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

ABOUT = (
    "Select a parameter by its row in the table (Enter or a click), by clicking its label or "
    "line in the diagram (a neuron's name selects its bias), or by name in the palette. "
    "The chain panel then stays pinned to it until u. Values not yet computed in this pass "
    "show as ·; underlined values are those the current step uses; the current step's neuron "
    "or edge is shown in reverse."
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

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class AskScreen(ModalScreen[str | None]):
    """One question, one line of answer; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", priority=True)]

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen.bottom { align: center bottom; }
    AskScreen.bottom > Vertical { margin-bottom: 1; }
    AskScreen > Vertical {
        width: 70; height: auto; border: round $primary; background: $surface;
        padding: 0 1;
    }
    AskScreen Label { width: 100%; }
    AskScreen #hint { color: $text-error; }
    """

    def __init__(
        self,
        question: str,
        default: str = "",
        hint: str = "",
        typed: list[tuple[str, str | None]] | None = None,
        bottom: bool = False,
    ) -> None:
        super().__init__(classes="bottom" if bottom else None)
        self.question = question
        self.default = default
        self.hint = hint
        self._typed = typed if typed is not None else []  # keys typed before it was shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)  # (it may name a file, or quote the user)
            yield Input(value=self.default, id="answer")
            hint = Label(self.hint, id="hint")
            hint.display = bool(self.hint)
            yield hint

    def on_mount(self) -> None:
        self.query_one(Input).focus()  # (Textual's own focus may come later than keys typed)
        self._apply_typed()

    def _apply_typed(self) -> None:
        """Keys typed ahead replace the offered answer, as typing into it would."""
        if not self._typed:
            return
        field = self.query_one(Input)
        typed = list(self._typed)
        self._typed.clear()
        text = field.value if field.value != self.default else ""
        for key, character in typed:
            if key == "escape":
                self._answer(None)
                return
            if key == "enter":
                self._answer(text)
                return
            if key == "backspace":
                text = text[:-1]
            elif character is not None and character.isprintable():
                text += character
        field.value = text
        field.cursor_position = len(text)

    def type_ahead(self, key: str, character: str | None) -> None:
        """A key typed before this dialog came up that reached the screen beneath: it is this
        dialog's, as if typed into it."""
        self._typed.append((key, character))
        if self.is_mounted:
            self._apply_typed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._answer(event.value)

    def action_cancel(self) -> None:
        self._answer(None)

    _answered = False

    def _answer(self, answer: str | None) -> None:
        """Close with the answer, once: an Enter typed ahead and one typed into the field
        (keys typed fast) must not close it twice (the second popped the screen beneath)."""
        if self._answered:
            return
        self._answered = True
        self.dismiss(answer)
