"""The footer shows whole keys only, `? Help` at every width, and nothing past the palette.

Textual's footer ran its keys on under the palette's key: at 60 to 80 columns the last showed
cut (`^s Sav`, `? Hel`), a letter of a key under the palette peeped out at the right edge
(`^p palettep`), and `? Help` was among the keys cut off.
"""

from __future__ import annotations

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.loader import load_network
from tests.screen import screen_text


def labels(app: BptuiApp) -> list[str]:
    """Every key the footer may show now, in its order, as it shows it: "n Next", "? Help",
    ... (each action by its first key; not the palette's, which is on the right)."""
    shown: dict[str, str] = {}
    for key, active in app.screen.active_bindings.items():
        binding = active.binding
        if binding.show and key != app.COMMAND_PALETTE_BINDING and binding.action not in shown:
            shown[binding.action] = f"{app.get_key_display(binding)} {binding.description}"
    return list(shown.values())


def footer_keys(line: str) -> tuple[list[str], str]:
    """The footer's line cut into its labels (words of one key: a key, then its description),
    and what follows the palette's border."""
    keys, _, palette = line.partition("▏")
    return keys.split(), palette


@pytest.mark.parametrize("width", [60, 63, 64, 70, 80, 90, 100, 110, 120])
async def test_the_footer_shows_whole_keys_and_help_at_every_width(width: int) -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(width, 24 if width < 110 else 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DebuggerScreen)
        line = screen_text(app).splitlines()[-1]
        words, palette = footer_keys(line)
        assert palette == "^p palette", line  # (nothing after it, up to the last cell)
        shown = " ".join(words)
        assert "? Help" in shown and "q Quit" in shown, line
        # each key shown is whole: the line is labels, in their order, nothing cut
        every = labels(app)
        found = [label for label in every if label in shown]
        assert " ".join(found) == shown, (line, found)
        if width >= 110:
            assert found == every  # (the room for all of them)


async def test_the_footer_lays_its_keys_out_again_when_resized() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        for width, height in ((64, 22), (120, 40), (70, 24)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause(0.05)
            line = screen_text(app).splitlines()[-1]
            words, palette = footer_keys(line)
            shown = " ".join(words)
            every = labels(app)
            found = [label for label in every if label in shown]
            assert palette == "^p palette" and "? Help" in shown, line
            assert " ".join(found) == shown, (width, line)
            assert (found == every) == (width == 120), (width, line)
            # `v` brings up the panels a compact screen hides: in its footer, early
            assert ("v View" in shown) == (width < 110), (width, line)


async def test_the_footer_enables_its_keys_in_place_and_in_the_steps_own_frame(
    monkeypatch,
) -> None:
    """Textual's footer laid its keys out again on every change of the bindings (four times
    as the screen started, a frame each). Here a key enabled or disabled (`p Prev` once there
    is a step to go back to, not at the first) is restyled in place, without a new layout, and
    in the step's own frame: a style left to the app's next idle time reached the terminal in
    a frame of its own, some 30 ms after the step's (the first `n` took 25-40 ms instead of
    5, measured in tmux)."""
    from textual.screen import Screen
    from textual.widgets._footer import FooterKey

    from bptui.app.widgets.keys_footer import KeysFooter
    from bptui.app.widgets.step_panel import StepPanel

    count = [0]
    compose = KeysFooter.compose

    def counted(self):
        count[0] += 1
        return compose(self)

    frames: list[set] = []
    update = Screen._on_timer_update

    def recorded(self) -> None:
        frames.append(set(self._dirty_widgets))
        update(self)

    monkeypatch.setattr(KeysFooter, "compose", counted)
    monkeypatch.setattr(Screen, "_on_timer_update", recorded)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        footer = screen.query_one(KeysFooter)
        prev = next(k for k in footer.query(FooterKey) if k.action == "prev")
        panel = screen.query_one(StepPanel)

        def dimmed() -> bool:
            return bool(prev.rich_style.dim)

        def first_frame_of_the_step() -> set:
            return next(frame for frame in frames if panel in frame)

        assert count[0] <= 2 and prev._disabled and dimmed()
        started = count[0]
        frames.clear()
        await pilot.press("n")
        await pilot.pause(0.1)
        assert not prev._disabled and not dimmed()
        assert prev in first_frame_of_the_step()
        for _ in range(5):
            await pilot.press("n")
        await pilot.pause(0.1)
        frames.clear()
        await pilot.press("home")
        await pilot.pause(0.1)
        assert prev._disabled and dimmed()
        assert prev in first_frame_of_the_step()
        assert count[0] == started  # (enabled and disabled in place: no new layout)
        assert prev in footer.query(FooterKey)
