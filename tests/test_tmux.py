"""The real `bptui` in a real terminal (tmux), as a person runs it."""

from __future__ import annotations

import time

import pytest

from tests.tmux import Tmux, needs_tmux

pytestmark = needs_tmux
REFERENCE = [
    "0.3775",
    "0.593269992",
    "0.3925",
    "0.596884378",
    "1.105905967",
    "0.75136507",
    "1.224921404",
    "0.772928465",
    "0.274811083",
    "0.023560026",
    "0.298371109",
    "0.74136507",
    "0.186815602",
    "0.082167041",
    "0.138498562",
    "0.35891648",
    "0.408666186",
    "0.51130127",
    "0.561370121",
    "0.055399425",
    "−0.019049118",
    "0.036350306",
    "0.241300709",
    "0.000438568",
    "0.149780716",
    "0.199561432",
    "0.249751144",
    "0.299502287",
]


@pytest.fixture
def tmux():
    session = Tmux()
    yield session
    session.close()


def test_stepping_through_epoch_1_shows_every_reference_number(tmux: Tmux) -> None:
    seen = tmux.settle()
    assert "Mazur 2-2-2" in seen
    for _ in range(50):
        tmux.keys("n")
        seen += tmux.settle(still=0.15)
    for number in REFERENCE:
        assert number in seen, number


def test_ten_steps_forward_then_back_give_the_same_screen(tmux: Tmux) -> None:
    before = tmux.settle()
    for _ in range(10):
        tmux.keys("n")
        tmux.settle(still=0.1)
    assert "step 11/51" in tmux.settle()
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
