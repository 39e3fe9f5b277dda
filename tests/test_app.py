"""The debugger driven through Pilot: state after keys, not pixels."""

from __future__ import annotations

import math

import pytest
from textual import events
from textual.command import CommandList
from textual.widgets import Static

from bptui.app.app import TOAST_READ_SECONDS, BptuiApp
from bptui.app.debugger import STEP_PANEL_SIDES, DebuggerScreen
from bptui.app.widgets.chain_panel import ChainPanel
from bptui.app.widgets.loss_plot import LossPlot
from bptui.app.widgets.norms_plot import NormsPlot
from bptui.app.widgets.param_table import ParamTable
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.history import History
from bptui.engine.loader import load_network, parse_document
from bptui.engine.session import Session
from tests.reference import AFTER_TRAINING, MAZUR, show, shown
from tests.screen import (
    answer,
    find,
    index_of,
    last_index,
    phase_start,
    record_notices,
    screen_text,
    steps,
    svg_text,
)

SIZE = (120, 40)


def debugger(app: BptuiApp) -> DebuggerScreen:
    screen = app.screen
    assert isinstance(screen, DebuggerScreen)
    return screen


async def test_stepping_forward_and_back_is_exact() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        assert screen.position == (1, 0)
        first = screen_text(app)
        e_total = index_of("E_total")
        await pilot.press(*["n"] * e_total)
        assert screen.position == (1, e_total)
        assert f"= {show('E_o1')} + {show('E_o2')}" in screen_text(app)
        await pilot.press(*["p"] * e_total)
        assert screen.position == (1, 0)
        assert screen_text(app) == first


async def test_stepping_back_across_an_epoch_shows_the_last_step_of_the_one_before() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("end")
        last = screen_text(app)
        assert screen.position == (1, last_index())
        await pilot.press("n")
        assert screen.position == (2, 0)
        assert "epoch 2" in screen_text(app)
        first_loss = shown(AFTER_TRAINING["mazur"].first_loss)
        assert f"loss after epoch 1: {first_loss}" in screen_text(app)
        await pilot.press("p")
        assert screen.position == (1, last_index())
        assert screen_text(app) == last


async def test_phase_keys_jump_between_phases() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("right_square_bracket")
        assert screen.frame.phase == "error" and screen.index == phase_start("error")
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.frame.phase == "update" and screen.index == phase_start("update")
        await pilot.press("left_square_bracket")
        assert screen.frame.phase == "backward" and screen.index == phase_start("backward")
        await pilot.press("1")
        assert screen.index == 0
        await pilot.press("3")
        assert screen.index == phase_start("backward")


@pytest.mark.parametrize("focus", ["table", "none"])
async def test_arrow_keys_step_whatever_has_focus(focus: str) -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        if focus == "table":
            screen.query_one(ParamTable).focus()
            await pilot.pause()
        await pilot.press("right", "right")
        assert screen.position == (1, 2)
        await pilot.press("left")
        assert screen.position == (1, 1)


async def test_prev_is_disabled_at_the_first_step() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        assert screen.check_action("prev", ()) is None
        await pilot.press("p")
        assert screen.position == (1, 0)
        await pilot.press("n")
        assert screen.check_action("prev", ()) is True


async def test_chain_panel_follows_the_step_until_pinned() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        # (in the forward pass the panel shows the gradient ahead, and says so)
        assert "Chain rule · w5 (the next gradient · follows the step)" in screen_text(app)
        screen.go(1, index_of("∂E_total/∂out_o1"))
        await pilot.pause()
        assert "Chain rule · w5 (follows the step)" in screen_text(app)
        screen.go(1, 0)
        await pilot.pause()
        table = screen.query_one(ParamTable)
        table.focus()
        await pilot.pause()
        await pilot.press("down", "enter")  # w2
        assert screen.pinned == "w2"
        assert "Chain rule · w2 (pinned" in screen_text(app)
        await pilot.press("n", "n")
        assert screen.pinned == "w2"
        await pilot.press("u")
        assert screen.pinned is None


async def test_clicking_a_weight_label_in_the_diagram_pins_it() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        x, y = find(screen_text(app), "w7 0.5")
        await pilot.click(offset=(x + 1, y))
        assert screen.pinned == "w7"


async def test_go_to_takes_epochs_steps_and_symbols() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        assert screen.parse_goto("3") == (3, 0)
        assert screen.parse_goto("2:17") == (2, 16)  # steps are counted from 1 on the screen
        assert screen.parse_goto("dE_total/dw5") == (1, index_of("∂E_total/∂w5"))
        assert screen.parse_goto("3 ∂E_total/∂w1") == (3, index_of("∂E_total/∂w1"))
        assert screen.parse_goto("delta_o1") == (1, index_of("δ_o1"))
        assert screen.parse_goto("w5+") == (1, index_of("w5⁺"))
        assert screen.parse_goto("nonsense") is None
        await pilot.press("g")
        await pilot.press(*"2 delta_h1", "enter")
        assert screen.position == (2, index_of("δ_h1"))


async def test_a_run_ends_on_the_last_step_and_reports_the_posts_numbers() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("r")
        await pilot.press("enter")  # the default, 10,000
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.position == (10_000, last_index())
        expected = AFTER_TRAINING["mazur"]
        text = screen_text(app)
        assert f"after epoch 10,000: loss {shown(expected.loss)}" in text
        o1, o2 = expected.outputs
        named = (f"o1 {shown(o1)}", f"o2 {shown(o2)}")
        assert f"outputs {', '.join(named)}" in text
        # the post's number, with the screen's digits (it gave 10: 3.510854812e-05)
        assert f"is E_total during epoch 10,000 ({shown(expected.e_total_10000)})" in text
        # and where a reader meets it: epoch 10,000's own E_total (the newcomer trial)
        screen.go(10_000, index_of("E_total"))
        await pilot.pause()
        panel = screen.query_one(StepPanel).text()
        assert panel.startswith("E_total") and f"= {shown(expected.e_total_10000)}\n" in panel
        assert "the post's 0.0000351085 after 10,000 epochs is this E_total, during the" in (
            " ".join(panel.split())
        )


async def test_a_runs_result_stays_in_its_epoch_and_goes_with_an_edit() -> None:
    """The run's result is said where the run left the position, while its epoch is shown; it
    goes once another epoch is shown, and with an edit (its numbers may be gone)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.start_run(5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "after epoch 5: loss" in screen_text(app)
        await pilot.press("home", "p")  # epoch 5's first step, then epoch 4's last
        await pilot.pause()
        assert screen.position == (4, last_index())
        assert "after epoch 5: loss" not in screen_text(app)
        await pilot.press("n")  # back in epoch 5: the result does not come back
        await pilot.pause()
        assert "after epoch 5: loss" not in screen_text(app)
        await pilot.press("end")
        screen.start_run(1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "after epoch 6: loss" in screen_text(app)
        screen._edit_answer("w5 = 0.3")  # (asks whether to replace the history after it)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.history.params_at(6).weights[1][0][0] == 0.3  # (the edit was made)
        assert "after epoch 6: loss" not in screen_text(app)


async def test_a_run_from_mid_epoch_ends_n_minus_1_epochs_later() -> None:
    app = BptuiApp(load_network("mazur-2015"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("n", "n", "n")
        screen.start_run(1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.position == (1, last_index("mazur-2015"))
        first_loss = AFTER_TRAINING["mazur-2015"].first_loss
        assert f"after epoch 1: loss {shown(first_loss)}" in screen_text(app)


async def test_a_run_ends_at_the_last_epoch_a_session_can_hold(monkeypatch) -> None:
    """`r` at the limit of epochs (10,000,000; 30 here) runs to it, not past it (a session saved
    after 10,038,000 epochs was refused on opening), and says so; at its last step, no run."""
    from bptui.app import debugger as debugger_module

    monkeypatch.setattr(debugger_module, "MAX_EPOCHS", 30)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.start_run(25)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.start_run(10_000)
        assert "to epoch 30, the last one bptui runs to" in screen.run_text
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.position == (30, last_index("mazur"))
        assert screen.history.epochs_done == 30
        notices = record_notices(app)
        assert screen.start_run(1) is None
        assert not screen.running and screen.history.epochs_done == 30
        assert notices == ["epoch 30 is the last one bptui runs to"]


async def test_cancelling_a_long_run_keeps_the_finished_epochs() -> None:
    big = load_network("tanh-2332")
    app = BptuiApp(big)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        worker = screen.start_run(5_000_000)  # would take well over 10 s
        await pilot.pause(0.3)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert worker.is_cancelled
        done = screen.history.epochs_done
        assert 0 < done < 5_000_000
        assert len(screen.history.losses) == done
        assert screen.epoch == done


async def test_switching_the_order_asks_and_keeps_earlier_epochs() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("end", "n")  # epoch 2
        loss_1 = screen.history.loss_after(1)
        await pilot.press("o", "enter")
        assert screen.history.network_for(2).hidden_gradients == "after_output_update"
        assert screen.history.network_for(1).hidden_gradients == "before_update"
        assert screen.history.loss_after(1) == loss_1
        await pilot.press("p")  # epoch 1 keeps its order: every gradient before any update
        assert "all gradients before any update" in screen_text(app)
        await pilot.press("n")
        assert "hidden gradients through the updated w⁺" in screen_text(app)


async def test_help_screen_opens_and_closes() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert "bptui keys" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, DebuggerScreen)


async def test_the_help_says_what_is_below_and_how_to_get_there() -> None:
    """Its scrollbar was hard to see, and nothing said the keys went on (the newcomer trial)."""
    from textual.containers import VerticalScroll

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroll = app.screen.query_one(VerticalScroll)
        below = scroll.max_scroll_y
        assert below > 0
        assert scroll.border_subtitle == f"↓ {below} more lines: ↓ or PageDown"
        await pilot.press("pagedown")
        await pilot.pause()
        left = scroll.max_scroll_y - scroll.scroll_y
        assert 0 < left < below and scroll.border_subtitle.startswith(f"↓ {int(left)} more")
        await pilot.press("end")
        await pilot.pause()
        assert scroll.border_subtitle == "the end · ↑ or PageUp goes back"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(200, 80)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one(VerticalScroll).border_subtitle == ""


async def test_the_help_reads_the_diagrams_labels_as_they_are_drawn() -> None:
    """The help's last paragraph says how to read a label (the newcomer trial could not tell
    `∂0.082167041`, `≈` or `w1⁺ 0.15` from `w1 0.15→0.149780716`); its examples are the forms
    the diagram draws for the post's w5 (0.4, ∂E_total/∂w5 = 0.082167041, w5⁺ = 0.35891648)."""
    from textual.containers import VerticalScroll

    from bptui.app.diagram.draw import _label_forms
    from bptui.app.dialogs import DIAGRAM

    w5, gradient, after = 0.4, MAZUR["∂E_total/∂w5"], MAZUR["w5⁺"]  # (w5 is the post's)
    backward = list(_label_forms("w5", w5, None, gradient, 9))
    update = list(_label_forms("w5", w5, after, None, 9))
    for example, forms in [
        ("w5 0.4", backward),
        ("w5 0.4 ∂0.082167041", backward),
        ("w5 ∂≈0.0822", backward),
        ("w5 0.4→0.35891648", update),
        ("w5⁺ ≈0.3589", update),
    ]:
        assert f"`{example}`" in DIAGRAM and example in forms, example
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark", "end")
        await pilot.pause()
        assert app.screen.query_one(VerticalScroll).border_subtitle.startswith("the end")
        assert "Reading the diagram" in screen_text(app)


async def test_bang_without_a_nonfinite_stop_says_so() -> None:
    """`!` did nothing at all after a run that stayed finite (the newcomer trial)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        notices = record_notices(app)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert notices == [
            "no run has stopped at a non-finite value (a nan breakpoint, b, finds one)"
        ]
        assert debugger(app).position == (1, 0)


async def test_compare_view_pairs_the_hidden_steps_through_the_updated_weights() -> None:
    from bptui.app.compare_screen import CompareScreen

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        path = screen.rows[0]
        assert path.after.formula == "δ_o1 × w5⁺"
        assert abs(path.after.value - MAZUR["δ_o1"] * MAZUR["w5⁺"]) < 1e-12
        await pilot.press("escape")
        assert isinstance(app.screen, DebuggerScreen)


async def test_palette_selects_a_parameter_by_name() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Select w7")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert debugger(app).pinned == "w7"


async def test_the_palette_offers_loading_your_numbers_first() -> None:
    """`your numbers` Enter in the palette went to the first divergence (of numbers not yet
    loaded), not to loading them: the three tie, and the first listed comes first."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"your numbers")
        await pilot.pause(0.5)
        found = [str(o.prompt) for o in app.screen.query_one(CommandList).options]
        assert found[0].startswith("Compare with your numbers"), found


async def test_page_keys_typed_with_ctrl_p_move_the_palettes_list_as_typed_slowly() -> None:
    """PageDown in the same burst as ctrl+p (a terminal's keys, not Pilot's, which waits
    between them) reached the list before its layout: Textual's page move raised KeyError."""
    highlighted = []
    for burst in (True, False):
        app = BptuiApp(load_network("mazur"))
        async with app.run_test(size=SIZE) as pilot:
            if burst:
                for key in ("ctrl+p", "pagedown", "pagedown", "pageup"):
                    app.post_message(events.Key(key, None))
            else:
                await pilot.press("ctrl+p")
                await pilot.pause(0.5)
                await pilot.press("pagedown", "pagedown", "pageup")
            await pilot.pause(0.5)
            assert app.is_running
            highlighted.append(app.screen.query_one(CommandList).highlighted)
    assert highlighted[0] == highlighted[1] is not None


async def test_the_palette_offers_no_screenshot_or_maximize_of_textuals_own() -> None:
    """Textual's Screenshot failed without ~/Downloads (`S` asks where), and a panel maximized
    and then resized small showed only hatching (the hostile trial)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Theme" in titles and "Quit" in titles
        assert not {"Screenshot", "Maximize", "Minimize", "Keys"} & set(titles)
        await pilot.press("ctrl+p", *"screen svg")
        await pilot.pause(0.5)
        found = [str(o.prompt) for o in app.screen.query_one(CommandList).options]
        assert any("Export the screen as SVG" in text for text in found), found


@pytest.mark.parametrize(
    "keys",
    [
        ["ctrl+p", *"theme", "enter", *"light", "enter", "enter"],
        ["ctrl+p", *"theme", "enter", "enter"],
        ["ctrl+p", *"select w7", "enter", *"nn"],
    ],
)
async def test_keys_typed_at_once_through_the_palette_act_as_typed_slowly(keys) -> None:
    """`ctrl+p theme Enter light Enter Enter` in one burst left a blank screen: the picker's
    Enter reached it twice and the second dismissed the debugger beneath, and `light` went to
    the debugger, whose g and t opened a question and predict mode (the hostile trial).
    Typed slowly here: each key once the app is idle and the palette's search has ended."""
    from bptui.app.commands import Palette

    async def settled(app, pilot) -> None:
        for _ in range(300):  # (15 s at most, for a machine busy with other work)
            await pilot.pause(0.05)
            searching = any(
                isinstance(worker.node, Palette) and not worker.is_finished
                for worker in app.workers
            )
            if not searching and not app.type_ahead.waiting and not app.command_pending:
                return

    outcomes = []
    for burst in (True, False):
        app = BptuiApp(load_network("mazur"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for key in keys:
                character = key if len(key) == 1 else "\r" if key == "enter" else None
                if burst:
                    app.post_message(events.Key(key, character))
                else:
                    await pilot.press(key)
                    await settled(app, pilot)
            await settled(app, pilot)
            await pilot.pause(0.3)
            screen = app.screen_stack[0]
            assert isinstance(screen, DebuggerScreen)
            outcomes.append(
                (
                    type(app.screen).__name__,
                    app.theme,
                    screen.position,
                    screen.pinned,
                    screen.predicting,
                )
            )
    assert outcomes[0] == outcomes[1]


async def test_ctrl_c_says_which_key_quits_in_plain_words() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        (notification,) = app._notifications
        assert notification.message == "Press q to quit bptui"
        assert app.is_running


async def test_a_bad_file_opened_from_the_app_keeps_the_current_network(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("learning_reate = 0.5\n")
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("n")
        await screen.run_action("open_network")
        await pilot.pause()
        await answer(pilot, str(bad))
        await pilot.pause()
        assert app.screen is screen and screen.position == (1, 1)
        assert screen.history.network.name == "Mazur 2-2-2"
        await screen.run_action("open_network")
        await pilot.pause()
        await pilot.press(*"xor", "enter")
        await pilot.pause()
        assert debugger(app).history.network.name == "XOR 2-3-1"


DIVERGING = (
    "learning_rate = 50.0\n"
    '[[layers]]\nactivation = "linear"\nweights = [[0.5, -0.3], [0.2, 0.4]]\n'
    '[[layers]]\nactivation = "linear"\nweights = [[0.3, 0.6]]\n'
    "[[samples]]\ninputs = [1.0, 2.0]\ntargets = [1.0]\n"
)


async def test_a_diverging_run_stops_on_the_first_nonfinite_step(tmp_path) -> None:
    import math

    path = tmp_path / "diverging.toml"
    path.write_text(DIVERGING)
    network = load_network(str(path))
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.start_run(1000)
        await app.workers.wait_for_complete()
        await pilot.pause()
        step = screen.frame.step
        assert not math.isfinite(step.value)
        trace = screen.history.trace(screen.epoch)
        assert all(math.isfinite(s.value) for s in trace[: screen.index])
        assert "the first non-finite value is at epoch" in screen_text(app)
        await pilot.press("home", "exclamation_mark")
        assert (screen.frame.step.index, screen.frame.step.symbol) == (step.index, step.symbol)


async def test_a_cut_delta_expands_on_click_and_stays_open_while_stepping() -> None:
    """In a 3-8-8-8-2 net the first layer's chain stops at the δs above; a click opens one."""
    import numpy as np

    from bptui.app.widgets.chain_panel import ChainPanel
    from bptui.engine.loader import parse_document

    rng = np.random.default_rng(1)
    document = {
        "layers": [
            {"activation": "tanh", "size": 8},
            {"activation": "tanh", "size": 8},
            {"activation": "tanh", "size": 8},
            {"activation": "sigmoid", "size": 2},
        ],
        "samples": [{"inputs": rng.uniform(-1, 1, 3).tolist(), "targets": [0.2, 0.7]}],
    }
    app = BptuiApp(parse_document(document, "deep", "deep"))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = debugger(app)
        screen.pin("w1")
        await pilot.pause()
        panel = screen.query_one(ChainPanel)
        text = screen_text(app)
        x, y = find(text, "▸ click to expand")
        await pilot.click(offset=(x, y))
        await pilot.pause()
        assert len(screen.expanded) == 1
        ((layer, unit),) = screen.expanded
        opened = [
            node
            for _, node in panel.view.breakdown.tree.walk()
            if (node.layer, node.unit) == (layer, unit) and node.op != "leaf"
        ]
        assert opened
        await pilot.press("n")
        assert screen.expanded == {(layer, unit)}


async def test_the_chain_panel_reuses_its_lines_only_while_they_are_the_same() -> None:
    """Two epochs of n: wherever the panel kept its lines (no factor reached), they equal a
    fresh drawing of the position, and so does the line kept in view."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        panel = screen.query_one(ChainPanel)
        kept = 0
        for _ in range(2 * len(steps())):
            lines = panel.lines
            await pilot.press("n")
            kept += panel.lines is lines
            assert panel.lines == panel.render_view(panel.view)
            assert panel.top == panel.top_for_current()
        assert kept >= 20  # the forward and error phases (11 steps, the first of each epoch new)


def plotted(plot: NormsPlot) -> list[tuple[list[float], list[float]]]:
    """What the plot's chart draws: (x, y) of each line, in the order they are drawn."""
    if plot.chart is None:
        return []
    return [(list(x), list(y)) for x, y, _ in plot.chart.curves]


async def test_g_switches_the_plot_to_every_layers_gradient_norm() -> None:
    """G shows the norms in the loss plot's place: one line per layer, labelled in its colour,
    holding log10 of History's norms after each epoch; G again brings the loss back."""
    network = load_network("deep-sigmoid")
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        loss, norms = screen.query_one(LossPlot), screen.query_one(NormsPlot)
        place = loss.region
        assert loss.display and not norms.display
        screen.start_run(40)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.epoch == 40
        await pilot.press("G")
        await pilot.pause()
        assert norms.display and not loss.display
        assert norms.region == place
        history = screen.history.norms()
        assert history.shape == (40, 6)
        lines = plotted(norms)
        assert len(lines) == 6
        for k, (xs, ys) in enumerate(lines):
            assert xs == list(range(1, 41))
            assert ys == pytest.approx([math.log10(v) for v in history[:, k]], rel=1e-12)
        labels = [label for label, *_ in norms.series]
        assert labels == [network.layer_label(k) for k in range(6)]
        for k, (_, color, *_) in enumerate(norms.series):
            assert f"[{color}]━{k + 1}[/" in norms.border_title
        assert "━1 ━2 ━3 ━4 ━5 ━6" in screen_text(app)
        # the vanishing gradients, as plotted: layer 1's line more than two decades below
        # layer 6's in each of the first 10 epochs
        assert all(a < b - 2 for a, b in zip(lines[0][1][:10], lines[5][1][:10], strict=True))
        await pilot.press("G")
        await pilot.pause()
        assert loss.display and not norms.display and loss.region == place


async def test_the_norms_plot_grows_with_the_epochs_stepped_through() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        norms = screen.query_one(NormsPlot)
        await pilot.press("G")
        await pilot.pause()
        assert plotted(norms) == [] and "no epoch finished yet" in str(norms.border_subtitle)
        await pilot.press("end")  # epoch 1's last step: its norms are known
        await pilot.pause()
        history = screen.history.norms()
        assert len(history) == 1
        assert plotted(norms) == [
            ([1], [pytest.approx(math.log10(v), rel=1e-12)]) for v in history[0]
        ]


async def test_the_palette_switches_the_plot() -> None:
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"gradient norms")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert debugger(app).plot == "norms"


async def test_a_restored_session_plots_the_norms_it_replays() -> None:
    """A session keeps no norms: the plot works them out in the background, then shows them
    all, the same as those of the run that made the session."""
    network = load_network("xor")
    original = History(network)
    original.extend(300)
    state = original.export_state()
    restored = History.from_state(
        state["networks"], state["every"], state["checkpoints"], state["losses"]
    )
    app = BptuiApp(session=Session(restored, epoch=300))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.press("end", "G")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.history.norms_start == 1
        assert screen.history.norms().tobytes() == original.norms().tobytes()
        xs, _ = plotted(screen.query_one(NormsPlot))[0]
        assert xs[0] == 1 and xs[-1] == 300


async def test_r_at_the_end_of_epoch_2_runs_10000_more_and_says_so() -> None:
    """The trial's case: at the last step of epoch 2, `r` and Enter (10,000) ends on the last
    step of epoch 10,002, and the question says where it starts and where 10,000 ends (the
    second newcomer trial, at epoch 2's first step, expected the post's epoch 10,000)."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(2, last_index())
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        text = screen_text(app)  # (the question is on two lines)
        assert "Run how many more epochs? (from epoch 3, 10,000 ends at epoch" in text
        assert "10,002; g goes to an epoch" in text
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.position == (10_002, last_index())
        assert "after epoch 10,002" in screen_text(app)


async def test_y_hides_and_shows_the_why_line() -> None:
    """The plain-words why is under the step until `y`; `y` again brings it back, and the
    screen is then the one shown before."""
    from bptui.app.widgets.step_panel import StepPanel
    from bptui.engine.explain import why

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(1, index_of("∂E_total/∂w5"))
        await pilot.pause()
        line = why(screen.frame.trace, screen.frame.step)
        assert line.startswith("E_total depends on w5 only through net_o1")
        panel = screen.query_one(StepPanel)
        assert line in panel.text()
        before = screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert line not in panel.text() and "depends on w5" not in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert screen_text(app) == before


LINEAR_HUGE_RATE = """
name = "linear, learning rate 1e3"
learning_rate = 1e3
[[layers]]
activation = "linear"
weights = [[0.5, -0.25], [0.75, 0.1]]
bias = 0.1
[[layers]]
activation = "linear"
weights = [[0.3, 0.6], [-0.2, 0.4]]
bias = 0.2
[[samples]]
inputs = [0.5, 1.0]
targets = [0.2, 0.7]
"""


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_huge_numbers_never_outgrow_their_column(tmp_path, size) -> None:
    """A linear net at learning rate 1e3 explodes within a few epochs (its weights pass 200
    in epoch 1, 5e10 in epoch 2, 6e35 in 3, 3e111 in 4, worked out by the engine): each table
    cell stays within its column, and every number on the screen is in scientific notation
    once it passes 1e6 (at most p + 1 digits)."""
    import re

    from bptui.app.widgets.param_table import ParamTable

    path = tmp_path / "linear.toml"
    path.write_text(LINEAR_HUGE_RATE)
    app = BptuiApp(load_network(str(path)))
    async with app.run_test(size=size) as pilot:
        screen = debugger(app)
        for epoch in (3, 4, 5):  # (starting from the weights after epochs 2, 3, 4)
            screen.go(epoch, last_index("mazur"))
            await pilot.pause()
            values = [abs(v) for w in screen.frame.record.params.weights for v in w.ravel()]
            assert 1e6 < max(values) < float("inf")  # (the case is what it says)
            table = screen.query_one(ParamTable)
            layout = table._layout()
            for y in range(1, len(screen.history.network.param_refs) + 1):
                if y >= layout.height - len(layout.summary):
                    break
                cells = "".join(segment.text for segment in table._line(y, layout))
                for (_, _, width), cell in zip(layout.columns, cells.split(), strict=False):
                    assert len(cell) <= width, (epoch, cells)
            text = screen_text(app)
            for number in re.findall(r"(?<![\w.])−?\d[\d.]*(?:e[+−-]?\d+)?", text):
                digits = number.split("e")[0].replace("−", "").replace(".", "")
                assert len(digits) <= 10, (epoch, number)  # (p + 1 digits at most)


@pytest.mark.parametrize("symbol", ["∂net_h1/∂w1", "∂net_o1/∂w5"])
async def test_a_number_is_said_once_in_the_step_panel(symbol: str) -> None:
    """∂net_h1/∂w1 = i1 = 0.05 read `= 0.05 = 0.05` at 80×24: the numbers line that is the
    value itself is not written twice."""
    from bptui.app.widgets.step_panel import StepPanel

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        screen.go(1, index_of(symbol))
        await pilot.pause()
        text = screen.query_one(StepPanel).text()
        value = show("out_h1") if symbol.endswith("w5") else "0.05"
        lines = text.splitlines()
        assert lines.count(f"  = {value}") == 1 and f"= {value} = {value}" not in text


async def test_the_delta_rule_ends_in_the_value_it_makes() -> None:
    """∂E_total/∂w5 by the delta rule: δ_o1 × out_h1 = 0.138498562 × 0.593269992 = 0.082167041
    (the post's numbers), in the step panel and in the chain panel; predict mode keeps the
    value back until it is answered."""
    from bptui.app.widgets.chain_panel import ChainPanel
    from bptui.app.widgets.lines import plain
    from bptui.app.widgets.step_panel import StepPanel

    rule = f"= {show('δ_o1')} × {show('out_h1')} = {show('∂E_total/∂w5')}"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(1, index_of("∂E_total/∂w5"))
        await pilot.pause()
        assert rule in screen.query_one(StepPanel).text()
        assert rule in plain(screen.query_one(ChainPanel).lines)
        screen.action_toggle_predict()
        await pilot.pause()
        assert rule not in screen.query_one(StepPanel).text()


async def test_the_delta_rule_gives_its_factors_once_the_delta_is_known() -> None:
    """At δ_h1's step the chain panel (on w1) gives the delta rule's numbers, δ_h1 × i1 =
    0.008771355 × 0.05, and keeps ∂E_total/∂w1's value for its own step."""
    from bptui.app.widgets.chain_panel import ChainPanel
    from bptui.app.widgets.lines import plain

    factors = f"= {show('δ_h1')} × 0.05"
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        screen.go(1, index_of("δ_h1") - 1)
        await pilot.pause()
        assert factors not in plain(screen.query_one(ChainPanel).lines)
        screen.go(1, index_of("δ_h1"))
        await pilot.pause()
        text = plain(screen.query_one(ChainPanel).lines)
        assert "Chain rule · w1" in screen_text(app)
        assert factors in text and f"{factors} = {show('∂E_total/∂w1')}" not in text
        screen.go(1, index_of("∂E_total/∂w1"))
        await pilot.pause()
        assert f"{factors} = {show('∂E_total/∂w1')}" in plain(screen.query_one(ChainPanel).lines)


async def test_the_table_shown_again_after_f_is_as_it_would_be() -> None:
    """At 80×24 the table is hidden until `v`: `f` there, then `v`, shows the same screen as
    coming back to that step does (its scrollbar was sized for the columns before `f`)."""
    app = BptuiApp(load_network("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", "v")
        await pilot.pause()
        before = app.export_screenshot()
        await pilot.press("n", "p")
        await pilot.pause()
        assert app.export_screenshot() == before


@pytest.mark.parametrize("preset", ["tanh-2332", "and-or"])
async def test_a_batch_update_shows_the_samples_e_total_summed(preset: str) -> None:
    """A batch update is of every sample: the status gives their E_total summed (as the loss
    after an epoch is), worked out here from the epoch's parameters by a forward pass of all
    samples at once (it gave the last sample's, as "this sample's E_total")."""
    import re

    from bptui.engine.passes import sample_losses

    network = load_network(preset)
    if network.update == "online":
        pytest.skip("no batch update")
    app = BptuiApp(network)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause()
        screen = debugger(app)
        assert screen.frame.step.sample < 0
        text = " ".join(screen_text(app).split())
        match = re.search(r"the samples' E_total summed: (−?[0-9.]+)", text)
        assert match, text[:300]
        expected = float(sample_losses(network, network.params).sum())
        assert float(match.group(1).replace("−", "-")) == pytest.approx(expected, abs=1e-9)
        assert "this sample's E_total" not in text


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_compare_view_numbers_are_whole_at_every_width(width: int) -> None:
    """Each number of the both-orders table is there whole, folded onto a second line when
    its column is narrow (at 60 columns they were cut: `−0.005690…`; the hostile trial)."""
    from rich.console import Console

    from bptui.app.compare_screen import CompareScreen
    from bptui.fmt import num

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        room = screen.query_one("VerticalScroll").scrollable_content_region.width
        console = Console(width=room, color_system=None, legacy_windows=False)
        lines = [
            "".join(segment.text for segment in line)
            for line in console.render_lines(screen._table(), pad=False)
        ]
        # the rows' cells, column by column: a row's lines up to its rule, joined per column
        cells: list[list[str]] = []
        block: list[list[str]] = []
        for line in [*lines, "─"]:  # (the headings are a table of their own, above)
            if set(line.strip()) <= set("─┼━╇ "):
                if block:
                    columns = zip(*block, strict=True)
                    cells.append(["".join(part.strip() for part in column) for column in columns])
                block = []
            else:
                block.append(line.split("│"))
        assert len(cells) == len(screen.rows)
        for row, (symbol, before, after, difference) in zip(screen.rows, cells, strict=True):
            assert symbol == row.symbol
            assert num(row.before.value, 9) in before and num(row.after.value, 9) in after
            assert difference == (num(row.difference, 9) if row.difference else "0")


async def test_compare_view_of_a_wide_net_shows_the_rows_around_the_step() -> None:
    """A 2-64-1 net has 513 hidden steps: the view shows the 300 around the current one and
    says which (a 2-4096-1 net's 32,769 rows took a minute to draw; the hostile trial), and
    names the net's own output weights (it said w5..w8 of every net)."""
    from bptui.app.compare_screen import MAX_ROWS, CompareScreen
    from bptui.engine.compare import compare_orders
    from tests.netgen import document

    network = parse_document(
        document(
            3,
            "half_sse",
            "sigmoid",
            ["sigmoid"],
            [2, 64, 1],
            ["shared"] * 2,
            "online",
            "before_update",
            False,
            1,
        ),
        "wide",
        "wide",
    )
    everything = compare_orders(network, network.params, 0)
    assert len(everything) > 2 * MAX_ROWS // 1.2
    app = BptuiApp(network)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = debugger(app)
        at = 400
        symbol = everything[at].symbol
        index = next(k for k, step in enumerate(screen.history.trace(1)) if step.symbol == symbol)
        screen.go(1, index)
        await pilot.press("m")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, CompareScreen)
        assert len(view.rows) == len(everything)
        first = max(0, min(at - MAX_ROWS // 2, len(everything) - MAX_ROWS))
        assert [r.symbol for r in view.shown] == [
            r.symbol for r in everything[first : first + MAX_ROWS]
        ]
        text = " ".join(str(static.render()) for static in view.query(Static))
        assert f"Rows {first + 1} to {first + MAX_ROWS} of {len(everything)}:" in text
        assert "the output layer's w129..w192 first" in text
        assert "w5..w8" not in text
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        text = " ".join(str(static.render()) for static in app.screen.query(Static))
        assert "the output layer's w5..w8 first" in text
        assert "Rows " not in text


async def test_compare_view_home_and_end_reach_its_top_and_bottom() -> None:
    """The both-orders view opens scrolled to the current step's row; Home and End go to its
    top (the explanation and the headings) and its bottom (they did not: the newcomer
    trial)."""
    from textual.containers import VerticalScroll

    from bptui.app.compare_screen import CompareScreen

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        debugger = app.screen
        assert isinstance(debugger, DebuggerScreen)
        debugger.go(1, 41)  # ∂E_total/∂w4: the last rows
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        scroll = screen.query_one(VerticalScroll)
        assert scroll.scroll_y > 0
        # the headings stay above the rows (they scrolled away with them: the newcomer trial)
        shown = svg_text(app.export_screenshot())
        assert "before_update" in shown and "after_output_update" in shown
        assert "after − before" in shown  # (which way the difference goes)
        await pilot.press("home")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 0


async def test_tab_gives_the_step_and_chain_panels_keys_that_scroll_them() -> None:
    """A step panel saying `↓5 more` had no key to reach those lines, only the wheel (the
    newcomer trial): Tab gives it (and the chain panel) ↑ ↓ PageUp PageDown; the table has the
    keys first, as before."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = debugger(app)
        assert isinstance(app.focused, ParamTable)
        panel = screen.query_one(StepPanel)
        for index in range(len(screen.history.trace(1))):
            screen.go(1, index)
            await pilot.pause()
            if len(panel.wrapped) > panel.content_size.height + 1:
                break
        else:
            raise AssertionError("no step outgrows the panel at 80×24")
        position = screen.position
        panel.focus()
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        assert panel._top == 1 and "↑1" in str(panel.border_subtitle)
        await pilot.press("pagedown")
        await pilot.pause()
        assert panel._top == len(panel.wrapped) - panel.content_size.height
        assert "more" not in str(panel.border_subtitle)
        await pilot.press("pageup", "pageup", "pageup")
        await pilot.pause()
        assert panel._top == 0
        assert screen.position == position  # (scrolling is not stepping)
        chain = screen.query_one(ChainPanel)
        chain.focus()
        await pilot.press("down")
        await pilot.pause()
        assert screen.position == position


def test_the_compare_views_cells_leave_out_a_line_that_repeats() -> None:
    """`i2`, `= 0.1`, `= 0.1` (the newcomer trial): the value is said once when the numbers
    are it; a step whose numbers differ from its value keeps all three lines."""
    from bptui.app.compare_screen import _lines
    from bptui.engine.compare import compare_orders

    network = load_network("mazur")
    rows = {row.symbol: row for row in compare_orders(network, network.params, 0)}
    assert _lines(rows["∂net_h1/∂w2"].before, 9) == "i2\n= 0.1"
    w1 = _lines(rows["∂E_total/∂w1"].before, 9).split("\n")
    assert len(w1) == 3 and w1[-1] == f"= {show('∂E_total/∂w1')}"


async def test_the_compare_view_refuses_a_net_too_big_for_it(monkeypatch) -> None:
    """Both orders of a sample of a 983,041-weight net froze the screen for minutes and took
    8 GB (the hostile trial): over MAX_COMPARE_PARAMS (9 here: Mazur has 10), `m` says so."""
    from bptui.app import debugger as debugger_module

    monkeypatch.setattr(debugger_module, "MAX_COMPARE_PARAMS", 9)
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        notices = record_notices(app)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, DebuggerScreen)
        assert notices == [
            "the both-orders view takes nets of at most 9 parameters; this one has 10"
        ]


async def test_the_table_cursor_moves_on_screen_and_shows_only_with_the_focus() -> None:
    """↓ ↓ in the table puts its cursor (›, bold underline) on w3, on screen, not only in the
    widget (its rows were drawn once and kept: the cursor never moved on screen); it goes
    when the focus leaves the table and comes back with it."""
    from bptui.app.widgets.chain_panel import ChainPanel

    def marked() -> list[str]:
        return [
            line.split("│")[1].split()[0]
            for line in screen_text(app).splitlines()
            if line.startswith("│›")
        ]

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        await pilot.pause()
        assert marked() == ["›w1"]
        await pilot.press("down", "down")
        await pilot.pause()
        assert marked() == ["›w3"]
        screen.query_one(ChainPanel).focus()
        await pilot.pause()
        assert marked() == []
        screen.query_one(ParamTable).focus()
        await pilot.pause()
        assert marked() == ["›w3"]


async def test_compare_view_says_when_the_two_orders_run_on_different_weights() -> None:
    """Of xor's third sample the view said the forward passes and the output layer agree,
    over rows where δ_o1 itself differs (the second newcomer trial): after the first sample's
    update the orders run on different weights, and it says so; of the first, it agrees."""
    from textual.widgets import Static

    from bptui.app.compare_screen import CompareScreen

    app = BptuiApp(load_network("xor"))
    async with app.run_test(size=SIZE) as pilot:
        screen = debugger(app)
        for sample, words in [
            (0, "The forward pass and the output layer agree"),
            (2, "the two orders run on different weights"),
        ]:
            screen.go(1, index_of("δ_o1", "xor", sample))
            await pilot.pause()
            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, CompareScreen)
            text = " ".join(str(s.render()) for s in app.screen.query(Static))
            assert words in text, text[:300]
            if sample == 2:  # (and the rows bear it out: the output layer's δ differs)
                row = next(r for r in app.screen.rows if "δ_o1" in r.after.formula)
                assert row.after.value != row.before.value
            await pilot.press("escape")
            await pilot.pause()


def test_a_runs_outputs_are_named_and_told_apart_by_sample() -> None:
    """`outputs 0.988587345, 0.01175665` after a run on a net of one output and several samples
    read as o1 and o2 of one sample (the newcomer trial): each number is named, by sample
    where there are several, six at most."""
    import numpy as np

    from bptui.app.debugger import outputs_text

    one = np.array([[0.015912196, 0.984065734]])
    assert outputs_text(one, ["o1", "o2"], 9) == "o1 0.015912196, o2 0.984065734"
    several = np.array([[0.988587345], [0.01175665]])
    assert outputs_text(several, ["o1"], 9) == "sample 1: o1 0.988587345; sample 2: o1 0.01175665"
    many = np.arange(12.0).reshape(4, 3)
    assert (
        outputs_text(many, ["a", "b", "c"], 9)
        == "sample 1: a 0, b 1, c 2; sample 2: a 3, b 4, c 5…"
    )


@pytest.mark.parametrize("width", [110, 111, 120, 121, 157, 200])
async def test_the_step_panel_is_fitted_before_the_first_layout_at_the_width_it_gets(
    width: int,
) -> None:
    """The step panel's height is fitted as the screen mounts, before a layout has given the
    panel its width, by the width the layout will give it (the first frame then has the panel
    at its height, not the table a row lower a frame later): that width is the one it gets."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen) and not screen.has_class("compact")
        predicted = width // 2 - STEP_PANEL_SIDES
        assert screen.query_one(StepPanel).content_size.width == predicted


async def test_a_key_dismisses_the_toasts_up_long_enough_to_be_read() -> None:
    """A toast covers the chain panel and the plot: the next key typed dismisses those shown
    for TOAST_READ_SECONDS or more, not one just shown, nor one the key itself raises."""
    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.notify("read by now", timeout=10)
        app.notify("just shown", timeout=10)
        await pilot.pause()
        old, new = list(app._notifications)
        old.raised_at -= TOAST_READ_SECONDS
        await pilot.press("n")
        await pilot.pause()
        assert [toast.message for toast in app._notifications] == ["just shown"]
        new.raised_at -= TOAST_READ_SECONDS
        await pilot.press("ctrl+z")  # (nothing to undo: its own toast says so, and stays)
        await pilot.pause()
        assert [toast.message for toast in app._notifications] == ["nothing to be undone"]
