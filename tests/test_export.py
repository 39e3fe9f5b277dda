"""The debugger's exports (`e` Markdown, `E` CSV, `S` SVG) from a Pilot session, each file
checked against something computed apart from the app (`bptui trace --format markdown` and
`bptui train --format json` in a process of their own, the screen's own text), and the writes
that fail: one line, the app goes on, an old file untouched."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from textual.widgets import Input

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.dialogs import AskScreen
from bptui.engine import atomic
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.session import Session, load_session, save_session
from bptui.report.exports import loss_csv
from tests.screen import screen_text, svg_text

SIZE = (120, 40)


def debugger(app: BptuiApp) -> DebuggerScreen:
    screen = app.screen
    assert isinstance(screen, DebuggerScreen)
    return screen


def notices(app: BptuiApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def export(pilot, key: str, path: str | None = None, *answers: str) -> str:
    """Press `key`, answer its question with `path` (None: the offered name), then each of
    `answers` (the replace question); the name the dialog offered."""
    app = pilot.app
    await pilot.press(key)
    # (pushed, and composed: a busy machine, or a run in the background, shows it between the two)
    await until(pilot, lambda: isinstance(app.screen, AskScreen) and bool(app.screen.query(Input)))
    field = app.screen.query_one(Input)
    offered = field.value
    if path is not None:
        field.value = path
    await pilot.press("enter")
    await pilot.pause()
    for text in answers:
        await until(pilot, lambda: "replace it?" in getattr(app.screen, "question", ""))
        app.screen.query_one(Input).value = text
        await pilot.press("enter")
        await pilot.pause()
    for worker in [w for w in app.workers if w.group == "export"]:
        await worker.wait()  # (the file is written in a thread)
    await pilot.pause()
    return offered


def _bptui(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bptui", *args], capture_output=True, text=True, check=True
    )
    return result.stdout


# -- Markdown ----------------------------------------------------------------------------------


def _trace_section(net: str, epoch: int, precision: int) -> str:
    """Epoch `epoch` of `bptui trace NET --format markdown`, with the document's header: the
    trace's text up to its first epoch and from this epoch's first heading to its end."""
    text = _bptui(
        "trace", net, "--epochs", str(epoch), "--format", "markdown", "--precision", str(precision)
    )
    header = text[: text.index("\n## Epoch 1 ")]
    section = text[text.index(f"\n## Epoch {epoch} ") :]
    last = section.rstrip().splitlines()[-3:]  # (the post's number may follow, in a note)
    assert any(line.startswith(f"**Epoch {epoch} done:**") for line in last)
    return header + section


@pytest.mark.parametrize(
    "net, epoch, precision", [("mazur", 3, 9), ("tanh-2332", 2, 4), ("relu-softmax", 1, 9)]
)
async def test_e_writes_the_epoch_exactly_as_the_trace_does(
    tmp_path: Path, monkeypatch, net: str, epoch: int, precision: int
) -> None:
    monkeypatch.chdir(tmp_path)
    network = load_network(net)
    app = BptuiApp(network, precision=precision)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(epoch, 5)
        await pilot.pause()
        offered = await export(pilot, "M")
        assert app.is_running
    slug = network.name.lower().replace(" ", "-")
    assert offered == f"{slug}-epoch-{epoch}.md"
    written = (tmp_path / offered).read_text("utf-8")
    assert written == _trace_section(net, epoch, precision)
    *before, message = notices(app)
    assert message == f"wrote {tmp_path / offered}: epoch {epoch} as Markdown"
    # (and, where the export took over half a second (a busy machine), that it was writing)
    assert before in ([], [f"writing {tmp_path / offered}…"]), before


# -- CSV ---------------------------------------------------------------------------------------


async def test_E_writes_every_known_loss_and_norm_at_full_precision(
    tmp_path: Path, monkeypatch
) -> None:
    """After a 50-epoch run, stepped back to epoch 2: all 50 epochs and epoch 0, each number
    the one `bptui train --format json` gives (its repr, read back bit for bit)."""
    monkeypatch.chdir(tmp_path)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.start_run(50)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.go(2, 0)
        await pilot.pause()
        offered = await export(pilot, "E")
        assert notices(app)[-1] == (
            f"wrote {tmp_path / offered}: the loss and gradient norms of epochs 0 to 50"
        )
    assert offered == "mazur-2-2-2-loss.csv"
    rows = list(csv.reader(io.StringIO((tmp_path / offered).read_text("utf-8"))))
    assert rows[0] == ["epoch", "loss", "grad_norm_1", "grad_norm_2"]
    assert [row[0] for row in rows[1:]] == [str(k) for k in range(51)]
    # epoch 0: the post's E_total before training
    assert rows[1][1:] == [rows[1][1], "", ""]
    assert round(float(rows[1][1]), 9) == 0.298371109
    trained = json.loads(_bptui("train", "mazur", "--epochs", "50", "--format", "json"))
    assert float(rows[-1][1]) == trained["loss"]
    assert [[float(v) for v in row[2:]] for row in rows[2:]] == trained["grad_norms"]
    for k in (1, 7):  # the loss after epoch k, as a k-epoch training gives it
        after = json.loads(_bptui("train", "mazur", "--epochs", str(k), "--format", "json"))
        assert rows[1 + k][1] == repr(after["loss"])


async def test_E_with_no_epoch_finished_writes_epoch_0_and_says_so(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        offered = await export(pilot, "E")
        (message,) = notices(app)
    assert "before training only (no epoch is finished yet)" in message
    lines = (tmp_path / offered).read_text("utf-8").splitlines()
    assert len(lines) == 2 and lines[1].startswith("0,0.2983711")
    assert lines[1].endswith(",,")


def test_a_restored_sessions_unknown_norms_are_left_empty(tmp_path: Path) -> None:
    history = History(load_network("xor"))
    history.extend(5)
    path = save_session(Session(history, 6, 0), tmp_path / "s.bptui")
    restored = load_session(path).history
    restored.extend(2)
    rows = list(csv.reader(io.StringIO(loss_csv(restored)[0])))
    layers = len(restored.network.layers)
    assert [len(row) for row in rows] == [2 + layers] * 9
    assert all(row[2:] == [""] * layers for row in rows[1:7])  # epochs 0 to 5
    assert all(v for row in rows[7:] for v in row)  # epochs 6 and 7 were run since
    assert [float(row[1]) for row in rows[2:]] == history.losses + restored.losses[5:]


# -- SVG ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["key", "palette"])
async def test_S_writes_the_screen_as_svg(tmp_path: Path, monkeypatch, via: str) -> None:
    """The picture is of the debugger as it was, never of the palette or the dialog."""
    monkeypatch.chdir(tmp_path)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nnnnnnn")
        await pilot.pause()
        shown = screen_text(app)
        if via == "key":
            offered = await export(pilot, "S")
        else:
            await pilot.press("ctrl+p")
            await pilot.pause()
            app.screen.query_one(Input).value = "Export the screen as SVG"
            await until(pilot, lambda: _first_hit(app).startswith("Export the screen as SVG"))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, AskScreen))
            offered = app.screen.query_one(Input).value
            await pilot.press("enter")
            await pilot.pause()
        assert app.is_running
    assert offered == "mazur-2-2-2-epoch-1-step-8.svg"
    svg = (tmp_path / offered).read_text("utf-8")
    ET.fromstring(svg)  # (it parses)
    assert svg_text(svg) == shown
    assert "step 8 of" in shown


async def until(pilot, condition, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"waited {seconds} s")


def _first_hit(app: BptuiApp) -> str:
    """The palette's first offer (or "")."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found or found.first().option_count == 0:
        return ""
    return str(found.first().get_option_at_index(0).prompt)


# -- names, runs, replacing --------------------------------------------------------------------


async def test_a_name_with_spaces_and_unicode(tmp_path: Path) -> None:
    target = tmp_path / "a lesson — ∂E über λ.md"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await export(pilot, "M", str(target))
    assert target.read_text("utf-8") == _trace_section("mazur", 1, 9)


async def test_an_existing_file_is_replaced_only_on_yes(tmp_path: Path) -> None:
    target = tmp_path / "loss.csv"
    target.write_text("mine\n")
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await export(pilot, "E", str(target), "n")
        assert target.read_text() == "mine\n" and notices(app) == []
        await export(pilot, "E", str(target), "y")
        assert target.read_text().startswith("epoch,loss,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.csv"]


async def test_markdown_and_csv_wait_for_a_run_and_the_screen_does_not(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = BptuiApp(load_network("tanh-2332"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.start_run(10_000_000)
        await pilot.pause()
        for key in ("M", "E"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen  # no dialog
            assert notices(app)[-1].startswith("a run is going")
        assert screen.running
        await export(pilot, "S")
        assert notices(app)[-1].startswith("wrote ")
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")  # the keys work again
    assert [p.suffix for p in tmp_path.iterdir()] == [".svg"]


# -- failing writes ----------------------------------------------------------------------------


def _fails_in_one_line(app: BptuiApp, fragment: str) -> None:
    assert app.is_running
    (message,) = notices(app)
    assert fragment in message, message
    assert "\n" not in message and len(message) <= 300


async def _refused(tmp_path: Path, key: str, path: str, fragment: str, *answers: str) -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await export(pilot, key, path, *answers)
        _fails_in_one_line(app, fragment)
        await pilot.press("n")
        assert screen.position == (1, 1)  # the app goes on
    assert not [p for p in tmp_path.rglob(".*.tmp")]


async def test_a_path_that_is_a_directory(tmp_path: Path) -> None:
    await _refused(tmp_path, "M", str(tmp_path), f"{tmp_path}: is a directory; nothing written")


async def test_a_name_too_long(tmp_path: Path) -> None:
    await _refused(tmp_path, "E", str(tmp_path / ("x" * 300 + ".csv")), "File name too long")


async def test_a_directory_that_is_not_there(tmp_path: Path) -> None:
    await _refused(tmp_path, "S", str(tmp_path / "no" / "x.svg"), "No such file or directory")


async def test_a_fifo_is_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    await _refused(tmp_path, "M", str(fifo), "exists and is not a regular file; not replaced")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
async def test_a_read_only_directory(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    old = folder / "loss.csv"
    old.write_text("old\n")
    folder.chmod(0o555)
    try:
        await _refused(tmp_path, "E", str(old), "Permission denied", "y")
    finally:
        folder.chmod(0o755)
    assert old.read_text() == "old\n"


async def test_a_directory_refusing_writes(tmp_path: Path, monkeypatch) -> None:
    """As the read-only directory above, for root too: making the temporary file fails with
    EACCES; the old file stays whole."""
    old = tmp_path / "e.md"
    old.write_text("old\n")

    def refuse(directory: Path, name: str) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic, "_new_temporary", refuse)
    await _refused(tmp_path, "M", str(old), f"{old}: cannot be written: Permission denied", "y")
    assert old.read_text() == "old\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
async def test_a_full_disk(tmp_path: Path, monkeypatch) -> None:
    """The temporary file's writes go to /dev/full (ENOSPC on every write): the old file stays
    byte for byte, no temporary is left."""
    old = tmp_path / "screen.svg"
    old.write_bytes(b"<svg>old</svg>")

    def on_a_full_disk(directory: Path, name: str) -> tuple[int, str]:
        return os.open("/dev/full", os.O_WRONLY), str(directory / f".{name}.1.00000000.tmp")

    monkeypatch.setattr(atomic, "_new_temporary", on_a_full_disk)
    await _refused(tmp_path, "S", str(old), "cannot be written: No space left on device", "y")
    assert old.read_bytes() == b"<svg>old</svg>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["screen.svg"]


async def test_a_slow_export_is_written_while_the_screen_goes_on(
    tmp_path: Path, monkeypatch
) -> None:
    """The loss of 10,000,000 epochs took 42 s to write as CSV, the screen frozen (the hostile
    trial): the text is made and written in a thread, and one that takes a while says so."""
    import threading

    from bptui.report import exports

    release = threading.Event()

    def slow_csv(history, epochs=None):
        release.wait(30)  # (slow until the test has seen the screen go on)
        return "epoch,loss\n", 0

    monkeypatch.setattr(exports, "loss_csv", slow_csv)
    target = tmp_path / "slow.csv"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, AskScreen))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause(0.1)
        await pilot.press("n", "n")
        await until(pilot, lambda: notices(app)[-1:] == [f"writing {target}…"])
        assert screen.position == (1, 2) and not target.exists()
        release.set()
        for worker in [w for w in app.workers if w.group == "export"]:
            await worker.wait()
        await pilot.pause()
        assert target.read_text() == "epoch,loss\n"
        assert notices(app)[-1].startswith(f"wrote {target}")


async def test_markdown_of_an_epoch_trace_refuses_is_refused_too(
    tmp_path: Path, monkeypatch
) -> None:
    """`M` on a net of 3,018,761 steps an epoch wrote 930 MB in 2.5 minutes and took 3.5 GB,
    with no word on screen (the hostile trial): an epoch `bptui trace` refuses, the export
    refuses in one line, asking nothing. (The limit is made small here.)"""
    from bptui.engine import trace

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(trace, "MAX_WORKED_STEPS", 50)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("M")
        await pilot.pause()
        assert app.screen is screen  # no dialog
        assert notices(app)[-1] == (
            "an epoch of this network is 51 steps, over the 50 a worked example writes out "
            "(as bptui trace)"
        )
    assert list(tmp_path.iterdir()) == []
