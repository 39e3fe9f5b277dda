"""The real `bptui` in a real terminal (tmux), as a person runs it."""

from __future__ import annotations

import time

import pytest

from tests.reference import MAZUR, shown
from tests.screen import last_index, svg_text
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


def test_esc_and_the_next_key_typed_at_once_are_two_keys(tmux: Tmux) -> None:
    """`g nn Esc G` in one breath: Esc closes the go-to question and G switches the plot to
    the gradient norms (within Textual's escape delay the terminal's ESC G reads as alt+G,
    which left the question open with `nnG` typed in it). Alt+backspace in a field stays the
    field's: it deletes a word."""
    tmux.settle()
    tmux.keys("g", "nn", "Escape", "G")
    screen = tmux.settle()
    assert "Go to:" not in screen and "nnG" not in screen, screen
    assert "Gradient norm per layer" in screen, screen
    tmux.keys("g", "3 net_o1", "Escape", "BSpace")  # (M-BSpace: ESC then DEL)
    screen = tmux.settle()
    field = next(line for line in screen.splitlines() if "▊  3" in line)  # (the answer)
    assert "Go to:" in screen and "net_o1" not in field, screen


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
    the second popped the debugger's screen). The debugger goes on and steps (run in a folder
    of its own: a `w` that reached the screen would save there; see also
    test_edits_typed_in_one_breath_apply_in_order)."""
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


def _notices(screen: str, *texts: str) -> list[int]:
    """Where on the screen each text starts (-1: it is not there)."""
    return [screen.find(text) for text in texts]


def test_edits_typed_in_one_breath_apply_in_order(tmp_path) -> None:
    """Four `e w5 = 0.k Enter` typed in one breath: each is the answer of its own dialog, in
    order (a dialog once got `0.2ew5 = 0.3ew5 = 0.4`, or a `w` of the text saved the network
    with the rest as its name): w5 is 0.4, the four edits are undone one by one (ctrl+z gives
    0.3), and a `g net_o1` typed fast afterwards reaches its dialog (its field once never
    received the keys)."""
    tmux = Tmux(f"cd {tmp_path} && {BPTUI}")
    try:
        tmux.settle()
        tmux.keys(*[key for k in range(1, 5) for key in ("e", f"w5 = 0.{k}", "Enter")])
        screen = tmux.settle()
        notes = [f"w5 = 0.{k} from epoch 1" for k in range(1, 5)]
        where = _notices(screen, *notes)
        assert -1 not in where and where == sorted(where), screen
        assert "w5 0.4" in screen and "nothing changed" not in screen, screen
        assert list(tmp_path.iterdir()) == []
        tmux.keys("C-z", "g", "net_o1", "Enter")
        screen = tmux.settle()
        assert "step 5 of 51" in screen, screen
        assert "w5 0.3" in screen and "1.046578968" in screen, screen  # 0.3·out_h1 + …
        assert "EXIT=" not in screen and "Error" not in screen
    finally:
        tmux.close()


def test_dialogs_typed_in_one_breath_each_get_their_keys(tmp_path) -> None:
    """Go-to, a cancelled go-to, an edit, a save and a cancelled save, with stepping keys
    between them, typed in one breath: every key after a dialog's key is that dialog's, even
    the priority keys (`n` of `net_o1`, the spaces of `w5 = 0.3`); every key after its Enter or
    Esc is the screen's again (the arrows step). (An Esc is followed by an arrow: an Esc and a
    letter at once are how a terminal sends alt+letter.)"""
    from bptui.engine.loader import load_network

    tmux = Tmux(f"cd {tmp_path} && {BPTUI}")
    try:
        tmux.settle()
        tmux.keys(
            *("g", "net_o1", "Enter", "n", "n"),  # step 5, then 7
            *("g", "xyz", "Escape", "Right", "Right"),  # 9
            *("e", "w5 = 0.3", "Enter"),
            *("w", "a.toml", "Enter"),
            *("w", "b", "Escape", "Left"),  # 8
            *("g", "out_o2", "Enter", "p"),  # 8, then 7
        )
        screen = tmux.settle()
        assert "step 7 of 51" in screen and "net_o2" in screen, screen
        assert "w5 0.3" in screen and "1.046578968" in screen, screen
        assert "w5 = 0.3 from epoch 1" in screen, screen
        assert "cannot go there" not in screen and "nothing changed" not in screen, screen
        assert sorted(path.name for path in tmp_path.iterdir()) == ["a.toml"]
        saved = load_network(str(tmp_path / "a.toml"))
        assert float(saved.params.flat()[saved.param("w5").flat_index]) == 0.3
    finally:
        tmux.close()


def test_predictions_typed_in_one_breath_each_answer_their_step(tmux: Tmux) -> None:
    """Predict mode and five steps typed in one breath: each step's keys answer its own
    question (right, wrong, wrong, skipped with Esc, right), and the moves between them (`n`,
    space, →) are the screen's: the fifth step, net_o1, is shown with 2 of 4 right."""
    tmux.settle()
    tmux.keys(
        *("t", "0.3775", "Enter"),  # net_h1: right
        *("n", "0.6", "Enter"),  # out_h1: wrong
        *("space", "1", "Enter"),  # net_h2: wrong
        *("Right", "Escape"),  # out_h2: skipped
        *("Right", "1.1059", "Enter"),  # net_o1: right
    )
    screen = tmux.settle()
    assert "step 5 of 51" in screen, screen
    assert "✓ right: you said 1.1059 (1.105905967)" in screen, screen
    assert "2 of 4 right this epoch · forward 2/4" in screen, screen
    assert "not a number" not in screen and "= ?" not in screen, screen


@needs_tmux
def test_exported_columns_and_lines_do_not_pin_the_apps_size() -> None:
    """COLUMNS=50 LINES=20 exported in a 120×40 terminal: the app used 50×20 (Textual takes
    them over the terminal's size; the hostile trial). It fills the terminal, and follows it."""
    tmux = Tmux(BPTUI, env={"COLUMNS": "50", "LINES": "20"})
    try:
        lines = tmux.settle().splitlines()
        assert "Mazur 2-2-2" in lines[0]
        assert len(lines) == 40 and lines[-1].rstrip().endswith("palette")
        assert max(len(line.rstrip()) for line in lines) == 120
        tmux.tmux("resize-window", "-t", tmux.name, "-x", "100", "-y", "30")
        time.sleep(0.5)
        lines = tmux.settle().splitlines()
        assert len(lines) == 30 and lines[-1].rstrip().endswith("palette")
    finally:
        tmux.close()


@needs_tmux
def test_keys_typed_before_the_first_frame_act_as_typed_later() -> None:
    """Enter typed in the app's first few tenths of a second reached it as a newline (the
    terminal was not in raw mode yet), which Textual reads as ctrl+j: `g net_o1 Enter` left
    the go-to question open (the newcomer trial)."""
    tmux = Tmux(BPTUI)
    try:
        time.sleep(0.2)
        tmux.keys("g", *"net_o1", "Enter")
        screen = tmux.settle()
        assert "step 5 of 51" in screen.splitlines()[0], screen
        assert "Go to:" not in screen
    finally:
        tmux.close()


@pytest.mark.parametrize("delay", [0.25, 0.4, 0.55])
def test_steps_typed_as_the_app_starts_wait_for_its_screen(delay: float) -> None:
    """`n` typed 0.3 to 0.6 s after the launch (before the debugger's widgets were mounted)
    stepped a screen without its plot: the app ended with an unexpected error, and so did a
    browser's tab that typed as it connected (the hostile trial). The keys wait for the
    screen, and act as typed later."""
    tmux = Tmux(BPTUI)
    try:
        time.sleep(delay)
        tmux.keys("n", "n", "n")
        screen = tmux.settle()
        assert "step 4 of 51" in screen.splitlines()[0], screen
        assert "EXIT=" not in screen and "unexpected error" not in screen, screen
    finally:
        tmux.close()


@needs_tmux
def test_S_leaves_the_notifications_out_of_the_picture(tmp_path) -> None:
    """The message of an export just made covered the plot in the picture `S` took (the
    newcomer trial; Pilot's headless screenshots have no notifications, a terminal's do)."""
    tmux = Tmux(f"cd {tmp_path} && {BPTUI}")
    try:
        tmux.settle()
        tmux.keys("E")
        tmux.settle()
        tmux.keys("Enter")
        assert "wrote" in tmux.settle()  # the CSV's message, over the plot
        tmux.keys("S")
        tmux.settle()
        tmux.keys("Enter")
        deadline = time.monotonic() + 10
        while not list(tmp_path.glob("*.svg")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # (written whole: the file appears by a rename)
        (svg,) = tmp_path.glob("*.svg")
        text = svg_text(svg.read_text("utf-8"))
        assert "Mazur 2-2-2" in text and "wrote" not in text
    finally:
        tmux.close()
