"""The real `bptui` in a real terminal (tmux), as a person runs it."""

from __future__ import annotations

import time

import pytest

from tests.reference import MAZUR, shown
from tests.screen import last_index
from tests.tmux import BPTUI, Tmux, needs_tmux

pytestmark = needs_tmux
# Every number of the post's first epoch, as the screen writes it.
REFERENCE = sorted({shown(value) for value in MAZUR.values()})


@pytest.fixture
def tmux():
    session = Tmux()
    yield session
    session.close()


def test_stepping_through_epoch_1_shows_every_reference_number(tmux: Tmux) -> None:
    seen = tmux.settle()
    assert "Mazur 2-2-2" in seen
    for _ in range(last_index()):
        tmux.keys("n")
        seen += tmux.settle(still=0.15)
    for number in REFERENCE:
        assert number in seen, number


def test_ten_steps_forward_then_back_give_the_same_screen(tmux: Tmux) -> None:
    before = tmux.settle()
    for _ in range(10):
        tmux.keys("n")
        tmux.settle(still=0.1)
    assert f"step 11 of {last_index() + 1}" in tmux.settle()
    for _ in range(10):
        tmux.keys("p")
        tmux.settle(still=0.1)
    assert tmux.settle() == before


def test_q_exits_with_status_0(tmux: Tmux) -> None:
    tmux.settle()
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "EXIT=" not in tmux.capture():
        time.sleep(0.1)
    assert "EXIT=0" in tmux.capture()


def test_keys_typed_fast_after_g_reach_the_dialog(tmux: Tmux) -> None:
    """`g out_o2` typed in one breath: every key after g is the dialog's, none the screen's
    (its `o` once switched the hidden-gradient order)."""
    tmux.settle()
    tmux.keys("g", "out_o2", "Enter")
    screen = tmux.settle()
    assert "out_o2" in screen and "OUT" not in screen
    assert "step 8 of" in screen, screen
    assert "all gradients before any update" in screen  # the order never switched


def test_predict_mode_right_and_wrong_in_a_real_terminal(tmux: Tmux) -> None:
    """Predict mode in the real program: t asks for net_h1 with its numbers; 0.3775 is right;
    then `n0.6` and Enter typed in one breath: the 0.6 is out_h1's answer (never the keys of
    the screen beneath), wrong, and the value 0.593269992 is shown beside it."""
    tmux.settle()
    tmux.keys("t")
    screen = tmux.settle()
    assert "net_h1 = 0.15·0.05 + 0.2·0.1 + 0.35 = ?" in screen
    tmux.keys("0.3775", "Enter")
    screen = tmux.settle()
    assert "✓ right: you said 0.3775" in screen
    tmux.keys("n0.6", "Enter")
    screen = tmux.settle()
    assert "step 2 of 51" in screen, screen
    assert "✗ you said 0.6; it is 0.593269992" in screen, screen
    assert "1 of 2 right this epoch" in screen


def test_edit_w5_then_undo_in_a_real_terminal(tmux: Tmux) -> None:
    """At net_o1, `e` and `w5 = 0.3`: net_o1 becomes 0.3·out_h1 + 0.45·out_h2 + 0.6, worked
    out here (1.046578968); ctrl+z gives back the very screen shown before, character for
    character."""
    import math

    tmux.settle()
    tmux.keys("g", "net_o1", "Enter")
    before = tmux.settle()
    assert "net_o1" in before and "1.105905967" in before
    tmux.keys("e")
    tmux.settle()
    tmux.keys("C-u")  # (alone: Textual's Input acts on a key binding after the typed text)
    tmux.settle()
    tmux.keys("w5 = 0.3", "Enter")
    after = tmux.settle()
    out_h1 = 1 / (1 + math.exp(-(0.15 * 0.05 + 0.2 * 0.1 + 0.35)))
    out_h2 = 1 / (1 + math.exp(-(0.25 * 0.05 + 0.3 * 0.1 + 0.35)))
    net_o1 = 0.3 * out_h1 + 0.45 * out_h2 + 0.6
    assert f"{net_o1:.9f}" in after, after
    tmux.keys("C-z")
    time.sleep(4.5)  # (the messages that say what was changed and undone go after 4 s)
    assert tmux.settle(still=1.0) == before


def test_what_is_typed_is_never_read_as_markup(tmux: Tmux) -> None:
    """The hostile trial: `[/]` typed into go-to, the breakpoints panel or a prediction
    crashed the debugger (exit 70): their messages were read as Textual markup. (Pilot's
    headless screen does not draw the toasts that crashed: a real terminal does.)"""
    tmux.settle()
    tmux.keys("g")
    tmux.settle(still=0.1)
    tmux.keys("-l", "[/]")
    tmux.keys("Enter")
    assert "no step computes [/]" in tmux.settle()
    tmux.keys("b")
    tmux.settle(still=0.1)
    tmux.keys("-l", "x[/]")
    tmux.keys("Enter")
    assert "x[/]" in tmux.settle()
    tmux.keys("Escape")
    tmux.settle(still=0.1)
    tmux.keys("t")
    tmux.settle(still=0.1)
    tmux.keys("-l", "[b]1")
    tmux.keys("Enter")
    screen = tmux.settle()
    assert "'[b]1' is not a number" in screen
    assert "EXIT=" not in screen and "Error" not in screen


def test_edits_typed_fast_never_close_a_dialog_twice(tmp_path) -> None:
    """The hostile trial: three `e w5 = … Enter` typed in one breath crashed the debugger
    about one time in two (an Enter typed ahead and the field's own both closed a dialog, and
    the second popped the debugger's screen). Typed that fast, a key may still land in another
    dialog (run in a folder of its own: `w` saves there); the debugger goes on and steps."""
    tmux = Tmux(f"cd {tmp_path} && {BPTUI}")
    try:
        tmux.settle()
        for k in range(4):
            tmux.keys("e", f"w5 = 0.{k + 1}", "Enter")
        screen = tmux.settle()
        assert "EXIT=" not in screen and "Error" not in screen
        for _ in range(3):  # (a dialog may still be open)
            tmux.keys("Escape")
            tmux.settle(still=0.1)
        tmux.keys("n", "n")
        screen = tmux.settle()
        assert "step 3 of 51" in screen, screen
    finally:
        tmux.close()
