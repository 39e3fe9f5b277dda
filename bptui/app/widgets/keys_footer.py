"""The footer: Textual's, showing only keys whose label fits whole, and `? Help` and `q Quit`
always.

Textual's footer lays its keys out in a row that runs on under the command palette's key at
the right: at 60 to 80 columns the last one showed cut (`? Hel`), or a letter of a key under
the palette peeped out past it, and `? Help` itself, which says where every other key is, was
among the keys cut off. Here the keys that do not fit are left out, from the last, the help
key kept; the footer lays them out again when its width changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEPT = ("help", "quit")
"""The actions whose keys stay whatever the width (at 80 columns `q Quit` was left out)."""


def key_width(key: FooterKey, compact: bool) -> int:
    """The cells a key takes in the footer: its key, its description after a space, and the
    space after it (the compact footer's margin; the full footer pads both sides)."""
    width = cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0)
    return width + (1 if compact else 3)


def fitting(keys: list[FooterKey], room: int, compact: bool) -> list[FooterKey]:
    """The keys to show in `room` cells: in order while they fit, the help key kept."""
    widths = [key_width(key, compact) for key in keys]
    if sum(widths) <= room:
        return keys
    kept = [k for k, key in enumerate(keys) if key.action in KEPT]
    used = sum(widths[k] for k in kept)
    shown = set(kept)
    for k, width in enumerate(widths):
        if k in shown:
            continue
        if used + width > room:
            break
        shown.add(k)
        used += width
    return [key for k, key in enumerate(keys) if k in shown]


class KeysFooter(Footer):
    """Textual's footer, leaving out the keys that would be cut (help's stays)."""

    DEFAULT_CSS = """
    /* (the compact footer gives every key a margin on its right, the palette's too: docked
       right, it left its last cell to whatever ran under it) */
    KeysFooter.-compact FooterKey.-command-palette { margin-right: 0; }
    """

    _laid_out_for = -1
    _composed_for: tuple = ()

    def _keys_state(self, screen: Screen) -> tuple:
        """What the footer's keys show: each key's binding and whether it is enabled."""
        return tuple(
            (key, active.binding.action, active.binding.description, active.enabled, active.tooltip)
            for key, active in screen.active_bindings.items()
            if active.binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen) -> None:
        """Lay the keys out again only when one of them changed: Textual's footer did on every
        change of the bindings, five times as the screen started (a frame each)."""
        if not self.is_attached or screen is not self.screen:
            return super().bindings_changed(screen)
        state = self._keys_state(screen)
        if self._bindings_ready and state == self._composed_for:
            return None  # (shown, or about to be: a recompose is on its way)
        if self._bindings_ready and self.app.app_focus and self._same_keys(state):
            self._enable(state)
            return None
        if self.app.app_focus:  # (Textual's footer lays out nothing while the app is away)
            self._composed_for = state
        return super().bindings_changed(screen)

    def _same_keys(self, state: tuple) -> bool:
        """Whether `state` shows the keys shown, each with its action, description and
        tooltip: whether they are enabled alone differs."""
        shown = self._composed_for
        return len(state) == len(shown) and all(
            (*new[:3], new[4]) == (*old[:3], old[4]) for new, old in zip(state, shown, strict=True)
        )

    def _enable(self, state: tuple) -> None:
        """Enable and disable the keys shown in place: a step that enables `p` (the first) or
        ends an epoch would otherwise rebuild the footer, some 30 ms of the key's response."""
        self._composed_for = state
        enabled = {(key, action): on for key, action, _, on, _ in state}
        changed = []
        for footer_key in self.query(FooterKey):
            on = enabled.get((footer_key.key, footer_key.action))
            if on is not None and footer_key._disabled == on:
                footer_key._disabled = not on  # (a click on a disabled key rings the bell)
                footer_key.set_class(not on, "-disabled", update=False)
                changed.append(footer_key)
        # Their styles at once, not when the app is next idle: the keys are then repainted in
        # the step's own frame, not in one at least a frame's time (1/60 s) after it.
        if changed:
            self.app.stylesheet.update_nodes(changed, animate=False)

    def compose(self) -> Iterable[Widget]:
        if not self._bindings_ready and self.is_attached and self.app.app_focus:
            # (Textual's footer shows no key until the screen's bindings signal, after the
            # first frame: a second frame, some 50 ms later, brought the keys. The screen's
            # bindings are known as it mounts; a change signalled later lays them out again.)
            self.set_reactive(Footer._bindings_ready, True)
        if self._bindings_ready:
            self._composed_for = self._keys_state(self.screen)
        items = list(super().compose())
        palette = [item for item in items if item.has_class("-command-palette")]
        keys = [item for item in items if isinstance(item, FooterKey) and item not in palette]
        # (the footer spans the screen: before its first layout, the screen's width is its own)
        width = self.size.width or self.app.size.width
        if len(keys) + len(palette) != len(items) or not width:
            yield from items  # (key groups: Textual's footer as it is)
            return
        # the palette's key: the border on its left, its key, a space and its description
        room = width - sum(
            2 + cell_len(key.key_display) + cell_len(key.description) for key in palette
        )
        self._laid_out_for = width
        yield from fitting(keys, room, self.compact)
        yield from palette

    def on_resize(self) -> None:
        if self.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
