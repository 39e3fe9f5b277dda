"""Snapshots of the debugger: each says what a person should see, and checks its numbers.

Every expected number is from Mazur's worked example as recomputed independently in float64
(the project's reference table, tests/reference.py), written at the 9 decimals the screen
shows; every position is reached by as many key presses as the engine's trace puts steps
before it.
"""

from __future__ import annotations

import re
from pathlib import Path

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.engine.loader import load_network
from tests.reference import AFTER_TRAINING, MAZUR, MAZUR_2015, show, shown
from tests.screen import index_of, svg_text

NETS = Path(__file__).parent / "nets"
TO_W5 = ["n"] * index_of("∂E_total/∂w5")  # from the first step to ∂E_total/∂w5


class RecordingApp(BptuiApp):
    """The app, keeping the text of the last screenshot for the test's own assertions."""

    text = ""

    def export_screenshot(self, *args, **kwargs) -> str:
        svg = super().export_screenshot(*args, **kwargs)
        self.text = svg_text(svg)
        return svg


def app_for(net: str = "mazur") -> RecordingApp:
    return RecordingApp(load_network(net))


def holds(text: str, *numbers: str) -> None:
    for number in numbers:
        assert number in text, f"{number!r} is not on the screen"


def test_opening_screen(snap_compare) -> None:
    """Mazur's net at step 1: net_h1 = 0.3775 in the step panel, every weight on its edge,
    every later value shown as ·, the chain panel on w5 (the first gradient to come)."""
    app = app_for()
    assert snap_compare(app, terminal_size=(120, 40))
    holds(
        app.text,
        "net_h1",
        "= 0.15·0.05 + 0.2·0.1 + 0.35",
        f"= {show('net_h1')}",
        "w1 0.15",
        "w8 0.55",
        "out ·",
        "Chain rule · w5",
    )


def test_mid_forward_at_out_h1(snap_compare) -> None:
    """Step 2: out_h1 = 1/(1 + e^(−0.3775)) = 0.593269992, h1 highlighted, net_h1 marked."""
    app = app_for()
    assert snap_compare(app, press=["n"] * index_of("out_h1"), terminal_size=(120, 40))
    holds(app.text, "= 1/(1 + e^(−0.3775))", show("out_h1"), f"net {show('net_h1')}")


def test_e_total(snap_compare) -> None:
    """The error phase's last step: E_total = 0.274811083 + 0.023560026 = 0.298371109."""
    app = app_for()
    # ] goes to the error phase's first step, E_o1
    to_e_total = ["n"] * (index_of("E_total") - index_of("E_o1"))
    assert snap_compare(app, press=["right_square_bracket", *to_e_total], terminal_size=(120, 40))
    holds(
        app.text,
        f"{show('E_o1')} + {show('E_o2')}",
        show("E_total"),
        f"out {show('out_o2')}",
    )


def test_gradient_of_w5_with_its_chain(snap_compare) -> None:
    """∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041, the delta rule
    beneath, the edge h1→o1 highlighted, w5's row marked and filled in the table."""
    app = app_for()
    assert snap_compare(app, press=TO_W5, terminal_size=(120, 40))
    holds(
        app.text,
        f"{show('∂E_total/∂out_o1')} × {show('∂out_o1/∂net_o1')} × {show('out_h1')}",
        show("∂E_total/∂w5"),
        f"{show('δ_o1')} × {show('out_h1')}",
    )


def test_gradient_of_w1_with_both_output_paths(snap_compare) -> None:
    """∂E_total/∂w1 at 200×60: the chain panel expands ∂E_total/∂out_h1 into the paths through
    o1 and o2 (0.055399425 + (−0.019049118) = 0.036350306), each down to its δ and weight
    (δ_o1 × w5, δ_o2 × w7), and the product 0.000438568. (At 120×40 the second path is below
    the panel's last line, and its subtitle says how many lines more.)"""
    app = app_for()
    assert snap_compare(app, press=["g", *"dE_total/dw1", "enter"], terminal_size=(200, 60))
    holds(
        app.text,
        f"{show('∂E_o1/∂out_h1')} + ({show('∂E_o2/∂out_h1')})",
        show("∂E_total/∂out_h1"),
        show("∂E_total/∂w1"),
        "δ_o1 × w5",
        "δ_o2 × w7",
    )


def test_update_phase_shows_old_and_new_weights(snap_compare) -> None:
    """The last step of the epoch: every edge reads old → new (w5 0.4→0.35891648) and the
    table's new column is filled (w1 0.149780716)."""
    app = app_for()
    assert snap_compare(app, press=["end"], terminal_size=(120, 40))
    holds(app.text, f"w5 0.4→{show('w5⁺')}", f"w1 0.15→{show('w1⁺')}", show("w1⁺"))


async def _run_10000(pilot) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, DebuggerScreen)
    # (a snapshot's pilot starts with the app, before the debugger has its widgets and shows
    # the first step: a run started then had its result shown, then the first step over it)
    for _ in range(200):
        if screen.holds_keys is False:
            break
        await pilot.pause(0.01)
    screen.start_run(10_000)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_after_a_10000_epoch_run_with_the_plot(snap_compare) -> None:
    """After r (10,000 epochs): the last step of epoch 10,000, the status says the loss after
    it (3.51018778e-05) and the outputs (o1 0.01591362, o2 0.984064274); the plot falls from
    0.3."""
    app = app_for()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_run_10000)
    expected = AFTER_TRAINING["mazur"]
    holds(
        app.text,
        f"after epoch 10,000: loss {shown(expected.loss)}",
        f"o1 {shown(expected.outputs[0])}, o2 {shown(expected.outputs[1])}",
    )


def test_help_screen(snap_compare) -> None:
    """? opens the help: every key with what it does."""
    app = app_for()
    assert snap_compare(app, press=["question_mark"], terminal_size=(120, 40))
    holds(app.text, "bptui keys", "next step", "run N more epochs")


def test_a_2332_tanh_net(snap_compare) -> None:
    """A 2-3-3-2 tanh net in its backward pass at ∂E_total/∂w1: most edges labelled with
    their value (and their gradient, once computed: w9 0.2 ∂0.004312961), some where the
    edges crowd with their name alone; four (w8, w14, w17, w20) go without, where every place
    along their line is led into by another line (a label there was read as that line's); δ
    under every neuron the pass has reached."""
    app = app_for("tanh-2332")
    assert snap_compare(app, press=["g", *"dE_total/dw1", "enter"], terminal_size=(120, 40))
    weights = [ref.name for ref in load_network("tanh-2332").param_refs if ref.kind == "weight"]
    assert len(weights) == 2 * 3 + 3 * 3 + 3 * 2
    named = [name for name in weights if re.search(rf"(?<![\w]){name}(?!\d)", app.text)]
    assert len(named) >= len(weights) - 4, sorted(set(weights) - set(named))


def test_compact_layout_at_80x24(snap_compare) -> None:
    """At 80×24 the step panel sits above one switchable panel (v); here the diagram. The
    step panel has room for all of ∂E_total/∂w5, the delta rule's numbers included."""
    app = app_for()
    assert snap_compare(app, press=TO_W5, terminal_size=(80, 24))
    holds(app.text, show("∂E_total/∂w5"), f"{show('δ_o1')} × {show('out_h1')}")


def test_compact_layout_shows_the_table_on_v(snap_compare) -> None:
    """At 80×24, v switches the lower panel to the parameter table: w1 to w7 in view around
    the selected w5 (0.082167041, its finite difference the same under the table)."""
    app = app_for()
    assert snap_compare(app, press=[*TO_W5, "v"], terminal_size=(80, 24))
    holds(app.text, show("∂E_total/∂w5"), "w7", "finite difference 0.082167041")


def test_a_net_too_wide_to_label(snap_compare) -> None:
    """A hidden layer of 12: its middle collapses to '⋮ 6 more', edges are shaded by sign and
    size instead of labelled."""
    wide = str(NETS / "wide.toml")
    app = RecordingApp(load_network(wide))
    assert snap_compare(app, press=["n"] * index_of("out_h2", wide), terminal_size=(120, 40))
    holds(app.text, "⋮ 6 more", "(h1)", "(h12)")


def test_compare_view_at_the_gradient_of_w1(snap_compare) -> None:
    """m at ∂E_total/∂w1: each hidden step in both orders, scrolled to the w1 row, which reads
    0.000438568 (before_update) against 0.000364723 (after_output_update)."""
    app = app_for()
    assert snap_compare(app, press=["g", *"dE_total/dw1", "enter", "m"], terminal_size=(120, 40))
    before, after = MAZUR["∂E_total/∂w1"], MAZUR_2015["∂E_total/∂w1"]
    holds(
        app.text,
        shown(before),
        shown(after),
        f"= {shown(MAZUR_2015['∂E_total/∂out_h1'])} × {show('∂out_h1/∂net_h1')}",
        "−7.38448569e-05",  # after − before, at full precision
    )


def test_a_terminal_of_40x12_shows_only_a_message(snap_compare) -> None:
    """Below 60×20 only a message shows: what size bptui needs, and that q and ? still work."""
    app = app_for()
    assert snap_compare(app, terminal_size=(40, 12))
    holds(app.text, "60×20", "40×12")


def test_the_smallest_usable_terminal(snap_compare) -> None:
    """At exactly 60×20 the debugger works, in its compact layout."""
    app = app_for()
    assert snap_compare(app, press=["n"] * index_of("out_h1"), terminal_size=(60, 20))
    holds(app.text, "out_h1", show("out_h1"))


async def _asking(pilot) -> None:
    """n, t, then the question open with its field focused (it opens after a refresh: under
    load the picture was once taken before it)."""
    from bptui.app.dialogs import AskScreen

    await pilot.press("n", "t")
    for _ in range(200):
        screen = pilot.app.screen
        if isinstance(screen, AskScreen) and screen.focused is not None:
            break
        await pilot.pause(0.01)
    await pilot.pause()


def test_predict_mode_asks(snap_compare) -> None:
    """t at out_h1: the question at the bottom with the numbers to work with
    (out_h1 = 1/(1 + e^(−0.3775)) = ?), the step panel's value a ?, out_h1 not yet in the
    diagram (out ·), the status bar's score line."""
    app = app_for()
    assert snap_compare(app, run_before=_asking, terminal_size=(120, 40))
    holds(app.text, "out_h1 = 1/(1 + e^(−0.3775)) = ?", "predict mode (t ends it)")
    assert show("out_h1") not in app.text


def test_predict_mode_right(snap_compare) -> None:
    """0.5933 typed for out_h1: ✓ right, the value shown, 1 of 1 right this epoch."""
    app = app_for()
    assert snap_compare(app, press=["n", "t", *"0.5933", "enter"], terminal_size=(120, 40))
    holds(app.text, "✓ right: you said 0.5933", show("out_h1"), "1 of 1 right this epoch")


def test_predict_mode_wrong(snap_compare) -> None:
    """0.6 typed for out_h1: ✗, the value 0.593269992 beside the numbers that make it."""
    app = app_for()
    assert snap_compare(app, press=["n", "t", *"0.6", "enter"], terminal_size=(120, 40))
    holds(app.text, f"✗ you said 0.6; it is {show('out_h1')}", "0 of 1 right this epoch")


def test_predict_mode_epoch_summary(snap_compare) -> None:
    """At the epoch's last step (w8⁺), answered right: the summary of the epoch appears, titled
    "epoch 1 done": 1 of 1 right, update 1/1."""
    app = app_for()
    assert snap_compare(app, press=["end", "t", *show("w8⁺"), "enter"], terminal_size=(120, 40))
    holds(app.text, "epoch 1 done", "1 of 1 right (forward 0/0", "update 1/1")


def test_compare_first_divergence(snap_compare) -> None:
    """`bptui --compare tests/yours/mazur-sign-flip.json`, then x: the step panel on
    ∂E_total/∂out_o1 (step 12) with the learner's −0.74136507 beside bptui's 0.74136507, the
    first divergence, its likely cause (a sign flip) and where the mistake is; the table's
    gradient and new columns leave room for the ✓/✗ marks (none yet: no gradient is reached)."""
    from bptui.engine.compared import Compared
    from bptui.engine.history import History
    from bptui.engine.session import Session
    from bptui.engine.yours import read_yours

    history = History(load_network("mazur"))
    yours = read_yours(Path(__file__).parent / "yours" / "mazur-sign-flip.json")
    compared = Compared.make(history.network, yours, history.trace)
    app = RecordingApp(session=Session(history), compared=compared)
    assert snap_compare(app, press=["x"], terminal_size=(120, 40))
    holds(app.text, "step 12 of 51", "✗ yours: -0.74136507, not 0.74136507", "a sign flip")


def test_compare_marks_in_the_table(snap_compare) -> None:
    """The same, at w5⁺ (g w5+): the step panel says the learner's 0.44108352 follows from the
    earlier error; the table marks w1's and w5's gradients and new values ✗ (the file gives
    those two), the other rows have no mark."""
    from bptui.engine.compared import Compared
    from bptui.engine.history import History
    from bptui.engine.session import Session
    from bptui.engine.yours import read_yours

    history = History(load_network("mazur"))
    yours = read_yours(Path(__file__).parent / "yours" / "mazur-sign-flip.json")
    compared = Compared.make(history.network, yours, history.trace)
    app = RecordingApp(session=Session(history), compared=compared)
    press = ["g", *"w5+", "enter"]
    assert snap_compare(app, press=press, terminal_size=(120, 40))
    holds(app.text, "0.44108352", "follows from the", "0.358916480 ✗")
