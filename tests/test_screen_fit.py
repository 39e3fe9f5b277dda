"""Nothing on the screen is cut without a word: every line of the step panel fits its width
(formulas wrapped before an operator, words between words), a step with more lines than the
panel says how many more (the wheel scrolls them), and the parameter table never needs a
horizontal scrollbar (the columns that do not fit go to the lines under it)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from bptui.app.app import BptuiApp
from bptui.app.debugger import DebuggerScreen
from bptui.app.widgets.param_table import ParamTable
from bptui.app.widgets.step_panel import StepPanel
from bptui.engine.loader import load_network, parse_document
from tests.netgen import document

SIZES = [(80, 24), (120, 40), (200, 60)]


def nets():
    """Mazur, a 2-3-1 net with a bias per neuron (13 parameters) and a 2-4-3 net."""
    one = document(7, "half_sse", "sigmoid", ["tanh"], [2, 3, 1], ["neuron", "neuron"],
                   "online", "before_update", True, 2)  # fmt: skip
    two = document(8, "half_sse", "sigmoid", ["sigmoid"], [2, 4, 3], ["shared", "shared"],
                   "online", "before_update", False, 1)  # fmt: skip
    return {
        "mazur": load_network("mazur"),
        "2-3-1": parse_document(one, "2-3-1", "2-3-1"),
        "2-4-3": parse_document(two, "2-4-3", "2-4-3"),
    }


NETS = nets()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(NETS))
async def test_every_step_is_whole_at_every_size(name: str, size: tuple[int, int]) -> None:
    network = NETS[name]
    assert name != "2-3-1" or network.n_params == 13
    app = BptuiApp(network)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        panel = screen.query_one(StepPanel)
        table = screen.query_one(ParamTable)
        steps = len(screen.history.trace(1))
        for index in range(steps):
            screen.go(1, index)
            await pilot.pause()
            width, height = panel.content_size
            lines = panel.wrapped
            where = f"{name} {size} step {index}"
            for line in lines:
                assert sum(cell_len(segment.text) for segment in line) <= width, where
            text = " ".join("".join(s.text for s in line).strip() for line in lines)
            for piece in panel.text().split():  # every word of the step is in the lines
                assert piece in text, (where, piece)
            hidden = len(lines) - height
            subtitle = str(panel.border_subtitle)
            if hidden > 0:
                assert subtitle.endswith(f"↓{hidden} more"), (where, subtitle)
            else:
                assert "more" not in subtitle, (where, subtitle)
            if table.display and size[0] >= 120:
                assert table.virtual_size.width <= table.scrollable_content_region.width, where


@pytest.mark.parametrize("size", [(60, 20), *SIZES], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_breakpoints_hint_is_whole(size: tuple[int, int]) -> None:
    """The hint under the breakpoints dialog's input wraps: every word of it is on screen
    (it was cut at every size)."""
    from bptui.app.breakpoints_screen import HINT
    from tests.screen import find, screen_text

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        text = screen_text(app)
        column, row = find(text, "Add one:")
        rows = text.splitlines()[row : row + 6]
        shown = " ".join(line[column : column + 76].split("│")[0].strip() for line in rows)
        for word in HINT.split():
            assert word in shown, (word, shown)


@pytest.mark.parametrize("size", [(60, 20), (64, 24), (69, 24), (80, 24)], ids=str)
@pytest.mark.parametrize("key", ["e", "S", "g", "r", "ctrl+s", "t"])
async def test_every_question_fits_the_screen(key: str, size: tuple[int, int]) -> None:
    """A question's box and its words are whole on screen (its 70 columns ran off a screen
    narrower than that, words and border with them)."""
    from bptui.app.dialogs import AskScreen
    from tests.screen import screen_text

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AskScreen), key
        box = dialog.children[0].region
        assert box.x >= 0 and box.right <= size[0], (key, box)
        text = screen_text(app)
        words = " ".join(text.split())
        for word in dialog.question.split():
            assert word in words, (key, word)


@pytest.mark.parametrize("width", [60, 61, 65, 69, 80, 120])
@pytest.mark.parametrize("length", [20, 26, 50, 100])
async def test_a_name_of_wide_characters_takes_one_status_line(
    width: int, length: int, tmp_path
) -> None:
    """A name of wide characters is whole when "bptui · " and it fit a line, else its start up
    to the line's end and …, counted in cells: a name of Chinese characters was once cut at
    half the line's characters with no word of it, and then a name of 100 took 4 of the
    status's lines at 60 columns (the hostile trial)."""
    from pathlib import Path

    import bptui
    from bptui.app.widgets.status_bar import StatusBar

    name = ("中文网络名称很长很长" * 10)[:length]
    text = (Path(bptui.__file__).parent / "presets" / "mazur.toml").read_text("utf-8")
    path = tmp_path / "wide.toml"
    path.write_text(text.replace('name = "Mazur 2-2-2"', f'name = "{name}"'), "utf-8")
    app = BptuiApp(load_network(str(path)))
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        status = app.screen.query_one(StatusBar)
        lines = [status.render_line(y).text for y in range(status.size.height)]
        assert all(cell_len(line) <= width for line in lines)
        first = lines[0].strip()
        assert first.startswith("bptui · ")
        shown = first.removeprefix("bptui · ").split(" · ")[0]
        room = status.content_size.width - cell_len("bptui · ")
        if cell_len(name) <= room:
            assert shown == name
        else:  # (all the line holds, but for a wide character that would not fit)
            assert shown.endswith("…") and name.startswith(shown[:-1])
            assert room - 1 <= cell_len(shown) <= room
        # (and the rows the epoch's widest status takes: the note on the post's loss, as the
        # net has Mazur's numbers, and at 60 columns the loss after the epoch's wrap)
        assert len(lines) <= (6 if width < 61 else 5)


@pytest.mark.parametrize(
    "value", [8.26064316e-5, -5.683237e-05, 1.2345678e7, -3.5e-12, 6.02e23, 1e-300]
)
@pytest.mark.parametrize("precision", [3, 6, 9])
def test_the_table_writes_exponents_as_everything_else_does(value: float, precision: int) -> None:
    """A table column's number in scientific notation has the exponent the rest of the
    screen writes (`e-05`: the table wrote `e-5` beside the status bar's `e-05`; the
    newcomer trial), fits its column, and reads back to the value at its digits."""
    from bptui.engine.numtext import column, column_width, num

    text, other = column(value, precision), num(value, precision)
    assert len(text) <= column_width(precision)
    assert text.split("e")[1] == other.split("e")[1], (text, other)
    mantissa = text.split("e")[0].replace("−", "-")
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    assert float(text.replace("−", "-")) == pytest.approx(value, rel=10.0**-digits)


PRESETS = ["mazur", "and-or", "relu-softmax", "tanh-2332", "xor"]


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
@pytest.mark.parametrize("name", PRESETS)
async def test_every_chain_panel_line_and_table_column_is_whole_on_the_presets(
    name: str, size: tuple[int, int]
) -> None:
    """Every line the chain panel draws, at every step of the first epoch, fits the panel (a
    note under a δ, `(δ_o1 = ∂E_total/∂net_o1: how E_total changes with o1's input; …)`, ran
    on past it on the shortcut δ of softmax and of sigmoid with cross-entropy); and the table
    needs no horizontal scrollbar, batch updates' extra column included."""
    from bptui.app.widgets.chain_panel import ChainPanel

    app = BptuiApp(load_network(name))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        chain = screen.query_one(ChainPanel)
        table = screen.query_one(ParamTable)
        for index in range(len(screen.history.trace(1))):
            screen.go(1, index)
            await pilot.pause()
            if chain.view is None or chain.view.breakdown is None:
                continue
            width = chain.content_size.width
            for line in chain.render_view(chain.view):
                text = "".join(segment.text for segment in line)
                assert cell_len(text) <= width, (name, size, index, text)
            assert table.virtual_size.width <= table.scrollable_content_region.width, index


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_diagram_keeps_its_size_through_an_epoch(size: tuple[int, int]) -> None:
    """At 80×24 the status's note on the post's loss after epoch 1, and that loss itself, came
    at the epoch's last step and took two rows from the diagram, which laid its labels out
    again and dropped w4's and w7's new values (the newcomer trials): the status keeps the
    rows the epoch's widest status takes, and the diagram its size, step after step (from 80
    columns: at 60 the widest status took two more rows, half the diagram)."""
    from bptui.app.widgets.network_diagram import NetworkDiagram
    from tests.screen import last_index

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await pilot.pause()
        for epoch in (1, 2):
            heights = set()
            for index in range(last_index() + 1):
                screen.go(epoch, index)
                await pilot.pause()
                heights.add(screen.query_one(NetworkDiagram).content_size.height)
            assert len(heights) == 1, (epoch, heights)


async def test_keys_typed_right_after_the_terminal_grows_big_enough_count() -> None:
    """Under 60×20 the screen says it is too small and steps nothing; keys typed at once after
    the terminal is enlarged were refused too, until the screen had followed the resize (the
    hostile trial): they step, as they would a moment later. Typed at once after it shrinks,
    they step nothing."""
    from textual.events import Resize
    from textual.geometry import Size

    def resize(width: int, height: int) -> None:
        """A resize followed at once by the keys (Pilot's resize_terminal waits for it)."""
        size = Size(width, height)
        app._driver._size = size  # type: ignore[union-attr]
        app.post_message(Resize(size, size))

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        await pilot.pause()
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert screen.has_class("too-small")
        resize(120, 40)
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert screen.position == (1, 3)
        resize(30, 10)
        await pilot.press("n", "n")
        await pilot.pause()
        assert screen.position == (1, 3)


@pytest.mark.parametrize("size", [(20, 5), (17, 3), (59, 19)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_too_small_message_keeps_its_keys(size: tuple[int, int]) -> None:
    """At 20×5 the message was cut to `Enlarge it, or press` (the second hostile trial): what
    size bptui needs, the terminal's, and the keys that still work are whole at any size from
    17×3."""
    from tests.screen import screen_text

    app = BptuiApp(load_network("mazur"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        width, height = size
        assert "60×20" in text and f"{width}×{height}" in text, text
        assert "q quits, ? help" in text or "press q to quit, ? for help." in text, text
