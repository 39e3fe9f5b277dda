"""A real terminal for tests: a private tmux server running one command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BPTUI = str(Path(sys.executable).with_name("bptui"))
ROOT = Path(__file__).resolve().parent.parent
needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed on this machine"
)


class Tmux:
    """`command` in a width × height terminal; after it ends the pane shows `EXIT=<status>`."""

    def __init__(
        self,
        command: str = BPTUI,
        width: int = 120,
        height: int = 40,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = f"bptui-{uuid.uuid4().hex[:8]}"
        # COLUMNS and LINES go too: pytest-xdist's workers set them to 80 and 24, and Textual
        # (shutil.get_terminal_size) takes them over the pane's own size.
        dropped = ("NO_COLOR", "TEXTUAL_THEME", "COLUMNS", "LINES")
        environment = {k: v for k, v in os.environ.items() if k not in dropped}
        # This checkout's bptui, not the one the venv's editable install points at (another
        # worktree's: `bptui` and `python -m bptui` from elsewhere import that one).
        path = [str(ROOT), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
        environment["PYTHONPATH"] = os.pathsep.join(path)
        environment.update(env or {})
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
                f"{command}; echo EXIT=$?; sleep 30",
            ],
            check=True,
            env=environment,
        )

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.name, *args], capture_output=True, text=True, check=True
        ).stdout

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def display(self, variable: str) -> str:
        """A tmux format variable of the pane, e.g. `alternate_on` or `mouse_any_flag`."""
        return self.tmux("display-message", "-p", "-t", self.name, f"#{{{variable}}}").strip()

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

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

    def exit_status(self, timeout: float = 10.0) -> int | None:
        """The command's exit status once the pane shows it (None: it did not end)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.capture().splitlines():
                if line.startswith("EXIT="):
                    return int(line[len("EXIT=") :])
            time.sleep(0.1)
        return None

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)
