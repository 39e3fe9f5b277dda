"""Predict mode (t): each step asks for its value before showing it, judges the answer to the
digits typed, never asks again for a step answered, keeps a score per phase, and is saved in
sessions. Expected values are the post's (tests/reference.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from textual import events

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.dialogs import AskScreen
from bptui.app.widgets.network_diagram import NetworkDiagram
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.predict import Answer, NotANumber, agrees, judge, read_number, scores
from bptui.engine.session import Session, load_session, save_session
from tests.reference import MAZUR, show
from tests.screen import index_of, last_index, phase_start, screen_text, written

SIZE = (120, 40)

# -- the rule: right to the digits typed, at least three significant ---------------------------


@pytest.mark.parametrize(
    ("typed", "symbol", "right"),
    [
        ("0.593", "out_h1", True),  # 0.593269992 rounds to 0.593
        ("0.5933", "out_h1", True),
        ("0.59327", "out_h1", True),
        ("0.594", "out_h1", False),
        ("0.5932", "out_h1", False),  # 0.59327 is not 0.5932 to four decimals
        ("0.6", "out_h1", False),  # judged as 0.600: three significant digits at least
        ("0.59", "out_h1", False),  # judged as 0.590
        (" 0.593 ", "out_h1", True),
        ("−0.0190", "∂E_o2/∂out_h1", True),  # the Unicode minus, as the screen writes it
        ("-0.019", "∂E_o2/∂out_h1", True),  # judged as −0.0190
        ("-0.0191", "∂E_o2/∂out_h1", False),
        ("0.019", "∂E_o2/∂out_h1", False),  # the sign
        ("0.3775", "net_h1", True),
        ("0.376", "net_h1", False),
        ("3.76e-1", "net_h1", False),
        ("3.775e-1", "net_h1", True),
    ],
)
def test_a_number_is_right_to_the_digits_typed(typed: str, symbol: str, right: bool) -> None:
    value = MAZUR[symbol]
    assert agrees(read_number(typed), value) is right


def test_the_tolerance_is_half_a_unit_in_the_last_place_typed() -> None:
    """Computed here independently: 0.5933 has 4 decimals → ±0.00005; 12345 has none, but is
    judged to 3 significant digits at least → ±0.5 (5 significant already)."""
    assert math.isclose(read_number("0.5933").tolerance, 0.00005)
    assert math.isclose(read_number("12345").tolerance, 0.5)
    assert math.isclose(read_number("0.6").tolerance, 0.0005)
    assert math.isclose(read_number("3.5e-5").tolerance, 0.5e-7)


def test_non_finite_answers_match_only_the_same() -> None:
    assert agrees(read_number("nan"), float("nan"))
    assert not agrees(read_number("nan"), 0.5)
    assert agrees(read_number("inf"), math.inf)
    assert not agrees(read_number("inf"), -math.inf)
    assert not agrees(read_number("0.5"), math.nan)


@pytest.mark.parametrize("text", ["", "abc", "0.5.5", "1e", "--1", ".", "e5", "1" * 70, "0x10"])
def test_what_is_not_a_number_is_said_so(text: str) -> None:
    with pytest.raises(NotANumber):
        read_number(text)


def test_scores_count_right_and_answered_per_phase_skips_aside() -> None:
    answers = [
        Answer(1, 0, "0.3775", "right"),
        Answer(1, 1, "0.6", "wrong"),
        Answer(1, 2, "", "skipped"),
        Answer(1, 20, "0.1", "right"),
    ]
    phases = {0: "forward", 1: "forward", 2: "forward", 20: "backward"}
    assert scores(answers, phases) == {
        "forward": (1, 2),
        "error": (0, 0),
        "backward": (1, 1),
        "update": (0, 0),
    }


# -- in the app ---------------------------------------------------------------------------------


def debugger(app: BptuiApp) -> DebuggerScreen:
    screen = app.screen_stack[0] if isinstance(app.screen, AskScreen) else app.screen
    for candidate in app.screen_stack:
        if isinstance(candidate, DebuggerScreen):
            screen = candidate
    assert isinstance(screen, DebuggerScreen)
    return screen


async def answer(pilot, text: str) -> None:
    """Type `text` into the question predict mode asks, key by key, and Enter."""
    assert isinstance(pilot.app.screen, AskScreen), "predict mode asked nothing"
    await pilot.press(*text, "enter")
    await pilot.pause()


async def test_a_step_hides_its_value_until_answered_right() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = debugger(app)
        assert isinstance(app.screen, AskScreen)
        asked = screen_text(app)
        assert "net_h1 = 0.15·0.05 + 0.2·0.1 + 0.35 = ?" in asked  # the numbers to work with
        panel = screen.query_one(StepPanel)
        assert "  = 0.15·0.05 + 0.2·0.1 + 0.35" in panel.text() and "  = ?" in panel.text()
        assert show("net_h1") not in panel.text()
        diagram = screen.query_one(NetworkDiagram)
        assert diagram.view is not None and diagram.view.frame.hidden
        assert diagram.view.frame.neuron(0, 0) == (None, None)  # net_h1 not drawn yet
        await answer(pilot, "0.3775")
        assert not isinstance(app.screen, AskScreen)
        text = panel.text()
        assert f"= {show('net_h1')}" in text and "✓ right: you said 0.3775" in text
        assert "1 of 1 right this epoch" in screen_text(app)


async def test_a_wrong_answer_shows_the_value_and_p_never_asks_again() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await answer(pilot, "0.3775")
        await pilot.press("n")
        await pilot.pause()
        await answer(pilot, "0.6")  # out_h1 = 0.593269992: wrong at three significant digits
        screen = debugger(app)
        text = screen.query_one(StepPanel).text()
        assert f"✗ you said 0.6; it is {show('out_h1')}" in text
        assert "= 1/(1 + e^(−0.3775))" in text  # the numbers that make it
        assert "1 of 2 right this epoch · forward 1/2" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, AskScreen)  # answered: never asked again
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, AskScreen)
        assert screen.position == (1, 1)
        # t turns predict mode off: the verdict goes with it (it stayed: the newcomer
        # trial), and comes back with it
        await pilot.press("t")
        await pilot.pause()
        assert "you said" not in screen.query_one(StepPanel).text()
        await pilot.press("t")
        await pilot.pause()
        assert "✗ you said 0.6" in screen.query_one(StepPanel).text()


async def test_enter_on_an_answered_step_goes_to_the_next_question() -> None:
    """After an answer the step stayed, saying nothing of what next, and the next answer typed
    at once (`0.6` Enter) went to the screen: its Enter pinned the table's row (the newcomer
    trial). The verdict says Enter or n goes on, and Enter does."""
    from bptui.app.widgets.param_table import ParamTable

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = debugger(app)
        screen.query_one(ParamTable).focus()
        await answer(pilot, "0.3775")
        assert "✓ right: you said 0.3775 (0.3775) · Enter or n: the next step" in (
            screen.query_one(StepPanel).text()
        )
        await pilot.press("enter")
        await pilot.pause()
        assert screen.position == (1, 1) and screen.pinned is None
        assert isinstance(app.screen, AskScreen)  # out_h1's question
        await pilot.press("escape")
        await pilot.pause()
        assert "predict: skipped · Enter or n: the next step" in (
            screen.query_one(StepPanel).text()
        )
        await pilot.press("enter")
        await pilot.pause()
        assert screen.position == (1, 2)
        await pilot.press("escape", "t")  # predict mode off: Enter is the table's again
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.position == (1, 2) and screen.pinned is not None


async def test_esc_skips_a_step_which_then_counts_in_no_score() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        screen = debugger(app)
        assert not isinstance(app.screen, AskScreen)
        assert "predict: skipped" in screen.query_one(StepPanel).text()
        assert f"= {show('net_h1')}" in screen.query_one(StepPanel).text()
        assert "0 of 0 right this epoch" in screen_text(app)


async def test_not_a_number_asks_again() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await answer(pilot, "abc")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)  # asked again
        assert (1, 0) not in debugger(app).predictions


async def test_keys_typed_fast_after_a_step_are_the_answer() -> None:
    """`n` then `3.5` typed at once: the 3 is part of the answer, never the key that jumps
    to the backward phase."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n", "3", ".", "5", "enter")
        await pilot.pause()
        screen = debugger(app)
        assert screen.position == (1, 1)
        assert screen.predictions[(1, 1)].answer == "3.5"


async def test_the_epoch_summary_at_its_last_step() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        screen.go(1, last_index())
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        # the loss after the epoch would give the answer away: it waits for it
        assert "no epoch finished yet" in screen_text(app)
        assert "loss after epoch 1" not in screen_text(app)
        notes: list[str] = []
        original = screen.notify
        screen.notify = lambda message, *a, **k: notes.append(message) or original(message, *a, **k)  # type: ignore[method-assign]
        await answer(pilot, show("w8⁺"))
        assert "loss after epoch 1" in screen_text(app)
        assert any(note.startswith("1 of 1 right (") for note in notes), notes
        assert "update 1/1" in notes[-1]


async def test_a_run_asks_nothing_while_it_runs() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        screen.start_run(50)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.epoch == 50
        assert isinstance(app.screen, AskScreen)  # asks at the step the run ended on


# -- sessions -----------------------------------------------------------------------------------


async def test_predict_mode_and_its_answers_are_saved_and_restored(tmp_path: Path) -> None:
    """A teacher hands out a session that opens in predict mode at a chosen step: the answered
    steps keep their verdicts, the chosen one asks."""
    app = BptuiApp(load_network("mazur"))
    path = tmp_path / "class.bptui"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await answer(pilot, "0.3775")
        await pilot.press("n")
        await pilot.pause()
        await answer(pilot, "0.6")
        screen = debugger(app)
        screen.go(1, index_of("∂E_total/∂w5"))
        await pilot.pause()
        save_session(screen.to_session(), path)
    document = json.loads(path.read_text())
    assert document["version"] == 2
    jumped = range(2, index_of("∂E_total/∂w5"))  # (the teacher's go-to skipped them)
    assert document["predict"] == {
        "on": True,
        "answers": [
            {"epoch": 1, "index": 0, "answer": "0.3775"},
            {"epoch": 1, "index": 1, "answer": "0.6"},
            *({"epoch": 1, "index": k, "answer": ""} for k in jumped),
        ],
    }
    session = load_session(path)
    again = BptuiApp(session=session, session_path=str(path))
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(again)
        assert isinstance(again.screen, AskScreen)  # ∂E_total/∂w5 asks
        assert screen.predictions[(1, 0)].result == "right"
        assert screen.predictions[(1, 1)].result == "wrong"
        assert "1 of 2 right this epoch" in screen_text(again)


async def test_a_jump_forward_skips_the_steps_it_shows_and_says_so() -> None:
    """`End` in predict mode shows the values of every step before the last: those count as
    skipped (in no score), never ask when come back to, and the status says how many."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await answer(pilot, "0.3775")  # net_h1, right
        screen = debugger(app)
        # the loss after the epoch would give the answer away: it waits for it
        assert "no epoch finished yet" in screen_text(app)
        assert "loss after epoch 1" not in screen_text(app)
        notes: list[str] = []
        original = screen.notify
        screen.notify = lambda message, *a, **k: notes.append(message) or original(message, *a, **k)  # type: ignore[method-assign]
        await pilot.press("end")
        await pilot.pause()
        last = last_index()
        assert screen.position == (1, last)
        assert isinstance(app.screen, AskScreen)  # the step landed on asks, with the note
        note = f"predict mode: {last - 1} steps jumped over, their values shown: skipped"
        assert f"({note})" in screen_text(app) and note not in notes
        assert all(screen.predictions[(1, k)].result == "skipped" for k in range(1, last))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("p")  # a step jumped over: shown, not asked
        await pilot.pause()
        assert screen.position == (1, last - 1)
        assert not isinstance(app.screen, AskScreen)
        assert "1 of 1 right this epoch" in screen_text(app)
        await pilot.press("home", "p")  # back is never a jump: nothing more is skipped
        await pilot.pause()
        assert len(screen.predictions) == last + 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_note_of_a_jump_leaves_the_question_in_view(size: tuple[int, int]) -> None:
    """`]` in predict mode lands on a question with a note of the steps jumped over: the note
    covered the question's field at 80×24, then, as a toast, stayed in pieces on the screen
    beneath the question (the newcomer trials): it is the question's first line, and no toast
    is left on either screen."""
    from textual.widgets._toast import Toast

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AskScreen)
        text = " ".join(screen_text(app).split())
        assert "(predict mode: 7 steps jumped over, their values shown: skipped)" in text, text
        assert "Your value (Enter checks it" in text
        for screen in app.screen_stack:
            assert not list(screen.query(Toast)), screen


def test_a_session_without_predict_mode_stays_version_1(tmp_path: Path) -> None:
    path = save_session(Session(History(load_network("mazur"))), tmp_path / "plain.bptui")
    document = json.loads(path.read_text())
    assert document["version"] == 1 and "predict" not in document


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["predict"].update(on="yes"), "predict.on"),
        (lambda d: d["predict"]["answers"][0].update(epoch=9), "predict.answers[0].epoch"),
        (lambda d: d["predict"]["answers"][0].update(index=51), "predict.answers[0].index"),
        (lambda d: d["predict"]["answers"][0].update(answer="zero"), "predict.answers[0].answer"),
        (lambda d: d["predict"]["answers"][0].update(answer=0.5), "predict.answers[0].answer"),
        (
            lambda d: d["predict"]["answers"].append(dict(d["predict"]["answers"][0])),
            "predict.answers[1]",
        ),
        (lambda d: d["predict"].update(extra=1), "predict.extra"),
        (lambda d: d.update(version=1), "predict"),  # a version 1 file holds no predict table
    ],
)
def test_a_tampered_predict_table_is_refused_in_one_line(tmp_path: Path, change, key) -> None:
    session = Session(History(load_network("mazur")), predict=True, answers=[(1, 0, "0.3775")])
    path = save_session(session, tmp_path / "p.bptui")
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(BptuiError) as error:
        load_session(path)
    message = str(error.value)
    assert "\n" not in message and key in message, message


def test_phase_starts_are_where_the_tests_think() -> None:
    """(The positions above: step 0 is net_h1, step 1 out_h1, the backward phase later.)"""
    assert index_of("net_h1") == 0 and index_of("out_h1") == 1
    assert phase_start("backward") > index_of("E_total")


async def test_ctrl_s_saves_while_the_question_is_open(tmp_path: Path) -> None:
    """The newcomer's trial: a teacher in predict mode could not save on a step not yet
    answered (ctrl+s did nothing while the question was open, Esc skipped the step). ctrl+s
    asks where over the question, saves, and the question is still there, still open."""
    app = BptuiApp(load_network("mazur"))
    path = tmp_path / "handout.bptui"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")  # (it asks at net_h1)
        await pilot.pause()
        question = app.screen
        assert isinstance(question, AskScreen) and "= ?" in question.question
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen) and app.screen is not question
        assert app.screen.question.startswith("Save the session")
        await pilot.press("ctrl+s")  # (not again from the question where)
        await pilot.pause()
        app.screen.query_one("Input").value = str(path)
        await pilot.press("enter")
        await written(pilot)
        assert app.screen is question  # still asking
        await pilot.press(*"0.3775", "enter")
        await pilot.pause()
        assert debugger(app).predictions[(1, 0)].result == "right"
    session = load_session(path)
    assert session.predict and session.answers == [] and (session.epoch, session.index) == (1, 0)
    again = BptuiApp(session=session, session_path=str(path))
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, AskScreen)  # the handout asks at net_h1


@pytest.mark.parametrize("text", ["1e400", "1E+309", "-1e309", ".5e310", "9.9e308"])
def test_a_number_beyond_the_floats_is_read_without_a_crash(text: str) -> None:
    """An answer of 1e400 crashed predict mode (its unit, 10**400, overflowed: the hostile
    trial). It reads as the infinity it rounds to, wrong for any finite value."""
    typed = read_number(text)
    assert math.isinf(typed.value)
    assert judge(text, 0.5) == "wrong" and judge(text, 1.7e308) == "wrong"
    assert judge(text, typed.value) == "right"


async def test_alt_enter_is_esc_then_enter() -> None:
    """Esc then Enter typed within the escape delay can come as alt+Enter, whose Enter was
    lost (the hostile trial): predict mode's skip and go on both act. (tmux sends them as a
    plain Enter, which Textual's parser makes of ESC CR: an Enter alone, which skips.)"""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        app.post_message(events.Key("alt+enter", "\r"))
        await pilot.pause(0.5)
        screen = debugger(app)
        assert screen.predictions[(1, 0)].result == "skipped"
        assert screen.position == (1, 1) and isinstance(app.screen, AskScreen)


async def test_an_epochs_summary_says_how_many_steps_were_skipped() -> None:
    """The end-of-epoch summary said nothing of the 48 steps passed over, and said its epoch
    twice, in its title and its text (the newcomer trial)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        screen.predicting = True
        screen.predictions = {
            (12_345, 0): Answer(12_345, 0, "0.3775", "right"),
            (12_345, 1): Answer(12_345, 1, "0.5", "wrong"),
            **{(12_345, k): Answer(12_345, k, "", "skipped") for k in range(2, 50)},
        }
        line = screen._score_line(12_345, done=True)  # (under the title "epoch 12,345 done")
        assert line.startswith("1 of 2 right (forward 1/2")
        assert line.endswith(" · 48 skipped")
