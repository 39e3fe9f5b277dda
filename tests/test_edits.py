"""Change a number, see everything follow: `e` edits a weight or bias, an input, a target or
the learning rate from the start of the epoch shown; the epoch recomputes at once; ctrl+z
and ctrl+y undo and redo exactly; `w` saves the network as TOML; sessions keep the edits.
Expected numbers are computed in the tests, independently (plain Python)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import tomllib

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.dialogs import AskScreen
from bptui.engine.edits import EditError, apply_edit, network_toml, parse_edit
from bptui.engine.errors import BptuiError
from bptui.engine.history import History
from bptui.engine.loader import load_network, parse_document
from bptui.engine.session import Session, load_session, network_document, save_session
from tests.reference import MAZUR, shown
from tests.screen import index_of, record_notices, screen_text

SIZE = (120, 40)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def mazur_forward(w: list[float], i1=0.05, i2=0.10, b1=0.35, b2=0.60) -> dict[str, float]:
    """The post's forward pass, written out here (w = w1..w8)."""
    net_h1 = w[0] * i1 + w[1] * i2 + b1
    net_h2 = w[2] * i1 + w[3] * i2 + b1
    out_h1, out_h2 = sigmoid(net_h1), sigmoid(net_h2)
    net_o1 = w[4] * out_h1 + w[5] * out_h2 + b2
    net_o2 = w[6] * out_h1 + w[7] * out_h2 + b2
    return {"net_h1": net_h1, "out_h1": out_h1, "net_o1": net_o1, "net_o2": net_o2}


WEIGHTS = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]


# -- reading what is typed ----------------------------------------------------------------------


def test_what_an_edit_can_name() -> None:
    network = load_network("mazur")
    assert parse_edit(network, "w5 = 0.3").kind == "param"
    assert parse_edit(network, " b1=1 ").name == "b1"
    assert parse_edit(network, "i2 = −0.5").value == -0.5
    assert parse_edit(network, "t_o2 = 0.9").kind == "target"
    assert parse_edit(network, "eta = 0.25").kind == "learning_rate"
    assert parse_edit(network, "η = 0.25").kind == "learning_rate"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("w9 = 1", "no parameter, input or target is called 'w9'"),
        ("w5 = fast", "'fast' is not a number"),
        ("w5 = nan", "expected a finite number"),
        ("w5 = 1e400", "expected a finite number"),
        ("s2.i1 = 1", "sample 2 is not among the 1 samples"),
        ("w5", "type NAME = VALUE"),
        ("= 3", "type NAME = VALUE"),
        ("w5 = " + "1" * 300, "too long"),
        ("w5 = 1_0", "'1_0' is not a number"),  # (was 10.0; the hostile trial)
        ("w5 = ٣.٥", "'٣.٥' is not a number"),  # (was 3.5: Arabic-Indic digits)
        ("w8 = १", "'१' is not a number"),  # (was 1.0: a Devanagari one)
    ],
)
def test_a_bad_edit_is_one_line(text: str, says: str) -> None:
    with pytest.raises(EditError) as error:
        parse_edit(load_network("mazur"), text)
    assert says in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [("eta = -1", "learning_rate"), ("eta = 0", "learning_rate")],
)
def test_the_loaders_rules_hold_for_an_edited_network(text: str, key: str) -> None:
    network = load_network("mazur")
    with pytest.raises(EditError) as error:
        apply_edit(network, network.params, parse_edit(network, text), network_document)
    assert str(error.value).startswith(key)


def test_a_bce_target_outside_0_1_is_refused() -> None:
    network = load_network("and-or")
    edit = parse_edit(network, f"t_{network.layers[-1].names[0]} = 1.5")
    with pytest.raises(EditError) as error:
        apply_edit(network, network.params, edit, network_document)
    assert "samples[0].targets" in str(error.value)


# -- the history from the edited epoch on -----------------------------------------------------


def test_an_edited_weight_recomputes_the_epoch() -> None:
    network = load_network("mazur")
    history = History(network)
    params, _ = apply_edit(network, network.params, parse_edit(network, "w5 = 0.3"), None)
    history.edit(1, params=params)
    trace = history.trace(1)
    expected = mazur_forward([*WEIGHTS[:4], 0.3, *WEIGHTS[5:]])
    assert trace[index_of("net_o1")].value == pytest.approx(expected["net_o1"], rel=1e-15)
    assert trace[index_of("net_o2")].value == pytest.approx(MAZUR["net_o2"], rel=1e-9)


def test_an_edit_at_epoch_3_keeps_epochs_1_and_2() -> None:
    network = load_network("mazur")
    history = History(network)
    history.extend(10)
    before = [history.loss_after(1), history.loss_after(2)]
    params, _ = apply_edit(network, history.params_at(3), parse_edit(network, "w1 = 1.0"), None)
    history.edit(3, params=params)
    assert history.epochs_done == 2
    assert [history.loss_after(1), history.loss_after(2)] == before
    assert history.params_at(3).weights[0][0, 0] == 1.0


def test_snapshot_and_restore_are_exact() -> None:
    network = load_network("mazur")
    history = History(network)
    history.extend(20)
    state = history.snapshot()
    losses = list(history.losses)
    params = history.params_at(15).flat().tobytes()
    edited, _ = apply_edit(network, history.params_at(5), parse_edit(network, "w2 = 3"), None)
    history.edit(5, params=edited)
    history.extend(30)
    history.restore(state)
    assert history.losses == losses
    assert history.params_at(15).flat().tobytes() == params


# -- in the app ---------------------------------------------------------------------------------


def debugger(app: BptuiApp) -> DebuggerScreen:
    for screen in reversed(app.screen_stack):
        if isinstance(screen, DebuggerScreen):
            return screen
    raise AssertionError("no debugger screen")


async def type_answer(pilot, text: str) -> None:
    assert isinstance(pilot.app.screen, AskScreen), "nothing was asked"
    pilot.app.screen.query_one("Input").value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_e_changes_w5_and_net_o1_follows_then_undo_and_redo_are_exact() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        screen.go(1, index_of("net_o1"))
        await pilot.pause()
        before = app.export_screenshot()
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one("Input").value == "w5 = 0.4"  # the selected parameter
        await type_answer(pilot, "w5 = 0.3")
        expected = mazur_forward([*WEIGHTS[:4], 0.3, *WEIGHTS[5:]])["net_o1"]
        assert screen.frame.step.value == pytest.approx(expected, rel=1e-15)
        assert f"= {shown(expected)}" in screen_text(app)
        assert app.export_screenshot() != before
        await pilot.press("n", "n")
        await pilot.pause()
        moved = app.export_screenshot()  # (two steps on, with w5 = 0.3)
        await pilot.press("ctrl+z")  # back to the screen before the edit, where it was made
        await pilot.pause()
        assert app.export_screenshot() == before
        await pilot.press("ctrl+y")  # and forward to the screen it undid
        await pilot.pause()
        assert app.export_screenshot() == moved


async def test_a_number_alone_changes_what_was_offered() -> None:
    """README: select w5, press e, type 0.3 (the offered `w5 = 0.4` replaced by a number)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(1, index_of("net_o1"))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "0.3")
        expected = mazur_forward([*WEIGHTS[:4], 0.3, *WEIGHTS[5:]])["net_o1"]
        assert screen.frame.step.value == pytest.approx(expected, rel=1e-15)
        screen.action_edit("learning_rate")
        await pilot.pause()
        await type_answer(pilot, "0.25")
        assert screen.history.network.learning_rate == 0.25


async def test_an_edit_asks_first_when_later_epochs_exist() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        screen.start_run(10)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.go(3, 0)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "w1 = 1")
        assert isinstance(app.screen, AskScreen)  # replace the history after epoch 3's start?
        assert "from epoch 3 on" in screen_text(app)
        await type_answer(pilot, "n")
        assert screen.history.epochs_done == 10
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "w1 = 1")
        await type_answer(pilot, "y")
        assert screen.history.epochs_done == 2
        assert screen.position == (3, 0)
        assert screen.history.params_at(3).weights[0][0, 0] == 1.0


async def test_an_answer_that_is_neither_y_nor_n_is_said_so() -> None:
    """`e w5 = 0.1 Enter e w5 = 0.2 Enter` typed at once after a run: the second edit went
    into the question, and both were dropped without a word (the hostile trial)."""
    app = BptuiApp(load_network("mazur"))
    notes = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        screen.start_run(3)
        await app.workers.wait_for_complete()
        screen.go(2, 0)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "w5 = 0.1")
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"e w5 = 0.2", "enter")
        await pilot.pause()
        assert screen.history.epochs_done == 3  # nothing changed
        assert notes[-1] == (
            "w5 = 0.1 not changed: the question wanted y or n, and got 'e w5 = 0.2'"
        )


async def test_a_bad_edit_changes_nothing_and_says_why() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        notes: list[str] = []
        original = screen.notify
        screen.notify = lambda message, *a, **k: (
            notes.append(message)
            or original(  # type: ignore[method-assign]
                message, *a, **k
            )
        )
        before = screen.history.snapshot()
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "eta = -2")
        assert notes and notes[-1].startswith("learning_rate: expected a positive number")
        assert screen.history.snapshot() == before


async def test_the_palette_edits_the_learning_rate_inputs_and_targets() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = debugger(app)
        await screen.run_action("edit('learning_rate')")
        await pilot.pause()
        assert app.screen.query_one("Input").value == "eta = 0.5"
        await type_answer(pilot, "eta = 0.25")
        await screen.run_action("edit('input')")
        await pilot.pause()
        await type_answer(pilot, "i1 = 0.5")
        net_h1 = screen.history.trace(1)[index_of("net_h1")].value
        assert net_h1 == pytest.approx(0.15 * 0.5 + 0.2 * 0.1 + 0.35, rel=1e-15)
        w5_new = screen.history.trace(1)[index_of("w5⁺")].value
        gradient = screen.history.trace(1)[index_of("∂E_total/∂w5")].value
        assert w5_new == pytest.approx(0.4 - 0.25 * gradient, rel=1e-15)


async def test_w_saves_the_edited_network_as_toml_that_opens_again(tmp_path: Path) -> None:
    app = BptuiApp(load_network("mazur"))
    path = tmp_path / "edited.toml"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await type_answer(pilot, "w5 = 0.3")
        await pilot.press("w")
        await pilot.pause()
        await type_answer(pilot, str(path))
    reopened = load_network(str(path))
    assert reopened.params.weights[1][0, 0] == 0.3
    assert reopened.params.weights[0].tolist() == [[0.15, 0.2], [0.25, 0.3]]
    assert path.read_text().startswith("# Mazur 2-2-2: saved by bptui from the start of epoch 1")


async def test_w_asks_before_replacing_a_file_that_is_not_a_network(tmp_path: Path) -> None:
    app = BptuiApp(load_network("mazur"))
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        await type_answer(pilot, str(path))
        assert "exists (not a network file): replace it?" in screen_text(app)
        await type_answer(pilot, "n")
    assert path.read_text() == "my notes\n"


async def test_a_failing_save_as_leaves_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    import os

    app = BptuiApp(load_network("mazur"))
    path = tmp_path / "net.toml"
    path.write_text(network_toml(network_document(load_network("mazur"))))
    old = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        monkeypatch.setattr(os, "replace", broken)
        await type_answer(pilot, str(path))
        await type_answer(pilot, "y")
        monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.toml"]


def test_network_toml_reads_back_bit_for_bit() -> None:
    for name in ("mazur", "tanh-2332", "relu-softmax", "deep-sigmoid"):
        network = load_network(name)
        document = network_document(network)
        again = parse_document(tomllib.loads(network_toml(document, "a\nb")), "t", "t")
        assert again.params.flat().tobytes() == network.params.flat().tobytes()
        assert again.inputs.tobytes() == network.inputs.tobytes()
        assert again.learning_rate == network.learning_rate


def test_the_description_is_kept_by_w_and_by_sessions(tmp_path: Path) -> None:
    """`w` wrote the network without its description (the hostile trial). A description with
    quotes, a backslash, a line break, a tab and a character beyond the BMP reads back the
    same from the TOML `w` writes and from a saved session."""
    from bptui.engine.history import History
    from bptui.engine.session import Session, load_session, save_session

    document = network_document(load_network("mazur"))
    words = 'Mazur\'s "2-2-2",\n\tC:\\ net \U0001d6c5 \x7f end'
    document["description"] = words
    network = parse_document(document, "t", "t")
    assert network.description == words
    again = parse_document(tomllib.loads(network_toml(network_document(network))), "t", "t")
    assert again.description == words
    path = save_session(Session(History(network)), tmp_path / "s.bptui")
    assert load_session(path).history.network.description == words
    del document["description"]
    assert "description" not in network_document(parse_document(document, "t", "t"))


# -- sessions -----------------------------------------------------------------------------------


def test_edits_are_kept_in_sessions(tmp_path: Path) -> None:
    network = load_network("mazur")
    history = History(network)
    history.extend(5)
    params, _ = apply_edit(network, history.params_at(3), parse_edit(network, "w5 = 0.3"), None)
    history.edit(3, params=params)
    _, changed = apply_edit(
        network, history.params_at(3), parse_edit(network, "eta = 0.25"), network_document
    )
    history.edit(3, network=changed)
    history.extend(4)
    path = save_session(Session(history, 4, 7), tmp_path / "e.bptui")
    document = json.loads(path.read_text())
    assert document["version"] == 2 and document["edits"][0]["learning_rate"] == 0.25
    again = load_session(path).history
    assert again.network_for(3).learning_rate == 0.25
    assert again.network_for(2).learning_rate == 0.5
    assert again.params_at(3).weights[1][0, 0] == 0.3
    assert again.trace(4)[index_of("net_o1")].value == history.trace(4)[index_of("net_o1")].value


def tampered_edits(tmp_path: Path, change) -> str:
    """Save Mazur's 3 epochs with eta = 0.25 from epoch 3, `change` its edits, open it: the
    one-line refusal."""
    network = load_network("mazur")
    history = History(network)
    history.extend(3)
    _, changed = apply_edit(
        network, history.params_at(3), parse_edit(network, "eta = 0.25"), network_document
    )
    history.edit(3, network=changed)
    path = save_session(Session(history, 3, 0), tmp_path / "t.bptui")
    document = json.loads(path.read_text())
    change(document["edits"])
    path.write_text(json.dumps(document))
    with pytest.raises(BptuiError) as error:
        load_session(path)
    assert "\n" not in str(error.value)
    return str(error.value)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda e: e.update(learning_rate=-1), "learning_rate"),
        (lambda e: e.update(epoch=2), "edits[0].epoch"),
        (lambda e: e.update(inputs=[[0.1]]), "edits[0]"),
        (lambda e: e.update(extra=1), "edits[0].extra"),
    ],
)
def test_a_tampered_edit_is_refused_in_one_line(tmp_path: Path, change, key) -> None:
    assert key in tampered_edits(tmp_path, lambda edits: change(edits[0]))


def test_an_edit_past_the_last_network_is_said_in_words(tmp_path: Path) -> None:
    """A second edit at the same epoch read "expected a whole number from 4 to 3" (the hostile
    trial): it is past the last network settings.orders starts."""
    message = tampered_edits(tmp_path, lambda edits: edits.append(dict(edits[0])))
    path = tmp_path / "t.bptui"
    assert message == (
        f"{path}: edits[1].epoch: an edit after the one at epoch 3, where settings.orders "
        "starts no later network: the edits are in the order of their epochs, one per network"
    )
