"""The command palette: every action of the debugger, and every parameter by name."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider

from bptui.app.keys import palette
from bptui.app.typeahead import KeysMayGo
from bptui.engine.symbols import normalize

ACTIONS = palette()
"""(title, action, help): every action the palette offers, from `bptui.app.keys.KEYS`."""


class DebuggerCommands(Provider):
    """Actions and parameters for the palette (ctrl+p)."""

    def _commands(self) -> list[tuple[str, object, str]]:
        screen = self.screen
        commands: list[tuple[str, object, str]] = [
            (title, partial(screen.run_action, action), help_text)
            for title, action, help_text in ACTIONS
        ]
        network = screen.history.network  # type: ignore[attr-defined]
        for ref in network.param_refs:
            edge = f"{ref.source} → {ref.target}" if ref.kind == "weight" else ref.target
            commands.append(
                (
                    f"Select {ref.name} ({edge})",
                    partial(screen.pin, ref.name),
                    "pin the chain panel to it",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands()[: len(ACTIONS)]:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(normalize(query) if query.strip() else query)
        plain = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = max(matcher.match(title), plain.match(title))
            if score > 0:
                yield Hit(score, plain.highlight(title), callback, help=help_text)


SEARCH_TRY_SECONDS = 0.01
SEARCH_SETTLE_TRIES = 3  # (the field's last Changed message reaches the palette first)
SEARCH_MOST_TRIES = 300


class Palette(CommandPalette):
    """Textual's command palette, with page keys that wait for its list.

    PageDown or PageUp typed in the same burst as ctrl+p reached the list after its options
    came and before it was laid out, and Textual's page move looked up a line the list did
    not have yet (KeyError, the app ended). Such a key now waits for the list's first layout
    (once: a list still not laid out then, one with no room, has no page to move by)."""

    PAGE_ACTIONS = ("page_up", "page_down")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "enter", "Choose", show=False, priority=True),
    ]
    CHOOSING_SECONDS = 0.1  # Enter that only highlights lets the keys go after this long

    _gone = False

    @property
    def holds_keys(self) -> bool:
        """Keys typed ahead wait until the search field has the focus (see typeahead.py)."""
        return self.focused is None

    def on_descendant_focus(self) -> None:
        self.app.post_message(KeysMayGo())

    def action_enter(self) -> None:
        """Enter chooses a command (or highlights the first): keys typed after it wait for
        the command to run, and for the screen it opens (the app's `command_pending`). Typed
        at once after `theme` Enter, `light` went to the debugger beneath, and the picker's
        own Enter reached it twice, the second dismissing the debugger: a blank screen (the
        hostile trial)."""
        self.app.command_pending = True  # type: ignore[attr-defined]
        self._enter_when_searched()

    def _enter_when_searched(self, tries: int = 0) -> None:
        """Choose once the search for what was typed has ended: `select w7` Enter typed at
        once chose the first of the list as it was before the search (w1). The search
        starts from a message the field posts after each key, so a few hundredths of a second
        go by first, and a search still running is waited for (3 s at most)."""
        searching = any(
            worker.node is self and worker.group == self._GATHER_COMMANDS_GROUP
            and not worker.is_finished
            for worker in self.app.workers
        )  # fmt: skip
        if (tries < SEARCH_SETTLE_TRIES or searching) and tries < SEARCH_MOST_TRIES:
            self.set_timer(SEARCH_TRY_SECONDS, lambda: self._enter_when_searched(tries + 1))
            return
        self._select_or_command()
        self.set_timer(self.CHOOSING_SECONDS, self._chosen)

    def _chosen(self) -> None:
        if not self._gone and self.is_current:  # (only highlighted: the palette stays)
            self.app.command_pending = False  # type: ignore[attr-defined]
            self.app.post_message(KeysMayGo())

    def _select_or_command(self, event=None) -> None:  # type: ignore[no-untyped-def]
        if not self._gone:  # (a palette closing takes no second choice)
            super()._select_or_command(event)

    def dismiss(self, result=None):  # type: ignore[no-untyped-def]
        """Once: a second dismiss would close the screen beneath."""
        if self._gone:
            return None
        self._gone = True
        return super().dismiss(result)

    def _action_command_list(self, action: str, waited: bool = False) -> None:
        commands = self.query_one(CommandList)
        laid_out = bool(commands.scrollable_content_region)
        if action in self.PAGE_ACTIONS and commands.option_count and not laid_out:
            if not waited:
                self.call_after_refresh(self._action_command_list, action, True)
            return
        super()._action_command_list(action)
