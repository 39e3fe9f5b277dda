"""Saved sessions: an identical screen on reopening, atomic saves, clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.breakpoints import Breakpoint
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.session import Session, load_session, save_session
from tests.screen import answer, record_notices, screen_text, written

SIZE = (120, 40)


async def test_a_session_reopens_on_an_identical_screen(tmp_path: Path) -> None:
    """Save at epoch 3, step 17, after a 500-epoch run, with w1 pinned and two breakpoints."""
    path = tmp_path / "lesson.bptui"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        screen.start_run(500)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.go(3, 16)
        screen.pin("w1")
        screen.breakpoints = [
            Breakpoint("gradient", "w5"),
            Breakpoint("loss_below", threshold=0.001),
        ]
        screen.show()
        await pilot.pause()
        before = screen_text(app)
        svg_before = app.export_screenshot()
        save_session(screen.to_session(), path)

    session = load_session(path)
    assert (session.epoch, session.index, session.pinned) == (3, 16, "w1")
    assert session.history.epochs_done == 500
    again = BptuiApp(session=session, session_path=str(path))
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen_text(again) == before
        assert again.export_screenshot() == svg_before
        screen = again.screen
        assert isinstance(screen, DebuggerScreen)
        assert len(screen.breakpoints) == 2


def test_parameters_round_trip_bit_for_bit(tmp_path: Path) -> None:
    network = load_network("xor")
    history = History(network)
    history.extend(1234)
    path = save_session(Session(history, 7, 3), tmp_path / "x.bptui")
    restored = load_session(path).history
    for epoch in (1, 2, 999, 1000, 1001, 1235):
        assert restored.params_at(epoch).equals(history.params_at(epoch))
    assert [v.hex() for v in restored.losses] == [v.hex() for v in history.losses]


def _saved(tmp_path: Path) -> tuple[Path, bytes]:
    path = save_session(Session(History(load_network("mazur"))), tmp_path / "old.bptui")
    return path, path.read_bytes()


def test_a_failing_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch
) -> None:
    path, old = _saved(tmp_path)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    history = History(load_network("mazur"))
    history.extend(10)
    with pytest.raises(BptuiError):
        save_session(Session(history, 5, 0), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.bptui"]


def test_a_write_failing_halfway_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch
) -> None:
    path, old = _saved(tmp_path)

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(BptuiError):
        save_session(Session(History(load_network("xor")), 1, 0), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.bptui"]


def test_saving_over_a_link_writes_the_file_it_names(tmp_path: Path) -> None:
    """A save over a symbolic link replaced the link with a copy and left the file it named as
    it was (the hostile trial): the link is written through, as a shell's `>` does."""
    path, _ = _saved(tmp_path)
    link = tmp_path / "link.bptui"
    link.symlink_to(path.name)
    history = History(load_network("xor"))
    save_session(Session(history, 1, 0), link)
    assert link.is_symlink() and os.readlink(link) == path.name
    assert load_session(path).history.network.name == history.network.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bptui", "old.bptui"]


def test_saving_never_replaces_a_file_that_is_not_a_session(tmp_path: Path) -> None:
    precious = tmp_path / "notes.bptui"
    precious.write_text("my notes\n")
    with pytest.raises(BptuiError, match="not a bptui session"):
        save_session(Session(History(load_network("mazur"))), precious)
    assert precious.read_text() == "my notes\n"


def _bad_sessions(tmp_path: Path) -> dict[str, Path]:
    _, data = _saved(tmp_path)
    document = json.loads(data)
    files = {}
    files["truncated"] = tmp_path / "truncated.bptui"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["corrupt"] = tmp_path / "corrupt.bptui"
    files["corrupt"].write_bytes(b"\x00\xff garbage")
    newer = dict(document, version=3)
    files["newer"] = tmp_path / "newer.bptui"
    files["newer"].write_text(json.dumps(newer))
    broken = dict(document, history=dict(document["history"], checkpoints={"1": [0.1]}))
    files["wrong sizes"] = tmp_path / "sizes.bptui"
    files["wrong sizes"].write_text(json.dumps(broken))
    return files


def test_corrupt_truncated_and_newer_sessions_exit_2_with_one_line(tmp_path: Path) -> None:
    stderr = {}
    for kind, path in _bad_sessions(tmp_path).items():
        result = subprocess.run(
            [sys.executable, "-m", "bptui", str(path)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, kind
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        assert str(path) in result.stderr
        stderr[kind] = result.stderr
    assert "version 3" in stderr["newer"]


@pytest.mark.parametrize("command", ["trace", "train", "check"])
def test_headless_commands_refuse_a_session(tmp_path: Path, command: str) -> None:
    path, _ = _saved(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bptui", command, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "session" in result.stderr and len(result.stderr.splitlines()) == 1


async def test_a_bad_session_opened_from_the_app_keeps_the_current_one(tmp_path: Path) -> None:
    bad = _bad_sessions(tmp_path)["truncated"]
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("n", "n")
        await screen.run_action("open_network")
        await pilot.pause()
        await answer(pilot, str(bad))
        await pilot.pause()
        assert app.screen is screen and screen.position == (1, 2)


async def test_ctrl_s_saves_where_asked(tmp_path: Path) -> None:
    target = tmp_path / "mine.bptui"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "ctrl+s")
        await pilot.pause()
        await answer(pilot, str(target))  # in place of the default
        await written(pilot)
    assert load_session(target).index == 3


async def test_ctrl_s_takes_a_home_directorys_tilde_as_the_other_saves_do(
    tmp_path: Path, monkeypatch
) -> None:
    """`~/x.bptui` was "cannot be written: No such file or directory" (the hostile trial)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
        await answer(pilot, "~/x.bptui")
        await written(pilot)
    assert load_session(tmp_path / "x.bptui").index == 1


@pytest.mark.parametrize(
    ("size", "keys"),
    [((120, 40), ["y", "f", "G", "L"]), ((80, 24), ["v", "v", "y", "L"]), ((80, 24), ["G"])],
)
async def test_a_session_keeps_how_the_screen_shows_things(
    tmp_path: Path, size: tuple[int, int], keys: list[str]
) -> None:
    """The words under a step (y), the finite differences (f), the plot (G) and its scale
    (L), and a small screen's panel (v) are as they were saved (a reopened session showed
    the why, the finite differences and the loss plot again; the hostile trial)."""
    path = tmp_path / "view.bptui"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("end", "n", *keys)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        before = screen_text(app)
        save_session(screen.to_session(), path)
    document = json.loads(path.read_text("utf-8"))
    assert document["version"] == 2 and "view" in document["settings"]
    again = BptuiApp(session=load_session(path), session_path=str(path))
    async with again.run_test(size=size) as pilot:
        await pilot.pause()
        assert screen_text(again) == before


def test_a_session_of_the_default_view_stays_version_1(tmp_path: Path) -> None:
    path = save_session(Session(History(load_network("mazur"))), tmp_path / "plain.bptui")
    document = json.loads(path.read_text("utf-8"))
    assert document["version"] == 1 and "view" not in document["settings"]
    document["settings"]["view"] = {
        "why": False, "finite_differences": True, "plot": "loss", "loss_log": True,
        "norms_log": True, "lower": "diagram",
    }  # fmt: skip
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(BptuiError, match=r"settings\.view"):  # (a version 1 file has none)
        load_session(path)


async def test_a_slow_save_is_written_while_the_screen_goes_on(tmp_path: Path, monkeypatch) -> None:
    """A session of 10,000,000 epochs (232 MB) took 10 s to save with the screen frozen (the
    hostile trial): it is written in a thread, and one that takes a while says so."""
    import time

    from bptui.engine import session as session_module

    real = session_module.save_session

    def slow_save(session, target):
        time.sleep(1.5)
        return real(session, target)

    monkeypatch.setattr(session_module, "save_session", slow_save)
    target = tmp_path / "slow.bptui"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        notices = record_notices(app)
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
        await answer(pilot, str(target))
        await pilot.press("n", "n")
        await pilot.pause(0.7)
        screen = app.screen
        assert isinstance(screen, DebuggerScreen) and screen.position == (1, 3)
        assert not target.exists() and notices[-1] == f"saving to {target}…"
        await written(pilot)
        assert notices[-1] == f"saved to {target}"
    assert load_session(target).index == 1  # (where it was when asked)
