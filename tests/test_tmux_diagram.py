"""The post's backward pass read off the network DIAGRAM of the real `bptui` in a real terminal
(tmux) at 80×24, 120×40 and 200×60: only the panel titled "Network" is read, never the step
panel or the parameter table.

What the diagram draws (bptui/app/diagram): each neuron's box, its name `(h1)` then the lines
`net …`, `out …`, `∂E/∂out …`, `δ …` under it (`·` until the pass computes the value; outputs
write their target after the name, `(o1) → 0.01`; inputs their value, `(i1) 0.05`), and each
weight's label on its own edge: `w5 0.4`, then `w5 0.4 ∂0.082167041` once the backward pass has
∂E_total/∂w5, then `w5 0.4→0.35891648` once it is updated. Numbers have 9 decimals with trailing
zeros dropped, as the post writes them; a label with too little room falls back to 3 decimals,
then to the weight alone. Where the diagram has too few rows it draws only the name, net and out
lines of a box (80×24).

Every expected number comes from tests/reference.py (the post's numbers); the two the reference
lacks (∂E_total/∂out_o2, ∂E_total/∂out_h2) from the small numpy recomputation below, which a
test holds to the reference. A number is compared as the screen writes it: `shown(value, 9)`, or
`shown(value, 3)` where a label shows 3 decimals.

A label "beside its edge" is checked on the screen alone: it lies between its two neurons'
columns, and its row lies in the band the straight lines between the two neurons' boxes sweep
(a row of slack either side), so that a label drawn beside another edge is caught (except where
two edges cross, where their bands overlap).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np
import pytest

from tests.reference import MAZUR, shown
from tests.screen import last_index, phase_start, steps
from tests.tmux import Tmux, needs_tmux

STEPS = last_index() + 1
END_OF_BACKWARD = phase_start("update")  # the 1-based number of the backward phase's last step
END_OF_EPOCH = STEPS

# The post's network: which neurons each weight joins (source, target).
EDGES = {
    "w1": ("i1", "h1"),
    "w2": ("i2", "h1"),
    "w3": ("i1", "h2"),
    "w4": ("i2", "h2"),
    "w5": ("h1", "o1"),
    "w6": ("h2", "o1"),
    "w7": ("h1", "o2"),
    "w8": ("h2", "o2"),
}
WEIGHTS = {
    "w1": 0.15,
    "w2": 0.2,
    "w3": 0.25,
    "w4": 0.3,
    "w5": 0.4,
    "w6": 0.45,
    "w7": 0.5,
    "w8": 0.55,
}
INPUTS = {"i1": 0.05, "i2": 0.1}
TARGETS = {"o1": 0.01, "o2": 0.99}


def recompute() -> dict[str, float]:
    """The post's epoch 1 in numpy, by symbol (the reference's spelling)."""
    i = np.array([INPUTS["i1"], INPUTS["i2"]])
    t = np.array([TARGETS["o1"], TARGETS["o2"]])
    w_hidden = np.array([[0.15, 0.20], [0.25, 0.30]])  # rows h1, h2; columns i1, i2
    w_output = np.array([[0.40, 0.45], [0.50, 0.55]])  # rows o1, o2; columns h1, h2
    b1, b2, eta = 0.35, 0.60, 0.5
    net_h = w_hidden @ i + b1
    out_h = 1 / (1 + np.exp(-net_h))
    net_o = w_output @ out_h + b2
    out_o = 1 / (1 + np.exp(-net_o))
    dout_o = out_o - t
    delta_o = dout_o * out_o * (1 - out_o)
    dout_h = w_output.T @ delta_o  # through the weights before their update (the post's text)
    delta_h = dout_h * out_h * (1 - out_h)
    grad_output = np.outer(delta_o, out_h)
    grad_hidden = np.outer(delta_h, i)
    values: dict[str, float] = {}
    for k, n in enumerate(("h1", "h2")):
        values |= {f"net_{n}": net_h[k], f"out_{n}": out_h[k]}
        values |= {f"∂E_total/∂out_{n}": dout_h[k], f"δ_{n}": delta_h[k]}
    for k, n in enumerate(("o1", "o2")):
        values |= {f"net_{n}": net_o[k], f"out_{n}": out_o[k]}
        values |= {f"∂E_total/∂out_{n}": dout_o[k], f"δ_{n}": delta_o[k]}
    grads = [*grad_hidden.ravel(), *grad_output.ravel()]  # w1 w2 w3 w4, w5 w6 w7 w8
    for k, w in enumerate(WEIGHTS):
        values[f"∂E_total/∂{w}"] = grads[k]
        values[f"{w}⁺"] = WEIGHTS[w] - eta * grads[k]
    return {symbol: float(value) for symbol, value in values.items()}


RECOMPUTED = recompute()
# The reference's numbers, and the recomputation's where the reference has none.
EXPECTED = {**RECOMPUTED, **{s: v for s, v in MAZUR.items() if s in RECOMPUTED}}

NEURONS = ("h1", "h2", "o1", "o2")
LINES = {"net": "net_{}", "out": "out_{}", "∂E/∂out": "∂E_total/∂out_{}", "δ": "δ_{}"}
"""A box's lines and the symbol each shows."""
BACKWARD_LINES = ("∂E/∂out", "δ")


def test_the_recomputation_agrees_with_the_post() -> None:
    """The numpy recomputation gives every number the reference has, to 9 decimals."""
    common = [symbol for symbol in RECOMPUTED if symbol in MAZUR]
    assert len(common) >= 20
    for symbol in common:
        assert shown(RECOMPUTED[symbol]) == shown(MAZUR[symbol]), symbol


# --- reading the diagram off the screen -------------------------------------------------------

NUMBER = r"−?\d+(?:\.\d+)?(?:e[+-]\d+)?"
VALUE = rf"{NUMBER}|·"
_NAME = re.compile(rf"\(([iho]\d)\)(?: → ({NUMBER})| ({NUMBER}))?")
_LINE = re.compile(rf"(net|out|∂E/∂out|δ) ({VALUE})")
_LABEL = re.compile(
    rf"(?<!\w)(w\d)(⁺?)(?: ≈?({NUMBER})(?: ∂≈?({NUMBER})|→≈?({NUMBER}))?| ∂≈?({NUMBER}))"
)  # w5 0.4, w5 0.4 ∂0.082167041, w5 0.4→0.35891648, w1⁺ ≈0.1498, w5 ∂≈0.0822


def panel(screen: str, title: str) -> list[str]:
    """The inside of the panel titled `title` (its rows, between its borders)."""
    rows = screen.splitlines()
    corners = [(y, row.find(f"╭─ {title} ─")) for y, row in enumerate(rows)]
    top, left = next(((y, x) for y, x in corners if x >= 0), (None, -1))
    if top is None:
        raise AssertionError(f"no panel titled {title!r} on the screen:\n{screen}")
    right = rows[top].index("╮", left)
    inside = []
    for row in rows[top + 1 :]:
        row = row.ljust(right + 1)
        if row[left] == "╰":
            return inside
        assert row[left] == "│" and row[right] == "│", f"{title} panel's border:\n{screen}"
        inside.append(row[left + 1 : right])
    raise AssertionError(f"the {title} panel is not closed:\n{screen}")


@dataclass
class Box:
    name: str
    x: int
    top: int
    after: str | None  # the value on the name line: an input's value, an output's target
    lines: dict[str, str] = field(default_factory=dict)  # "net" → its number (or ·)
    right: int = 0  # the first column right of its text

    @property
    def bottom(self) -> int:
        return self.top + len(self.lines)


@dataclass
class Label:
    weight: str
    x: int
    y: int
    old: str | None  # (None: a label with room for one number gives the new one, `w1⁺ 0.1498`,
    # or in the backward phase the gradient, `w5 ∂≈0.0822`)
    gradient: str | None
    new: str | None


@dataclass
class Diagram:
    rows: list[str]
    boxes: dict[str, Box]
    labels: dict[str, Label]

    @property
    def text(self) -> str:
        return "\n".join(self.rows)

    def count(self, number: str) -> int:
        """How many times `number` is written in the diagram, as a whole number."""
        return sum(match.group() == number for match in re.finditer(NUMBER, self.text))


def read_diagram(screen: str) -> Diagram:
    """The boxes and labels of the "Network" panel of `screen`."""
    rows = panel(screen, "Network")
    boxes: dict[str, Box] = {}
    labels: dict[str, Label] = {}
    for y, row in enumerate(rows):
        for match in _NAME.finditer(row):
            name = match.group(1)
            assert name not in boxes, f"{name} is drawn twice:\n{screen}"
            box = Box(name, match.start(), y, match.group(2) or match.group(3))
            box.right = match.end()
            for below in rows[y + 1 :]:
                line = _LINE.match(below, box.x)
                if line is None:
                    break
                box.lines[line.group(1)] = line.group(2)
                box.right = max(box.right, line.end())
            boxes[name] = box
        for match in _LABEL.finditer(row):
            weight = match.group(1)
            assert weight not in labels, f"{weight} is labelled twice:\n{screen}"
            plus, number, gradient, new, alone = match.group(2, 3, 4, 5, 6)
            if alone:  # the gradient alone, where the weight's does not fit beside it
                labels[weight] = Label(weight, match.start(), y, None, alone, None)
            elif plus:
                labels[weight] = Label(weight, match.start(), y, None, None, number)
            else:
                labels[weight] = Label(weight, match.start(), y, number, gradient, new)
    return Diagram(rows, boxes, labels)


def assert_beside_its_edge(diagram: Diagram, label: Label) -> None:
    """`label` lies between its two neurons and within a row of the band that the lines from
    one's box to the other's sweep at its column."""
    source, target = (diagram.boxes[n] for n in EDGES[label.weight])
    where = f"{label.weight}'s label at column {label.x}, row {label.y}:\n{diagram.text}"
    assert source.right <= label.x < target.x, (
        f"not between {source.name} and {target.name}: {where}"
    )
    f = (label.x - source.right) / (target.x - source.right)
    high = source.top + f * (target.top - source.top)
    low = source.bottom + f * (target.bottom - source.bottom)
    assert high - 1 <= label.y <= low + 1, (
        f"not on the edge {source.name}→{target.name} (rows {high:.1f}..{low:.1f}): {where}"
    )


def number_as_shown(text: str, value: float) -> bool:
    """`text` is `value` as the post writes it, at 9 decimals or at the fewer (down to 1) a
    short label falls back to, with the zeros that rounding leaves there (0.0010 for
    0.000995425 at 4)."""
    decimals = len(text.partition(".")[2])
    return text in {shown(value, q) for q in range(1, 10)} or (
        0 < decimals < 9 and text == f"{value:.{decimals}f}".replace("-", "−")
    )


# --- the terminal ------------------------------------------------------------------------------


def opened_at(width: int, height: int):
    """bptui in a width × height pane, once it draws at that size (its widest row is the
    pane's width: the footer's `^p palette` ends at the right edge); closed after."""
    session = Tmux(width=width, height=height)
    try:
        screen = session.settle()
        rows = screen.splitlines()
        size = (max(map(len, rows)), len(rows))
        assert size == (width, height), f"not {width}×{height}:\n{screen}"
        yield session
    finally:
        session.close()


def go(session: Tmux, step: int, *keys: str, still: float = 0.2, timeout: float = 8.0) -> str:
    """Press `keys` and return the screen once its header says `step` of the epoch."""
    session.keys(*keys)
    deadline = time.monotonic() + timeout
    screen = session.settle(still=still)
    while "epoch 1 · " not in screen or f" step {step} of {STEPS}" not in screen:
        assert time.monotonic() < deadline, f"not at step {step}:\n{screen}"
        screen = session.settle(still=still)
    return screen


def end_of_backward(session: Tmux) -> Diagram:
    """The last step of the backward phase: home, the update's first step, one back."""
    go(session, 1, "Home")
    go(session, END_OF_BACKWARD + 1, "4")
    screen = go(session, END_OF_BACKWARD, "p")
    assert "BACKWARD" in screen.splitlines()[0]
    return read_diagram(screen)


def end_of_epoch(session: Tmux) -> Diagram:
    go(session, 1, "Home")
    screen = go(session, END_OF_EPOCH, "End")
    assert "UPDATE" in screen.splitlines()[0]
    return read_diagram(screen)


@pytest.fixture(scope="module")
def at_200x60():
    yield from opened_at(200, 60)


@pytest.fixture(scope="module")
def at_120x40():
    yield from opened_at(120, 40)


@pytest.fixture(scope="module")
def at_80x24():
    yield from opened_at(80, 24)


def assert_boxes(diagram: Diagram, lines: tuple[str, ...]) -> None:
    """Every neuron's box shows `lines`, each the post's number at 9 decimals; inputs their
    value, outputs their target."""
    assert set(diagram.boxes) == {"i1", "i2", *NEURONS}, diagram.text
    for name, value in INPUTS.items():
        assert diagram.boxes[name].after == shown(value), diagram.text
    for name, value in TARGETS.items():
        assert diagram.boxes[name].after == shown(value), diagram.text
    for name in NEURONS:
        box = diagram.boxes[name]
        assert tuple(box.lines) == lines, f"{name}'s box:\n{diagram.text}"
        for line in lines:
            expected = shown(EXPECTED[LINES[line].format(name)])
            assert box.lines[line] == expected, f"{name}'s {line}: {box.lines[line]} ≠ {expected}"


# --- 200×60: everything at 9 decimals -----------------------------------------------------------


@needs_tmux
def test_200x60_end_of_backward_every_delta_and_gradient_on_its_neuron_or_edge(
    at_200x60: Tmux,
) -> None:
    """At 200×60, on the backward phase's last step (∂E_total/∂w4), each neuron's box reads
    net, out, ∂E/∂out and δ (δ_o1 0.138498562, δ_o2 −0.038098237, δ_h1 0.008771355, δ_h2
    0.009954255; ∂E/∂out_o1 0.74136507, ∂E/∂out_h1 0.036350306) and each weight's label
    `wK <weight> ∂<gradient>` sits on its own edge with the post's ∂E_total/∂w1..w8 at 9
    decimals (w5 ∂0.082167041, w7 ∂−0.02260254, w1 ∂0.000438568, …); every backward number is
    written once in the diagram."""
    diagram = end_of_backward(at_200x60)
    assert_boxes(diagram, ("net", "out", "∂E/∂out", "δ"))
    assert set(diagram.labels) == set(EDGES), diagram.text
    for weight, label in diagram.labels.items():
        assert label.old == shown(WEIGHTS[weight]), diagram.text
        assert label.gradient == shown(EXPECTED[f"∂E_total/∂{weight}"]), (
            f"{weight}: {label.gradient}\n{diagram.text}"
        )
        assert label.new is None
        assert_beside_its_edge(diagram, label)
    backward = [f"∂E_total/∂{w}" for w in EDGES]
    backward += [LINES[line].format(n) for n in NEURONS for line in BACKWARD_LINES]
    for symbol in backward:
        assert diagram.count(shown(EXPECTED[symbol])) == 1, f"{symbol}:\n{diagram.text}"


@needs_tmux
def test_200x60_end_of_epoch_every_weight_old_to_new_on_its_edge(at_200x60: Tmux) -> None:
    """At 200×60, on the epoch's last step (w8⁺), every label reads `wK old→new` at 9 decimals
    (w5 0.4→0.35891648, w6 0.45→0.408666186, w7 0.5→0.51130127, w8 0.55→0.561370121, w1
    0.15→0.149780716, …) on its own edge; each new weight is written once."""
    diagram = end_of_epoch(at_200x60)
    assert set(diagram.labels) == set(EDGES), diagram.text
    for weight, label in diagram.labels.items():
        assert (label.old, label.new) == (shown(WEIGHTS[weight]), shown(EXPECTED[f"{weight}⁺"])), (
            f"{weight}\n{diagram.text}"
        )
        assert_beside_its_edge(diagram, label)
        assert diagram.count(label.new) == 1, f"{weight}⁺\n{diagram.text}"
    assert diagram.labels["w5"].new == "0.35891648"  # the post's w5⁺, as it prints it


BOX_SYMBOL = {
    LINES[line].format(n): (n, line) for n in NEURONS for line in BACKWARD_LINES
}  # "δ_o1" → ("o1", "δ")


@needs_tmux
def test_200x60_each_backward_value_appears_at_its_step_and_stays(at_200x60: Tmux) -> None:
    """Stepping through the backward phase at 200×60 (`3`, then `n` 31 times): a box's
    ∂E/∂out or δ line and a label's ∂ show `·` / nothing until the step computing that symbol
    (e.g. δ_o1 at step 14, ∂E_total/∂w7 at step 23), then the post's value, on every later step;
    then through the update (`n` 8 times): a label turns `old→new` at its weight's step."""
    go(at_200x60, 1, "Home")
    first = phase_start("backward") + 1
    screen = go(at_200x60, first, "3")
    done: set[str] = set()
    for number in range(first, STEPS + 1):
        if number > first:
            screen = go(at_200x60, number, "n", still=0.1)
        done.add(steps()[number - 1][0])
        diagram = read_diagram(screen)
        where = f"step {number} ({steps()[number - 1][0]}):\n{diagram.text}"
        for symbol, (neuron, line) in BOX_SYMBOL.items():
            expected = shown(EXPECTED[symbol]) if symbol in done else "·"
            assert diagram.boxes[neuron].lines[line] == expected, f"{symbol} at {where}"
        for weight, label in diagram.labels.items():
            gradient = f"∂E_total/∂{weight}"
            if f"{weight}⁺" in done:
                assert label.new == shown(EXPECTED[f"{weight}⁺"]), f"{weight}⁺ at {where}"
            else:
                assert label.new is None, f"{weight}⁺ at {where}"
                expected = shown(EXPECTED[gradient]) if gradient in done else None
                assert label.gradient == expected, f"{gradient} at {where}"


# --- 120×40: the standard layout --------------------------------------------------------------


@needs_tmux
def test_120x40_end_of_backward_every_delta_on_its_neuron(at_120x40: Tmux) -> None:
    """At 120×40, on the backward phase's last step, each neuron's box reads net, out,
    ∂E/∂out and δ at 9 decimals (as at 200×60), each backward number written once."""
    diagram = end_of_backward(at_120x40)
    assert_boxes(diagram, ("net", "out", "∂E/∂out", "δ"))
    for neuron in NEURONS:
        for line in BACKWARD_LINES:
            number = diagram.boxes[neuron].lines[line]
            assert diagram.count(number) == 1, f"{neuron}'s {line} {number}:\n{diagram.text}"


@needs_tmux
def test_120x40_end_of_backward_the_gradients_it_shows_are_right_and_on_their_edges(
    at_120x40: Tmux,
) -> None:
    """At 120×40 the labels of w1..w5 and w8 read `wK <weight> ∂<gradient>` at 9 decimals
    (the middle ones too: see the next test). Every gradient shown is the post's, as rounded,
    beside its own edge."""
    diagram = end_of_backward(at_120x40)
    assert set(diagram.labels) == set(EDGES), diagram.text
    for weight, label in diagram.labels.items():
        assert label.old == shown(WEIGHTS[weight]), diagram.text
        assert_beside_its_edge(diagram, label)
        if label.gradient is not None:
            assert number_as_shown(label.gradient, EXPECTED[f"∂E_total/∂{weight}"]), (
                f"{weight}: {label.gradient}\n{diagram.text}"
            )
    for weight in ("w1", "w2", "w3", "w4", "w5", "w8"):
        gradient = diagram.labels[weight].gradient
        assert gradient == shown(EXPECTED[f"∂E_total/∂{weight}"]), f"{weight}\n{diagram.text}"
        assert diagram.count(gradient) == 1, f"{weight}\n{diagram.text}"


@needs_tmux
def test_120x40_end_of_backward_shows_all_eight_gradients_at_9_decimals(at_120x40: Tmux) -> None:
    """Every label, the two middle edges' too (w6, w7, where h1→o2 and h2→o1 cross), has
    room for its gradient at 9 decimals: a label takes the roomiest free place along its
    edge, not the first that holds its name and weight (it once read `w7 0.5` alone)."""
    diagram = end_of_backward(at_120x40)
    for weight in EDGES:
        assert diagram.labels[weight].gradient == shown(EXPECTED[f"∂E_total/∂{weight}"]), (
            f"{weight}\n{diagram.text}"
        )


@needs_tmux
def test_120x40_start_of_backward_shows_only_the_first_gradient(at_120x40: Tmux) -> None:
    """At 120×40 on the backward phase's first step (`3`: ∂E_total/∂out_o1 = 0.74136507) the
    diagram shows that number under o1 and `·` for every other ∂E/∂out and δ; no label has a ∂
    yet. (Nothing of the backward pass is drawn before it is computed.)"""
    go(at_120x40, 1, "Home")
    diagram = read_diagram(go(at_120x40, phase_start("backward") + 1, "3"))
    assert diagram.boxes["o1"].lines["∂E/∂out"] == shown(MAZUR["∂E_total/∂out_o1"])
    for neuron in NEURONS:
        for line in BACKWARD_LINES:
            if (neuron, line) != ("o1", "∂E/∂out"):
                assert diagram.boxes[neuron].lines[line] == "·", f"{neuron} {line}"
    assert all(label.gradient is None for label in diagram.labels.values()), diagram.text


@needs_tmux
def test_120x40_end_of_epoch_the_new_weights_it_shows_are_right(at_120x40: Tmux) -> None:
    """At 120×40 on the epoch's last step, the labels of w1..w5 and w8 read `wK old→new` at 9
    decimals (w5 0.4→0.35891648, …), each right and beside its own edge."""
    diagram = end_of_epoch(at_120x40)
    for weight, label in diagram.labels.items():
        assert label.old == shown(WEIGHTS[weight]), diagram.text
        assert_beside_its_edge(diagram, label)
        if label.new is not None:
            assert number_as_shown(label.new, EXPECTED[f"{weight}⁺"]), f"{weight}\n{diagram.text}"
    for weight in ("w1", "w2", "w3", "w4", "w5", "w8"):
        assert diagram.labels[weight].new == shown(EXPECTED[f"{weight}⁺"]), diagram.text


@needs_tmux
def test_120x40_end_of_epoch_shows_all_eight_new_weights_at_9_decimals(at_120x40: Tmux) -> None:
    """All eight labels read old→new at 9 decimals, w6⁺ = 0.408666186 and w7⁺ = 0.51130127
    included (they once had room for 3 decimals and for none)."""
    diagram = end_of_epoch(at_120x40)
    for weight in EDGES:
        assert diagram.labels[weight].new == shown(EXPECTED[f"{weight}⁺"]), diagram.text


# --- 80×24: the compact layout ----------------------------------------------------------------


@needs_tmux
def test_80x24_end_of_backward_shows_out_delta_and_the_middle_gradients(at_80x24: Tmux) -> None:
    """At 80×24 the layout is compact (one lower panel at a time; the diagram is the first,
    `v` cycles through table, chain rule, plot and back) and the Network panel has 10 rows:
    each box has room for two of its values, and from the backward phase on they are out and
    δ (the δ of every neuron: δ_h1 0.008771355 … δ_o2 −0.038098237). The labels of the
    crossing edges w2, w3, w6 and w7 have room for their gradients at 9 decimals; those of
    the straight edges w1, w4, w5 and w8 for their weight alone. Every number shown is the
    post's, every label on its own edge; a label without room for both numbers gives the
    gradient, with fewer decimals (`w5 ∂≈0.0822`: the newcomer trial found w5's gradient
    missing at its own step)."""
    diagram = end_of_backward(at_80x24)
    assert_boxes(diagram, ("out", "δ"))
    assert set(diagram.labels) == set(EDGES), diagram.text
    for weight, label in diagram.labels.items():
        assert label.old in (None, shown(WEIGHTS[weight])), diagram.text
        assert label.new is None, diagram.text
        assert label.gradient is not None, diagram.text
        assert number_as_shown(label.gradient, EXPECTED[f"∂E_total/∂{weight}"]), diagram.text
        assert_beside_its_edge(diagram, label)
    for weight in ("w2", "w3", "w6", "w7"):
        gradient = diagram.labels[weight].gradient
        assert gradient == shown(EXPECTED[f"∂E_total/∂{weight}"]), f"{weight}\n{diagram.text}"


@needs_tmux
def test_80x24_end_of_epoch_the_new_weights_it_shows_are_right(at_80x24: Tmux) -> None:
    """At 80×24 on the epoch's last step the boxes still show out and δ; the labels with room
    read old→new (w2 0.2→0.199561432, w6 0.45→0.408666186: the crossing edges), each the
    post's number as rounded, beside its own edge, and never as if unchanged. Every weight is
    named; those whose only clear place is too short for a number that differs from the old
    (w7, where w5's and w6's lines pass; w4, whose w4⁺ ≈0.2995 takes 11 cells of its 10) go
    without it, which the table has, rather than read as unchanged (`w4⁺ ≈0.3`)."""
    diagram = end_of_epoch(at_80x24)
    assert_boxes(diagram, ("out", "δ"))
    assert all(re.search(rf"{w}(?![0-9])", diagram.text) for w in EDGES), diagram.text
    assert len(set(diagram.labels) & set(EDGES)) >= len(EDGES) - 2, diagram.text
    shown_new = {w: label.new for w, label in diagram.labels.items() if label.new is not None}
    assert {"w2", "w6"} <= set(shown_new), diagram.text
    for weight, new in shown_new.items():
        assert number_as_shown(new, EXPECTED[f"{weight}⁺"]), f"{weight}\n{diagram.text}"
    for weight, label in diagram.labels.items():
        assert label.old is None or label.old == shown(WEIGHTS[weight])
        assert_beside_its_edge(diagram, label)
    # a label with room for one number gives the new one (`w1 0.15` read as after its update)
    assert any(label.old is None for label in diagram.labels.values()), diagram.text


@needs_tmux
def test_80x24_end_of_epoch_an_updated_weight_never_reads_unchanged(at_80x24: Tmux) -> None:
    """A label short of room takes fewer decimals, but never so few that old and new read
    the same (`w2 0.2→0.2` once said nothing of w2⁺ = 0.199561432)."""
    diagram = end_of_epoch(at_80x24)
    for weight, label in diagram.labels.items():
        if label.new is not None:
            assert label.new != label.old, f"{weight}: {label.old}→{label.new}\n{diagram.text}"
