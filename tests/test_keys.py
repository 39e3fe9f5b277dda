"""One list of keys (bptui/app/keys.py) makes the bindings, the footer, the help screen, the
palette and README's table: these tests check that nothing is listed in one and missing in
another, and that README's table is exactly the one the list writes."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from bptui.app.app import BptuiApp
from bptui.app.commands import ACTIONS
from bptui.app.debugger import LOWER_VIEWS, DebuggerScreen
from bptui.app.keys import KEYS, described, readme_table
from bptui.engine.loader import load_network
from tests.screen import screen_text

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_key_table_is_the_one_the_keys_write() -> None:
    """Edit keys.py, then paste `python -c 'from bptui.app.keys import readme_table;
    print(readme_table())'` into README: a key added to one and not the other fails here."""
    assert readme_table() in README.read_text("utf-8")


def test_every_binding_comes_from_the_list_and_has_a_method() -> None:
    bindings = [b for b in DebuggerScreen.BINDINGS if isinstance(b, Binding)]
    assert [b.key for b in bindings] == [k.keys for k in KEYS if k.keys]
    for binding in bindings:
        name = binding.action.split("(")[0]
        assert callable(getattr(DebuggerScreen, f"action_{name}", None)), name


NAMES = {
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "right_curly_bracket": "}",
    "left_curly_bracket": "{",
    "exclamation_mark": "!",
    "question_mark": "?",
    "right": "→",
    "left": "←",
}
"""Textual's key names as README writes them."""


def test_every_key_is_described_once_in_the_help() -> None:
    """Each key either has its own words or is the second of a pair described by the key just
    before it (`[` after `]`): none is left out of the help and README."""
    shown = " ".join(row for row, _ in described())
    for key in KEYS:
        if not key.keys or key.action == "cancel_run":
            continue
        for name in key.keys.split(","):
            assert f"`{NAMES.get(name, name)}`" in shown, name
    assert "`Esc`" in " ".join(what for _, what in described())  # the run's stop key


def test_the_palette_offers_every_action_a_key_does_not_step() -> None:
    """The palette holds the actions worth finding by name (not the step keys), each with the
    key that does it, and open_network, which only the palette does."""
    offered = {action for _, action, _ in ACTIONS}
    for action in ("goto", "run", "continue_run", "breakpoints", "save", "toggle_fd",
                   "switch_order", "compare", "toggle_plot", "toggle_why", "help",
                   "open_network", "unpin", "cycle_view", "goto_nonfinite"):  # fmt: skip
        assert action in offered, action
    for title, action, help_text in ACTIONS:
        assert title and help_text, action
    assert ("Save the session", "save", "key: ctrl+s") in ACTIONS


async def test_the_footer_shows_every_footer_key_in_order_at_80_columns() -> None:
    """At 80×24 the footer reads `n Next p Prev ] Phase▶ …` whole, whichever panel has focus:
    before, the focused table's own ← and → came first and the footer read `← Prev → Next`
    until `v` moved the focus away."""
    expected = [f"{k.shown.split('`')[1]} {k.label}" for k in KEYS if k.footer]
    expected = [e.replace("ctrl+s", "^s") for e in expected] + ["^p palette"]
    # (`v` comes early, as a compact screen's panels hang on it; ^s Save, which the help
    # names, is the key 80 columns leave out: ? Help and q Quit stay at every width)
    expected.remove("v View")
    expected.insert(expected.index("] Phase▶") + 1, "v View")
    expected.remove("^s Save")
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(len(LOWER_VIEWS) + 1):
            for _ in range(50):  # (the footer recomposes after a change of focus: wait)
                footer = screen_text(app).splitlines()[-1]
                if all(word in footer for word in expected):
                    break
                await pilot.pause(0.05)
            place = 0
            for word in expected:
                found = footer.find(word, place)
                assert found >= 0, (word, footer)
                place = found + len(word)
            await pilot.press("v")
            await pilot.pause()
