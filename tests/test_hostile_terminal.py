"""The real program in a real terminal when things go wrong: a crash, a kill, no terminal."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tmux import BPTUI, Tmux, needs_tmux

ROOT = Path(__file__).parent.parent


@pytest.fixture
def report_home(tmp_path: Path) -> Path:
    return tmp_path / "state"


def restored(tmux: Tmux) -> bool:
    """The terminal is back to normal: no alternate screen, no mouse reporting."""
    return tmux.display("alternate_on") == "0" and tmux.display("mouse_any_flag") == "0"


@needs_tmux
@pytest.mark.parametrize(
    "signal_name, status",
    [
        ("TERM", 143),
        ("HUP", 129),
        ("INT", 130),
        ("QUIT", 131),
        ("USR1", 138),
        ("USR2", 140),
        ("ALRM", 142),
        ("VTALRM", 154),
        ("PROF", 155),
    ],
)
def test_a_signal_restores_the_terminal(signal_name: str, status: int) -> None:
    tmux = Tmux(BPTUI)
    try:
        assert "Mazur 2-2-2" in tmux.settle()
        assert tmux.display("alternate_on") == "1"
        shell = tmux.display("pane_pid")
        child = subprocess.run(
            ["pgrep", "-P", shell, "-f", "bptui"], capture_output=True, text=True
        ).stdout.split()
        assert child, "bptui is not running"
        subprocess.run(["kill", f"-{signal_name}", child[0]], check=True)
        assert tmux.exit_status() == status
        assert restored(tmux)
    finally:
        tmux.close()


@needs_tmux
def test_a_terminal_closed_under_a_shell_that_ignores_sighup_ends_the_app(
    tmp_path: Path,
) -> None:
    """The shell ignores SIGHUP, so the app gets none when its terminal goes: it read
    end-of-file for ever at 85% of a CPU (the hostile trial). It now ends as after SIGHUP."""
    status = tmp_path / "status"
    tmux = Tmux(f"trap '' HUP; {BPTUI}; echo $? > {status}")
    try:
        assert "Mazur 2-2-2" in tmux.settle()
        shell = tmux.display("pane_pid")
        (child,) = subprocess.run(
            ["pgrep", "-P", shell, "-f", "bptui"], capture_output=True, text=True
        ).stdout.split()
        tmux.close()  # (the terminal goes; no SIGHUP reaches the app)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{child}").exists(), "bptui is still running"
        while not (status.exists() and status.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)  # (the shell writes the status a moment after the app ends)
        assert status.read_text().strip() == "129"
    finally:
        tmux.close()


@needs_tmux
@pytest.mark.parametrize("where", ["", "--in-a-worker"])
def test_a_crash_exits_non_zero_restores_the_terminal_and_names_its_report(
    report_home: Path, where: str
) -> None:
    """The traceback goes to the report, not over the shell (Textual printed it there, with
    every frame's locals), and a worker's is its own error's (the report said only
    `WorkerFailed`; the hostile trial)."""
    script = ROOT / "tests" / "crashing_app.py"
    tmux = Tmux(
        f"cd {ROOT} && {sys.executable} {script} {where} mazur",
        env={"XDG_STATE_HOME": str(report_home)},
    )
    try:
        assert "Mazur 2-2-2" in tmux.settle()
        tmux.keys("n")
        assert tmux.exit_status() == 70
        assert restored(tmux)
        screen = " ".join(tmux.capture().split())
        assert "bptui: an unexpected error stopped the debugger; the report is in" in screen
        assert "Traceback" not in screen and "deliberate" not in screen
        (report,) = (report_home / "bptui").iterdir()
        text = report.read_text(encoding="utf-8")
        crash = "a deliberate crash in a worker" if where else "a deliberate crash for the test"
        assert f"RuntimeError: {crash}" in text
        assert "Traceback (most recent call last)" in text and "def fail" not in text
        assert "crashing_app.py" in text  # (the frame that raised it)
        assert "bptui 0.1.0 crashed" in text
    finally:
        tmux.close()


@pytest.mark.parametrize("stdin", ["devnull", "pipe"])
def test_the_debugger_without_a_terminal_is_refused_at_once(stdin: str) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [BPTUI, "mazur"],
        stdin=subprocess.DEVNULL if stdin == "devnull" else subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("bptui: the debugger needs a terminal")
