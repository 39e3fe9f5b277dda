"""The learner's numbers in the debugger: `bptui NET --compare YOURS` (and the palette's
"Compare with your numbers") marks each compared step ✓ or ✗ in the step panel and the table,
and `x` goes to the first divergence. The YOURS files are written by the independent learners
of tests/test_compare_yours.py (plain Python backprop, each with one classic mistake)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.param_table import ParamTable
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.compared import Compared
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.session import Session
from bptui.engine.yours import read_yours
from tests.screen import answer, record_notices, screen_text
from tests.test_compare_yours import DEEP, MAZUR, Learner, batch, net_file, write_yours
from tests.tmux import BPTUI, Tmux, needs_tmux

SIZE = (120, 40)
HERE = Path(__file__).parent


def yours(tmp_path: Path, net=MAZUR, mistake: str | None = None, fmt: str = "json") -> Path:
    entries = Learner(net, mistake).run()
    return write_yours(tmp_path / f"yours.{fmt}", entries, fmt)


def compared_for(network, path: Path) -> tuple[History, Compared]:
    history = History(network)
    return history, Compared.make(network, read_yours(path), history.trace)


def app_with(network, compared: Compared | None, history: History) -> BptuiApp:
    return BptuiApp(session=Session(history), compared=compared)


def debugger(app: BptuiApp) -> DebuggerScreen:
    screen = app.screen
    assert isinstance(screen, DebuggerScreen)
    return screen


def index_of(trace, symbol: str, sample: int = 0) -> int:
    return next(
        k for k, step in enumerate(trace) if step.symbol == symbol and step.sample == sample
    )


# -- the engine's marks ---------------------------------------------------------------------------


def test_a_correct_learner_is_marked_right_everywhere(tmp_path: Path) -> None:
    network = load_network("mazur")
    history, compared = compared_for(network, yours(tmp_path))
    assert compared.first is None
    assert compared.rows and all(compared.mark(*place) == "✓" for place in compared.rows)
    trace = history.trace(1)
    marks = compared.param_marks(trace, 0)
    assert marks["w5"] == ("✓", "✓") and marks["w1"] == ("✓", "✓")


def test_a_sign_flip_is_marked_where_it_first_shows(tmp_path: Path) -> None:
    network = load_network("mazur")
    history, compared = compared_for(network, yours(tmp_path, mistake="sign"))
    trace = history.trace(1)
    first = index_of(trace, "∂E_total/∂out_o1")
    assert compared.first == (1, first)
    assert compared.mark(1, index_of(trace, "out_o1")) == "✓"  # (the forward pass is right)
    assert compared.mark(1, first) == "✗"
    lines = compared.lines(1, first, 9).split("\n")
    assert lines[0].startswith("✗ yours: -0.7413650")
    assert lines[0].endswith("not 0.74136507: the first divergence")
    assert lines[1].startswith("likely cause: a sign flip at ∂E_total/∂out_o1")
    assert "the mistake is in this step" in lines[2]
    w5 = compared.lines(1, index_of(trace, "∂E_total/∂w5"), 9)
    assert "follows from the earlier error" in w5
    assert compared.param_marks(trace, 0)["w5"] == ("✗", "✗")


def test_a_batch_nets_update_marks_come_with_the_epochs_update(tmp_path: Path) -> None:
    net = batch(DEEP)
    network = load_network(net_file(tmp_path, net))
    history, compared = compared_for(network, yours(tmp_path, net))
    trace = history.trace(1)
    last = network.n_samples - 1
    # a sample's gradients, and the epoch's one update (the table shows it once reached)
    for sample in (0, last):
        marks = compared.param_marks(trace, sample)
        assert set(marks) == {ref.name for ref in network.param_refs if ref.trained}
        assert all(marks == ("✓", "✓") for marks in marks.values())
    first = yours(tmp_path, net, mistake="mean_sum")
    history, compared = compared_for(network, first)
    place = compared.first
    assert place is not None and history.trace(1).sample_of(place[1]) == -1
    marks = compared.param_marks(history.trace(1), 0)
    assert all(grad == "✓" for grad, _ in marks.values())
    assert any(update == "✗" for _, update in marks.values())


# -- in the app ----------------------------------------------------------------------------------


async def test_x_goes_to_the_first_divergence_and_the_screen_says_why(tmp_path: Path) -> None:
    network = load_network("mazur")
    history, compared = compared_for(network, yours(tmp_path, mistake="no_derivative"))
    app = app_with(network, compared, history)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.pause()
        assert any("differ ✗" in message for message in notices)
        await pilot.press("x")
        await pilot.pause()
        trace = history.trace(1)
        assert screen.position == (1, index_of(trace, "δ_o1"))
        panel = app.screen.query_one(StepPanel).text()
        assert "✗ yours: " in panel and "the first divergence" in panel
        assert "likely cause: a missing factor: δ_o1 without ∂out_o1/∂net_o1" in panel
        # the table marks the gradients compared so far (none yet at δ_o1), then w5's
        await pilot.press("g", *"dE_total/dw5", "enter")
        await pilot.pause()
        assert "follows from the earlier error" in app.screen.query_one(StepPanel).text()
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "▶w5" in line)
        assert "✗" in row
        # X: the next ✗ after this step, each in trace order, then round to the first
        differing = sorted(p for p, row in compared.rows.items() if row.status != "match")
        screen.go(1, 0)
        await pilot.pause()
        for place in [*differing, differing[0]]:
            notices.clear()
            await pilot.press("X")
            await pilot.pause()
            assert screen.position == place
        # (the last went round to the first, and said so; the others said nothing)
        assert any("no ✗ after this step: back to the first" in n for n in notices), notices
        await pilot.press("x")
        await pilot.pause()
        assert "the first divergence" in app.screen.query_one(StepPanel).text()


async def test_the_palette_loads_a_file_and_a_bad_one_changes_nothing(tmp_path: Path) -> None:
    network = load_network("mazur")
    app = BptuiApp(network)
    good = yours(tmp_path, mistake="half", fmt="csv")
    bad = tmp_path / "bad.json"
    bad.write_text('{"out_h9": 1}', encoding="utf-8")
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("x")  # nothing loaded yet: says how to load
        await pilot.pause()
        assert "no numbers of yours" in notices[-1]
        screen.action_load_yours()
        await pilot.pause()
        await pilot.press(*str(bad), "enter")
        await pilot.pause()
        assert screen.compared is None
        message = notices[-1]
        assert str(bad) in message and "out_h9" in message and "\n" not in message
        screen.action_load_yours()
        await pilot.pause()
        await pilot.press(*str(good), "enter")
        await pilot.pause()
        assert screen.compared is not None and screen.compared.first is not None
        await pilot.press("x")
        await pilot.pause()
        assert "✗ yours" in app.screen.query_one(StepPanel).text()


async def test_an_edit_is_compared_again(tmp_path: Path) -> None:
    """The learner's correct numbers stop matching once w5 is edited: the marks follow the
    history shown, and ctrl+z brings the ✓ back."""
    network = load_network("mazur")
    history, compared = compared_for(network, yours(tmp_path))
    app = app_with(network, compared, history)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        trace = history.trace(1)
        out_o1 = index_of(trace, "out_o1")
        screen.go(1, out_o1)
        await pilot.pause()
        assert "✓ yours" in app.screen.query_one(StepPanel).text()
        await pilot.press("e")
        await pilot.pause()
        await answer(pilot, "w5 = 0.3")
        await pilot.pause()
        assert screen.compared.first == (1, index_of(history.trace(1), "net_o1"))
        assert "✗ yours" in app.screen.query_one(StepPanel).text()
        assert "✗ yours" in screen_text(app)
        await pilot.press("x")  # (elsewhere: the undo comes back to out_o1)
        await pilot.pause()
        assert screen.position != (1, out_o1)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert screen.compared.first is None
        assert "✓ yours" in screen_text(app) and "✗ yours" not in screen_text(app)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert "✗ yours" in screen_text(app) and "✓ yours" not in screen_text(app)


async def test_the_table_keeps_its_columns_whole_with_marks(tmp_path: Path) -> None:
    network = load_network("mazur")
    history, compared = compared_for(network, yours(tmp_path, mistake="sign"))
    app = app_with(network, compared, history)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(1, len(history.trace(1)) - 1)
        await pilot.pause()
        table = app.screen.query_one(ParamTable)
        lines = [table.render_line(y).text for y in range(table.size.height)]
        columns = table._columns()
        header = lines[0]
        rows = [line for line in lines[1:] if line[1:2] in ("w", "b") and line[2:3].isdigit()]
        assert header.split() == " ".join(title for _, title, _ in columns).split()
        assert len(rows) >= 3 and any("✗" in row for row in rows)
        # every column where the header puts it: a mark after a number takes the column's
        # own room, never the space between columns (which would push the rest right)
        start = 0
        for key, _, width in columns:
            for line in (header, *rows):
                cell = line[start : start + width]
                assert line[start + width : start + width + 1] in ("", " "), (key, line)
                assert cell.strip(), (key, line)  # (no column is empty)
            if key in ("grad", "new"):
                assert any(row[start : start + width].rstrip().endswith("✗") for row in rows)
            start += width + 1


# -- from the command line ---------------------------------------------------------------------


def test_a_bad_compare_file_is_one_line_before_any_screen(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"dE_total/dw9": 0.1}', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bptui", "mazur", "--compare", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert str(bad) in line and "dw9" in line and "Traceback" not in line


@needs_tmux
def test_compare_in_a_real_terminal(tmp_path: Path) -> None:
    path = yours(tmp_path, mistake="sign")
    tmux = Tmux(f"{BPTUI} mazur --compare {path}")
    try:
        assert "differ ✗" in tmux.settle()
        tmux.keys("x")
        screen = tmux.settle()
        assert "∂E_total/∂out_o1" in screen and "step 12 of" in screen
        # (the step panel, at the left of its row, wraps its lines)
        words = " ".join(line[1:58].strip() for line in screen.splitlines())
        assert "the first divergence likely cause: a sign flip" in words
        tmux.keys("n", "n")
        words = " ".join(line[1:58].strip() for line in tmux.settle().splitlines())
        assert "follows from the earlier error" in words
    finally:
        tmux.close()


def test_the_readme_corpus_file_opens_in_the_app_check(tmp_path: Path) -> None:
    """tests/yours/mazur-sign-flip.json (README's example) compares in the app's engine too."""
    network = load_network("mazur")
    _, compared = compared_for(network, HERE / "yours" / "mazur-sign-flip.json")
    first = compared.report.first
    assert first is not None and first.cause is not None
    assert (first.row.symbol, first.row.step, first.cause.kind) == ("∂E_total/∂out_o1", 12, "sign")
    assert compared.first == (1, first.row.index)


async def test_a_big_comparison_is_made_in_the_background(tmp_path: Path) -> None:
    """Over SYNC_STEPS steps (benchmarks/net-16-32-32-10.json: some 30,000 an epoch) the
    comparison is made in a worker: the status says so and stepping waits; then the marks."""
    from bptui.app.yours import SYNC_STEPS
    from bptui.engine.trace import step_count

    net = HERE.parent / "benchmarks" / "net-16-32-32-10.json"
    network = load_network(str(net))
    assert step_count(network) > SYNC_STEPS
    mine = tmp_path / "mine.json"
    mine.write_text('{"net_h1_1": 5}', encoding="utf-8")
    app = BptuiApp(network)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        background = screen._compare_work
        made = []
        screen._compare_work = lambda *args: made.append(args) or background(*args)
        screen.action_load_yours()
        await pilot.pause()
        await answer(pilot, str(mine))
        assert made  # (in a worker)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        assert screen.compared is not None and screen.compared.first == (1, 0)
        assert "differs ✗" in notices[-1]
        await pilot.press("x")
        await pilot.pause()
        assert "the first divergence" in app.screen.query_one(StepPanel).text()


async def test_a_pipe_no_one_writes_to_holds_the_screen_a_second_at_most(tmp_path: Path) -> None:
    """'Compare with your numbers' on a FIFO with no writer held the screen for 10 s, the
    command line's wait (the hostile trial): the app waits a second, as ctrl+o does, then
    says so in one line."""
    import os
    import time

    fifo = tmp_path / "yours.csv"
    os.mkfifo(fifo)
    app = BptuiApp(load_network("mazur"))
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.action_load_yours()
        await pilot.pause()
        await pilot.press(*str(fifo))
        started = time.monotonic()
        await pilot.press("enter")
        await pilot.pause()
        assert time.monotonic() - started < 3
        assert screen.compared is None
        assert notices[-1] == (
            f"{fifo}: nothing came through this pipe in 1 s (is a program writing to it?)"
        )
