"""The command palette: every action of the debugger, and every parameter by name."""

from __future__ import annotations

from functools import partial

from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider

from bptui.app.keys import palette
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


class Palette(CommandPalette):
    """Textual's command palette, with page keys that wait for its list.

    PageDown or PageUp typed in the same burst as ctrl+p reached the list after its options
    came and before it was laid out, and Textual's page move looked up a line the list did
    not have yet (KeyError, the app ended). Such a key now waits for the list's first layout
    (once: a list still not laid out then, one with no room, has no page to move by)."""

    PAGE_ACTIONS = ("page_up", "page_down")

    def _action_command_list(self, action: str, waited: bool = False) -> None:
        commands = self.query_one(CommandList)
        laid_out = bool(commands.scrollable_content_region)
        if action in self.PAGE_ACTIONS and commands.option_count and not laid_out:
            if not waited:
                self.call_after_refresh(self._action_command_list, action, True)
            return
        super()._action_command_list(action)
