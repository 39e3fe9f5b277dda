"""The real `bptui` in a real terminal (tmux), as a person runs it."""

from __future__ import annotations

import time

import pytest

from tests.reference import MAZUR, shown
from tests.screen import last_index
from tests.tmux import Tmux, needs_tmux

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
