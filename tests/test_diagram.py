"""The diagram's drawing: what its caches reuse is exactly what a fresh drawing would draw."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest

from bptui.app.diagram import Highlights, clear_caches, draw_network
from bptui.engine.history import History
from bptui.engine.loader import load_network
from bptui.engine.view import Frame

NETS = Path(__file__).parent / "nets"
SIZES = [(118, 9), (78, 12), (158, 20)]


def highlights(frame: Frame, marked: frozenset[str] = frozenset()) -> Highlights:
    step = frame.step
    return Highlights(
        frozenset(step.concerns), frozenset(step.uses), marked=marked, selected=frame.param
    )


@pytest.mark.parametrize(
    "net",
    [
        "mazur",
        "tanh-2332",
        "relu-softmax",
        "xor",
        str(NETS / "wide.toml"),
        str(Path(__file__).parent.parent / "benchmarks" / "net-16-32-32-10.json"),
    ],
)
def test_a_walk_with_the_caches_draws_what_fresh_drawings_draw(net) -> None:
    """Steps forward over an epoch's first 150 steps and its last 30 into the next epoch, then
    jumps back and forth (with changes of size and of the marked parameters on the way): each
    canvas and its rows, drawn with the edge cache and the previous rows, equal a drawing made
    from nothing."""
    history = History(load_network(net))
    rng = random.Random(7)
    cache: dict = {}
    previous = None
    length = len(history.trace(1))
    positions = [(1, k) for k in range(min(150, length))]
    positions += [(1, k) for k in range(max(150, length - 30), length)]
    positions += [(2, k) for k in range(min(30, len(history.trace(2))))]
    walk = positions + rng.sample(positions, min(60, len(positions)))
    for n, (epoch, index) in enumerate(walk):
        frame = Frame(history.trace(epoch), index)
        width, height = SIZES[(n // 40) % len(SIZES)]
        marked = frozenset({"w1"}) if n % 3 == 0 else frozenset()
        cached = draw_network(frame, width, height, 9, highlights(frame, marked), cache)
        clear_caches()  # the fresh drawing works everything out again
        fresh = draw_network(frame, width, height, 9, highlights(frame, marked))
        assert cached.chars == fresh.chars
        assert cached.styles == fresh.styles
        assert cached.owners == fresh.owners
        rows = cached.to_segments(previous)
        assert rows == fresh.to_segments()
        previous = (cached, rows)


@pytest.mark.parametrize("preset", ["mazur", "tanh-2332", "xor", "deep-sigmoid", "and-or"])
@pytest.mark.parametrize("width", [56, 58, 68, 78, 98, 118, 198])
def test_a_shared_bias_label_is_whole_at_every_width(preset: str, width: int) -> None:
    """`[b3 0.25]` under a narrow diagram's output column was cut to `[b3 ` at 80 columns:
    each shared bias's label is whole, before and after its update (`[b3 0.25→0.237]`)."""
    network = load_network(preset)
    trace = History(network).trace(1)
    shared = [layer.bias_names[0] for layer in network.layers if layer.bias == "shared"]
    for index in (0, len(trace) - 1):
        canvas = draw_network(Frame(trace, index), width, 14)
        bottom = "".join(canvas.chars[-1])
        for name in shared:
            start = bottom.find(f"[{name} ")
            assert start >= 0 and "]" in bottom[start:], (name, bottom)


@pytest.mark.parametrize("preset", ["deep-sigmoid", "relu-softmax", "tanh-2332"])
@pytest.mark.parametrize(("width", "height"), [(58, 3), (58, 6), (58, 9), (78, 12)])
def test_a_short_diagram_draws_no_neuron_over_another_and_marks_the_current(
    preset: str, width: int, height: int
) -> None:
    """Rows too few for a layer's neurons: the layer shows its first and last around a
    `⋮ N more` (boxes were drawn over one another, and the neuron of the step could be one
    covered, with nothing on the diagram marking the step); the ellipsis is marked as the
    current step's neuron is when the step is about a neuron it stands for."""
    from bptui.app.diagram.draw import Palette
    from bptui.app.diagram.geometry import layout

    network = load_network(preset)
    geometry = layout(network, width, height, 9)
    columns = {}
    for box in geometry.boxes:
        columns.setdefault(box.column, []).append(box)
    for boxes in columns.values():
        rows = sorted((box.top, box.top + box.height) for box in boxes)
        for (_, end), (top, _) in pairwise(rows):
            assert top > end or height < 5, (preset, width, height, rows)  # (a row between)
    trace = History(network).trace(1)
    current = Palette().current
    for index in range(len(trace)):
        frame = Frame(trace, index)
        names = {name for name in frame.step.concerns}
        canvas = draw_network(frame, width, height, 9, highlights(frame))
        text = ["".join(row) for row in canvas.chars]
        for box in geometry.boxes:
            if box.unit is None and names & box.hidden:  # (a step about a neuron not shown)
                row, x = text[box.top], box.x
                assert text[box.top][x : x + len(box.name)] == box.name, (preset, index, row)
                assert canvas.styles[box.top][x] == current, (preset, index, frame.step.symbol)


LONG_NAMES = """
name = "long names"
learning_rate = 0.5
input_names = ["input_alpha_very_long_nm", "input_beta_very_long_nam"]
[[layers]]
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
names = ["hidden_alpha_long", "hidden_beta_long"]
[[layers]]
activation = "sigmoid"
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
names = ["output_alpha_long_nameX", "output_beta_long_nameXY"]
[[samples]]
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
"""


@pytest.mark.parametrize("width", [56, 58, 64, 70, 78, 118])
def test_names_too_long_for_the_width_are_shortened_never_run_together(
    width: int, tmp_path: Path
) -> None:
    """Columns that cannot all be as wide as their names give up cells, the widest first:
    a name is drawn whole or as its beginning and `…`, each box apart from the next (at 60
    columns the names ran into one another and off the diagram; the hostile trial)."""
    from bptui.app.diagram.geometry import layout

    path = tmp_path / "long.toml"
    path.write_text(LONG_NAMES, encoding="utf-8")
    network = load_network(str(path))
    geometry = layout(network, width, 9, 9)
    frame = Frame(History(network).trace(1), 0)
    canvas = draw_network(frame, width, 9, 9, highlights(frame))
    rows = ["".join(row) for row in canvas.chars]
    spans: dict[int, list[tuple[int, int]]] = {}
    for box in geometry.boxes:
        text = f"({box.shown})"
        assert box.shown == box.name or (
            box.shown.endswith("…") and box.name.startswith(box.shown[:-1])
        ), box
        assert rows[box.top][box.x : box.x + len(text)] == text, (width, rows[box.top])
        assert box.x >= 0 and box.x + len(text) <= width, (width, box)
        spans.setdefault(box.top, []).append((box.x, box.x + len(text)))
    for row in spans.values():
        row.sort()
        for (_, end), (start, _) in pairwise(row):
            assert start >= end + 1, (width, rows)  # (a cell at least between two boxes)
    if width >= 78:
        assert all(box.shown == box.name for box in geometry.boxes)


def test_a_label_with_fewer_decimals_than_the_diagrams_says_so() -> None:
    """An edge label short of room drops decimals; a number that then reads differently is
    written ≈, with its decimals (at 80x24, w1 = 0.149780716 after its update read `w1 0.15`,
    its old value)."""
    from bptui.app.diagram.draw import _label_forms

    forms = list(_label_forms("w1", 0.149780716, None, None, 9))
    assert forms == ["w1 0.149780716", "w1 ≈0.150", "w1"]
    assert list(_label_forms("w1", 0.15, None, None, 9)) == ["w1 0.15", "w1 0.15", "w1"]
    update = list(_label_forms("w5", 0.4, 0.35891648, None, 9))
    assert update[0] == "w5 0.4→0.35891648"
    assert "w5 0.4→≈0.359" in update and all("→0.359" not in form for form in update)
    gradient = list(_label_forms("w6", 0.45, None, 0.082667628, 9))
    assert gradient[0] == "w6 0.45 ∂0.082667628" and "w6 0.45 ∂≈0.0827" in gradient
    # (a ≈ number keeps the zeros its rounding leaves: after 10,000 epochs w1 read
    # `≈0.378506→≈0.37851`, the new value seemingly less exact than the old; the newcomer trial)
    late = list(_label_forms("w1", 0.378506123, 0.378509988, None, 9))
    assert "w1 ≈0.378506→≈0.378510" in late and "w1 ≈0.3785→≈0.3785" not in late
    assert all("0.37851" not in form.replace("0.378510", "") for form in late), late


def test_an_update_that_leaves_a_weight_as_it_was_reads_unchanged() -> None:
    """After 1,000,000 epochs w6's update is under its last bit: it read `w6 ≈−4.234751→≈−4.234751`
    (the newcomer trial). A weight the update leaves exactly as it was reads `unchanged`; one
    that moves never does, at any decimals."""
    from bptui.app.diagram.draw import _label_forms

    forms = list(_label_forms("w6", -4.234751234567, -4.234751234567, None, 9))
    assert forms[0] == "w6 −4.234751235 unchanged"
    assert "w6 ≈−4.235 unchanged" in forms and all("→" not in form for form in forms)
    moved = list(_label_forms("w6", -4.234751234567, -4.234751234566, None, 9))
    assert all("unchanged" not in form for form in moved)


def fitting(name: str, old: float, new: float | None, gradient: float | None, p: int, room: int):
    from bptui.app.diagram.draw import _label_forms

    return next(f for f in _label_forms(name, old, new, gradient, p) if len(f) <= room)


@pytest.mark.parametrize(
    ("name", "old", "new", "p", "room", "label"),
    [
        # the post's w1⁺ = 0.149780716: `w1⁺ ≈0.15` read as unchanged (the newcomer trial)
        ("w1", 0.15, 0.149780716, 9, 11, "w1⁺ ≈0.1498"),
        ("w1", 0.15, 0.149780716, 3, 10, "w1⁺ 0.1498"),
        ("w1", 0.15, 0.149780716, 9, 10, "w1"),  # no room for a number that differs
        # 0.799791499 at 3 decimals is `0.8`: it read as if w8 were unchanged and wrong
        ("w8", 0.8, 0.799791499, 3, 10, "w8⁺ 0.7998"),
        ("w8", 0.55, 0.561370121, 3, 9, "w8⁺ 0.561"),  # 3 decimals tell it from 0.55
        ("w6", 0.45, 0.408666186, 9, 30, "w6 0.45→0.408666186"),
    ],
)
def test_an_updated_weight_with_room_for_one_number_gives_one_that_differs(
    name: str, old: float, new: float, p: int, room: int, label: str
) -> None:
    assert fitting(name, old, new, None, p, room) == label


@pytest.mark.parametrize(
    ("room", "label"),
    [
        (30, "w5 0.4 ∂0.082167041"),
        (14, "w5 0.4 ∂≈0.082"),
        (11, "w5 ∂≈0.0822"),  # the gradient, what the backward phase is about
        (7, "w5 0.4"),
    ],
)
def test_a_label_without_room_for_both_gives_the_gradient(room: int, label: str) -> None:
    """The post's ∂E_total/∂w5 = 0.082167041 (at its own step at 80×24 the label read `w5 0.4`:
    the newcomer trial)."""
    assert fitting("w5", 0.4, None, 0.082167041, 9, room) == label


def test_a_small_gradient_keeps_its_digits() -> None:
    """∂E_total/∂w1 = 0.000438568 read `∂≈0` or `∂0.001`-like at 3 decimals: two significant
    digits where they fit, one where they do not."""
    assert fitting("w1", 0.15, None, 0.000438568, 9, 13) == "w1 ∂≈0.000439"
    assert fitting("w1", 0.15, None, 0.000438568, 9, 12) == "w1 ∂≈0.00044"
    assert fitting("w1", 0.15, None, 0.000438568, 9, 11) == "w1 ∂≈0.0004"
    # beside its weight too, at a small diagram's 3 decimals (it read `w5 0.5 ∂0.001`)
    assert fitting("w5", 0.5, None, 0.000528816, 3, 30) == "w5 0.5 ∂0.00053"


async def test_columns_past_the_right_edge_are_said_so() -> None:
    """A net of 64 layers needs 520 cells at the least: the columns that do not fit ran past
    the right edge without a word (the hostile trial). The diagram's border says how many
    fit; a net that fits says nothing there."""
    from bptui.app.app import BptuiApp
    from bptui.app.widgets.network_diagram import NetworkDiagram
    from bptui.engine.loader import load_network, parse_document

    layers = [{"activation": "relu", "size": 4} for _ in range(63)]
    document = {
        "name": "deep64",
        "loss": "cross_entropy",
        "layers": [*layers, {"activation": "softmax", "size": 2}],
        "samples": [{"inputs": [0.1, 0.2], "targets": [1.0, 0.0]}],
    }
    for network, fits in (
        (parse_document(document, "d", "d"), False),
        (load_network("mazur"), True),
    ):
        app = BptuiApp(network)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            diagram = app.screen.query_one(NetworkDiagram)
            canvas = diagram._canvas
            assert canvas is not None and canvas.columns == len(network.layers) + 1
            subtitle = str(diagram.border_subtitle)
            if fits:
                assert canvas.columns_cut == 0 and subtitle == ""
            else:
                shown = canvas.columns - canvas.columns_cut
                assert 0 < shown < 65
                assert subtitle.startswith(f"{shown} of 65 columns fit: the rest are past")
                # the last column it says fits is whole within the width
                rows = diagram._rows
                assert rows and all(
                    sum(len(s.text) for s in row) <= diagram.content_size.width for row in rows
                )


def test_names_cut_to_fit_stay_told_apart_in_their_column() -> None:
    """A 64-layer net's neurons h13_1 and h13_2 were both drawn `(h1…)` (the hostile trial):
    a column's cut names keep what tells them apart (`…3_1`, `…3_2`)."""
    from bptui.app.diagram.geometry import layout, shortened
    from bptui.engine.loader import parse_document

    layers = [{"activation": "sigmoid", "size": 2} for _ in range(63)]
    layers.append({"activation": "sigmoid", "size": 1})
    samples = [{"inputs": [0.1, 0.2], "targets": [0.5]}]
    network = parse_document({"layers": layers, "samples": samples}, "deep", "deep")
    geometry = layout(network, 118, 14, 9)
    columns: dict[int, list[str]] = {}
    for box in geometry.boxes:
        if box.unit is not None:
            columns.setdefault(box.column, []).append(box.shown)
    cut = [labels for labels in columns.values() if any("…" in label for label in labels)]
    assert cut, "no name was cut: the test needs a narrower diagram"
    for labels in columns.values():
        assert len(set(labels)) == len(labels), labels
    assert shortened(("h13_1", "h13_2"), 4) == ("…3_1", "…3_2")
    assert shortened(("input_alpha", "input_beta"), 9) == ("input_al…", "input_be…")


@pytest.mark.parametrize(("width", "height"), [(78, 12), (118, 14), (198, 22)])
def test_an_output_neurons_own_bias_is_drawn(width: int, height: int) -> None:
    """Output neurons with a bias each showed their targets and never their biases (a hidden
    neuron's shows beside its name): `(o1) → 0.01 b 0.6`, and its new value once updated."""
    from bptui.engine.loader import parse_document

    text = """
    learning_rate = 0.5
    [[layers]]
    activation = "sigmoid"
    weights = [[0.15, 0.20], [0.25, 0.30]]
    bias = 0.35
    [[layers]]
    activation = "sigmoid"
    weights = [[0.40, 0.45], [0.50, 0.55]]
    biases = [0.60, 0.70]
    [[samples]]
    inputs = [0.05, 0.10]
    targets = [0.01, 0.99]
    """
    import tomllib

    network = parse_document(tomllib.loads(text), "out-biases", "out-biases.toml")
    trace = History(network).trace(1)
    first = "\n".join("".join(row) for row in draw_network(Frame(trace, 0), width, height).chars)
    assert "(o1) → 0.01 b 0.6" in first and "(o2) → 0.99 b 0.7" in first
    last = draw_network(Frame(trace, len(trace) - 1), width, height)
    text = "\n".join("".join(row) for row in last.chars)
    # o1 sees what Mazur's o1 sees (b 0.6): δ_o1 = 0.74136507 × 0.186815602 (the post's)
    updated = 0.6 - 0.5 * 0.74136507 * 0.186815602
    assert f"(o1) → 0.01 b⁺ {str(updated)[:6]}" in text, text  # (0.5307…, to its decimals)


def test_a_number_rounded_to_the_diagrams_fewer_decimals_keeps_its_zeros() -> None:
    """At 80×24 the diagram writes 3 decimals where the screen writes 9: b2's update read
    `[b2 0.214→0.2]` for 0.200377163, as if it went back to exactly 0.2 (the newcomer trial).
    A number that rounding shortened keeps its zeros (`0.200`); one that has no more digits
    stays as it is (`0.2`); one written with fewer decimals than the diagram's own reads ≈."""
    from bptui.app.diagram.draw import _label_forms
    from bptui.engine.numtext import rounded

    assert rounded(0.200377163, 3, 9) == "0.200"
    assert rounded(0.2, 3, 9) == "0.2"
    assert rounded(0.99999, 3, 9) == "1.000"
    assert rounded(-0.100377, 3, 9) == "−0.100"
    assert rounded(0.200377163, 9, 9) == "0.200377163"
    forms = list(_label_forms("b2", 0.214, 0.200377163, None, 3, 9))
    assert forms[0] == "b2 0.214→0.200"
    assert "b2⁺ 0.200" in forms
