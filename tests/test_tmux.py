"""The real `bptui` in a real terminal (tmux), as a person runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.reference import MAZUR, shown
from tests.screen import last_index

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed on this machine"
)

BPTUI = str(Path(sys.executable).with_name("bptui"))
# Every number of the post's first epoch, as the screen writes it.
REFERENCE = sorted({shown(value) for value in MAZUR.values()})


class Tmux:
    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.name = f"bptui-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL_THEME")}
        subprocess.run(
            [
                "tmux",
                "-L",  # a private server: no test meets another's server shutting down
                self.name,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                f"{BPTUI}; echo EXIT=$?; sleep 30",
            ],
            check=True,
            env=env,
        )

    def capture(self) -> str:
        return subprocess.run(
            ["tmux", "-L", self.name, "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True)

    def settle(self, timeout: float = 10.0, still: float = 0.3) -> str:
        """The screen once it has not changed for `still` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.capture(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.capture()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= still and "bptui" in now:
                return now
        return last

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)


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
    assert f"step 11/{last_index() + 1}" in tmux.settle()
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
