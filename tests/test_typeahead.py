"""Keys typed ahead go where they would have gone typed slowly (bptui/app/typeahead.py): here
every key is posted to the app at once, as a terminal read of fast typing hands them over,
before the app has handled the first. (tests/test_tmux.py types them in a real terminal.)"""

from __future__ import annotations

from textual import events

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.loader import load_network
from tests.screen import index_of

SIZE = (120, 40)
NAMES = {" ": "space", "=": "equals_sign", ".": "full_stop", "_": "underscore", "-": "minus"}


def typed(*parts: str) -> list[events.Key]:
    """Key events for `parts`: a key's name (`enter`, `escape`, `right`) or text."""
    keys = []
    for part in parts:
        if part in ("enter", "escape", "right", "left"):
            keys.append(events.Key(part, "\r" if part == "enter" else None))
            continue
        keys += [events.Key(NAMES.get(ch, ch), ch) for ch in part]
    return keys


async def type_at_once(app: BptuiApp, pilot, *parts: str) -> DebuggerScreen:
    for key in typed(*parts):
        app.post_message(key)
    for _ in range(500):  # (each pause lets a dialog open or close)
        await pilot.pause(0.01)
        if not app.type_ahead.waiting and not app.screen.holds_keys:
            break
    screen = app.screen
    assert isinstance(screen, DebuggerScreen), screen  # (no dialog left open)
    return screen


def w5(screen: DebuggerScreen) -> float:
    network = screen.history.network
    return float(screen.history.params_at(1).flat()[network.param("w5").flat_index])


async def test_edits_typed_at_once_apply_in_order() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        edits = [key for k in (1, 2, 3) for key in ("e", f"w5 = 0.{k}", "enter")]
        screen = await type_at_once(app, pilot, *edits)
        assert w5(screen) == 0.3
        assert [undo.label for undo in screen._undo] == [f"w5 = 0.{k}" for k in (1, 2, 3)]
        assert screen.position == (1, 0)


async def test_priority_keys_after_a_dialog_key_are_the_dialog_s() -> None:
    """`n` and → are priority keys (they step whatever has focus): typed after `g`, they are
    the go-to's text; after its Enter or Esc, they step."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await type_at_once(
            app, pilot, "g", "net_o1", "enter", "right", "g", "x", "escape", "n"
        )
        assert screen.position == (1, index_of("net_o1") + 2)


async def test_predictions_typed_at_once_answer_their_own_steps() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await type_at_once(
            app, pilot, "t", "0.3775", "enter", "n", "0.6", "enter", "right", "escape"
        )
        answers = {index: (a.answer, a.result) for (_, index), a in screen.predictions.items()}
        assert answers == {0: ("0.3775", "right"), 1: ("0.6", "wrong"), 2: ("", "skipped")}
        assert screen.position == (1, 2)


async def test_breakpoints_typed_at_once_are_all_added() -> None:
    """`b nan Enter` typed at once lost its n and its Enter, and `w6 Enter E_total < 0.01
    Enter` its E (the hostile trial): the dialog takes keys once its field has focus, and an
    answer's Enter takes only that answer out of the field."""
    NAMES.update({"<": "less_than_sign", "|": "vertical_line", ">": "greater_than_sign"})
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        parts = ["b", "nan", "enter", "w6", "enter", "E_total < 0.01", "enter", "|grad| > 0.1"]
        screen = await type_at_once(app, pilot, *parts, "enter", "escape")
        described = [bp.describe() for bp in screen.breakpoints]
        assert len(described) == 4, described
        assert any("E_total < 0.01" in text for text in described), described
