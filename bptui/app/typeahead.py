"""Keys typed ahead: handed on one at a time, in the order typed, each once the screen is
ready for it.

Textual hands a key to the focused widget by posting it, and the key's binding acts only
when the key has bubbled back up to the app; keys typed fast are meanwhile handed on to
whatever has focus then. So a key typed right after `g` reached the debugger before the go-to
dialog was up, and keys typed after a dialog's Enter reached the dialog's field before the
dialog had closed (`0.2ew5 = 0.3` in the field, or a `w` of the text saving the network).

Here the app holds every key it receives until the one before it has been handled (a marker
message posted after the key follows it up the same widgets; its return to the app means the
key, and its binding, are done) and until the screen is ready for keys: a screen says it is
not by its `holds_keys` attribute (a dialog before its field has focus, or after its answer
until that answer has been acted on; the debugger while a dialog is about to open), and
posts `KeysMayGo` when that is over.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.message import Message
from textual.message_pump import MessagePump

STUCK_SECONDS = 3.0
"""A key not handled after this long no longer holds the next ones back (a handler that
never ends must not take the keyboard with it)."""


class KeysMayGo(Message):
    """What held typed keys back is over (posted to the app): the next ones go on."""


class KeyHandled(Message):
    """Posted after a key to the widget the key went to: it bubbles up behind the key, and
    its reaching the app means the key has been handled."""


def as_typed(key: events.Key) -> list[events.Key]:
    """The keys the user typed, from one the terminal sent (see `split_escape`). Enter typed
    before Textual puts the terminal in raw mode (in the app's first few tenths of a second)
    comes as a newline, which the terminal's line discipline made of it (ICRNL), and
    Textual reads as ctrl+j: `g net_o1 Enter` typed at once left the go-to question open.
    bptui binds no ctrl+j: it is Enter."""
    if key.key == "ctrl+j":
        return [events.Key("enter", "\r")]
    return split_escape(key)


def split_escape(key: events.Key) -> list[events.Key]:
    """Esc and a key typed within Textual's escape delay (100 ms) reach the app as one
    alt+key (`g nn Esc G` left the go-to question open with `nnG` typed in it). bptui binds no
    alt key: an alt+ with a character that prints is the two keys typed (alt+backspace, which
    deletes a word in a field, stays itself), and so are alt+enter and alt+tab (Esc then
    Enter, predict mode's skip and go on, typed at once lost the Enter; the hostile trial)."""
    character = key.character
    if key.key in ("alt+enter", "alt+tab"):
        return [events.Key("escape", "\x1b"), events.Key(key.key[4:], character)]
    if not key.key.startswith("alt+") or not character or not character.isprintable():
        return [key]
    return [events.Key("escape", "\x1b"), events.Key(_character_to_key(character), character)]


class TypeAhead:
    """The keys the app has received and not yet handed on, and the one being handled."""

    def __init__(self, app: App, dispatch: Callable[[events.Key], Awaitable[None]]) -> None:
        self.app = app
        self._dispatch = dispatch  # Textual's own handling of a key (App.on_event)
        self._held: deque[events.Key] = deque()
        self._marker: KeyHandled | None = None  # the marker of the key being handled
        self._target: MessagePump | None = None  # where that key went
        self._since = 0.0
        self._handing = False

    @property
    def waiting(self) -> int:
        """How many keys are not yet handled: those held and the one on its way."""
        return len(self._held) + (self._marker is not None)

    async def arrived(self, key: events.Key) -> None:
        """A key from the terminal: handed on at once if nothing is waiting, else held."""
        self._held.extend(as_typed(key))
        await self.hand_on()

    def _waiting(self) -> bool:
        if self._marker is not None:
            return True
        if getattr(self.app, "command_pending", False):
            return True  # (a palette's command has yet to run: the keys are for what it opens)
        try:
            screen = self.app.screen
        except Exception:  # (no screen yet, or none left as the app closes)
            return False
        return bool(getattr(screen, "holds_keys", False))

    async def hand_on(self) -> None:
        """Hand on the keys held, in order, while the screen takes them."""
        if self._handing:
            return
        self._handing = True
        try:
            while self._held and not self._waiting():
                key = self._held.popleft()
                await self._dispatch(key)
                if key.is_forwarded:  # (no priority binding took it: it is on its way)
                    target = self.app.focused or self.app.screen  # (where Textual sent it)
                    self._marker, self._target = KeyHandled(), target
                    self._since = time.monotonic()
                    target.post_message(self._marker)
        finally:
            self._handing = False

    async def handled(self, marker: KeyHandled) -> None:
        """A marker is back: its key has been handled."""
        if marker is self._marker:
            self._marker = self._target = None
        await self.hand_on()

    async def unstick(self) -> None:
        """(Called every little while.) A marker lost with the widget it was posted to (a
        screen closed under it), or a key never done, no longer holds the keys back."""
        if self._marker is None:
            return
        target = self._target
        lost = target is not None and not getattr(target, "is_attached", True)
        if lost or time.monotonic() - self._since > STUCK_SECONDS:
            self._marker = self._target = None
            await self.hand_on()
