"""Snapshots of the network diagram in its backward pass, at the three sizes a reader meets
(80×24, 120×40, 200×60), for Mazur's 2-2-2 net, a 2-4-3 net and the 2-3-3-2 tanh preset,
and of both themes. Each docstring says what a person should see; each test also reads some
of those numbers off the screen's text (the numbers come from tests/reference.py, or from
the finite-difference check the table itself shows beside them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bptui.app.app import BptuiApp
from bptui.engine.loader import load_network
from tests.reference import show
from tests.screen import index_of, phase_start, svg_text

NETS = Path(__file__).parent / "nets"
TWO_FOUR_THREE = str(NETS / "two-four-three.toml")
END_OF_BACKWARD = ["4", "p"]  # the update phase's first step, then one back
WEIGHTS = {"w1": "0.15", "w2": "0.2", "w3": "0.25", "w4": "0.3",
           "w5": "0.4", "w6": "0.45", "w7": "0.5", "w8": "0.55"}  # fmt: skip
"""The post's starting weights, as the diagram writes them."""


class RecordingApp(BptuiApp):
    """The app, keeping the text of the last screenshot for the test's own assertions."""

    text = ""

    def export_screenshot(self, *args, **kwargs) -> str:
        svg = super().export_screenshot(*args, **kwargs)
        self.text = svg_text(svg)
        return svg


def diagram_of(text: str) -> str:
    """The lines of the Network panel."""
    lines = text.splitlines()
    top = next(k for k, line in enumerate(lines) if "Network" in line)
    bottom = next(k for k in range(top + 1, len(lines)) if lines[k].startswith("╰"))
    return "\n".join(lines[top : bottom + 1])


def test_mazur_backward_at_80x24(snap_compare) -> None:
    """The last backward step of Mazur's epoch 1 (∂E_total/∂w4) at 80×24: the compact layout,
    the diagram above the step panel. You should see each of w1…w8 on its own edge with its
    value, the crossing edges' labels with their gradients too (w2 0.2 ∂0.000877135, w7 0.5
    ∂−0.02260254); the edges are braille lines from the right of one neuron to the left of the
    other, crossing between the columns; every box shows out and δ (δ_o1 0.138498562); the
    current edge i2→h2 (w4) bright and both its neurons in reverse; the step panel on
    ∂E_total/∂w4 = 0.000995425."""
    app = RecordingApp(load_network("mazur"))
    assert snap_compare(app, press=END_OF_BACKWARD, terminal_size=(80, 24))
    diagram = diagram_of(app.text)
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        assert f"{name} " in diagram
    for symbol in ("δ_o1", "δ_o2", "δ_h1", "δ_h2", "∂E_total/∂w2", "∂E_total/∂w7"):
        assert show(symbol) in diagram, symbol
    assert show("∂E_total/∂w4") in app.text


def test_mazur_backward_at_120x40(snap_compare) -> None:
    """At 120×40 each neuron's box shows net, out, ∂E/∂out and δ under its name; each edge
    shows its weight and its gradient (∂) beside it: w5 0.4 ∂0.082167041, w1 0.15
    ∂0.000438568; the output neurons' δ 0.138498562 and δ −0.038098237, the targets after
    the arrows (→ 0.01, → 0.99); the chain panel following w4."""
    app = RecordingApp(load_network("mazur"))
    assert snap_compare(app, press=END_OF_BACKWARD, terminal_size=(120, 40))
    diagram = diagram_of(app.text)
    for symbol in ("δ_o1", "δ_o2", "∂E_total/∂out_o1", "out_h1", "net_o2"):
        assert show(symbol) in diagram, symbol
    for w in ("w5", "w8"):
        assert f"{w} {WEIGHTS[w]} ∂{show(f'∂E_total/∂{w}')}" in diagram, w


def test_mazur_backward_at_200x60(snap_compare) -> None:
    """At 200×60 the diagram takes the room: every edge's label is its weight and gradient
    at 9 decimals (w1 0.15 ∂0.000438568 … w8 0.55 ∂−0.022740242), the boxes spread apart,
    δ and ∂E/∂out under every neuron, the plot and table taller; nothing is cut."""
    app = RecordingApp(load_network("mazur"))
    assert snap_compare(app, press=END_OF_BACKWARD, terminal_size=(200, 60))
    diagram = diagram_of(app.text)
    for k in range(1, 9):
        w = f"w{k}"
        assert f"{w} {WEIGHTS[w]} ∂{show(f'∂E_total/∂{w}')}" in diagram, w
    for symbol in ("δ_o1", "δ_o2", "δ_h1", "δ_h2"):
        assert show(symbol) in diagram, symbol


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_2_4_3_net_backward(snap_compare, size) -> None:
    """A 2-4-3 net (tests/nets/two-four-three.toml) at the end of its backward pass: four
    hidden neurons h1…h4 between i1/i2 and o1…o3, twenty edges, each label on its own line.
    At 80×24 the boxes show their names only and the middle labels their names; at 120×40
    net and out under each name; at 200×60 also ∂E/∂out and δ under every neuron, and the
    gradients of w1…w9, w12, w16, w17 and w20 beside their edges. The table beside the
    diagram's numbers shows each gradient's finite difference agreeing."""
    app = RecordingApp(load_network(TWO_FOUR_THREE))
    assert snap_compare(app, press=END_OF_BACKWARD, terminal_size=size)
    diagram = diagram_of(app.text)
    for name in ("(i1)", "(i2)", "(h1)", "(h4)", "(o1)", "(o3)"):
        assert name in diagram
    if size == (200, 60):
        assert diagram.count("δ ") == 7 and "δ ·" not in diagram


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_2_3_3_2_tanh_net_backward(snap_compare, size) -> None:
    """The tanh-2332 preset (two tanh hidden layers of 3, a batch-mean update) at the end of
    the first sample's backward pass: four columns of neurons, 21 edges. At 120×40 and more
    each box shows net and out; at 200×60 δ too for every neuron this sample has reached."""
    app = RecordingApp(load_network("tanh-2332"))
    assert snap_compare(app, press=END_OF_BACKWARD, terminal_size=size)
    diagram = diagram_of(app.text)
    for name in ("(i1)", "(h1_1)", "(h2_3)", "(o2)"):
        assert name in diagram


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_light_theme(snap_compare, size) -> None:
    """`--theme light` at Mazur's ∂E_total/∂w5: black on white, dark blue borders, the
    current edge w5 in dark amber, not-yet-computed values grey; the same text as dark."""
    app = RecordingApp(load_network("mazur"), theme="light")
    press = ["3", *["n"] * (index_of("∂E_total/∂w5") - phase_start("backward"))]
    assert snap_compare(app, press=press, terminal_size=size)
    assert show("∂E_total/∂w5") in app.text
