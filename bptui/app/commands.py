"""The command palette: every action of the debugger, and every parameter by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
