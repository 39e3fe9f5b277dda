"""The diagram's labels never collide: for the presets and for random nets of up to 8 neurons a
layer, at the sizes the screen gives it, no label overwrites another, a line of another edge,
or a neuron's text; each sits on or beside its own edge; every neuron's text is whole."""

from __future__ import annotations

import random

import pytest

from bptui.app.diagram import Highlights, draw_network
from bptui.app.diagram.geometry import Geometry, layout
from bptui.engine.history import History
from bptui.engine.loader import load_network, parse_document, preset_names
from bptui.engine.view import Frame
from tests.netgen import document
from tests.seeds import WALK_SEED

# The diagram's canvas inside its border at 60×20, 80×24 (compact), 120×40 and 200×60.
SIZES = [(58, 7), (78, 11), (118, 12), (118, 24), (198, 24), (198, 40)]


def random_nets(count: int, seed: int) -> list:
    rng = random.Random(seed)
    nets = []
    for k in range(count):
        depth = rng.randint(1, 3)
        sizes = [rng.randint(1, 8) for _ in range(depth + 1)]
        sizes[-1] = max(sizes[-1], 2) if k % 3 == 0 else sizes[-1]
        output = "softmax" if k % 3 == 0 else "sigmoid"
        hidden = [rng.choice(["sigmoid", "tanh", "relu"]) for _ in range(depth - 1)]
        biases = [rng.choice(["none", "shared", "neuron"]) for _ in range(depth)]
        doc = document(
            k, "half_sse", output, hidden, sizes, biases, "online", "before_update", True, 2
        )
        nets.append(parse_document(doc, source=f"random {k}", default_name=f"random{k}"))
    return nets


def frames(network) -> list[Frame]:
    """A frame in each phase of the first sample, and the last step (every update shown)."""
    trace = History(network).trace(1)
    picks = {0}
    for segment in trace.segments:
        if segment.sample == 0:
            picks.add((segment.start + segment.stop) // 2)
    picks.add(len(trace) - 1)
    return [Frame(trace, index) for index in sorted(picks)]


def check(geometry: Geometry, canvas, frame: Frame) -> None:
    boxes = set()
    for box in geometry.boxes:
        for y in range(box.top, box.top + box.height):
            boxes.update((x, y) for x in range(box.x, box.x + box.width))
        assert box.x + box.width <= geometry.width, f"{box.name} is cut at the right"
        assert box.top + box.height <= geometry.height, f"{box.name} is cut at the bottom"
    lines: dict[tuple[int, int], set[str]] = {}
    for edge in geometry.edges:
        for x, y, _ in edge.cells:
            lines.setdefault((x, y), set()).add(edge.name)
    used: dict[tuple[int, int], str] = {}
    for edge in geometry.edges:
        slot = edge.slot
        if slot is None:
            continue
        own_rows = {(x, y) for x, y, _ in edge.cells}
        cells = [(slot.x + k, slot.y) for k in range(slot.width)]
        for cell in cells:
            assert cell not in used, f"{edge.name}'s label meets {used[cell]}'s"
            used[cell] = edge.name
            assert cell not in boxes, f"{edge.name}'s label is on a neuron"
            assert lines.get(cell, {edge.name}) <= {edge.name}, f"{edge.name} covers a line"
        near = any((x, y + dy) in own_rows for x, y in cells for dy in (-1, 0, 1))
        assert near, f"{edge.name}'s label is not on or beside its edge"
        # what is drawn there is the label, whole, and owned by its edge
        drawn = "".join(canvas.chars[slot.y][slot.x : slot.x + slot.width])
        text = _until_line(drawn).rstrip()
        assert text.startswith(edge.name), (edge.name, text)
        assert all(canvas.owners[slot.y][x] == edge.name for x in range(slot.x, slot.x + len(text)))
        nearest = nearest_lines(canvas, lines, edge.name, slot.y, slot.x, slot.x + len(text))
        assert nearest == {edge.name}, f"{edge.name}'s label is nearest to {sorted(nearest)}"
        # the lines that lead into it and on from it on its row are its own
        before = leading(canvas, lines, slot.y, range(slot.x - 1, -1, -1))
        assert not before or edge.name in before, f"{sorted(before)} lead into {edge.name}'s label"
        end = slot.x + len(text)
        after = leading(canvas, lines, slot.y, range(end, min(canvas.width, end + 4)))
        assert not after or edge.name in after, f"{sorted(after)} lead on from {edge.name}'s label"


def leading(canvas, lines, y: int, columns: range) -> set[str]:
    """Whose line is drawn first along `columns` of row y, up to a neuron's text or another
    label: the edge, or every edge at a crossing (one of them the label's own is its own);
    none when no line is (a label is read as the line that leads into it, however far: `⠔⠊⠁
    w18` right of h3's lines was read as leaving h3, the second newcomer trial)."""
    for x in columns:
        char = canvas.chars[y][x]
        if 0x2800 < ord(char) <= 0x28FF:
            return set(lines[(x, y)])
        if char != " ":
            return set()
    return set()


def nearest_lines(canvas, lines, name: str, y: int, start: int, stop: int) -> set[str]:
    """Whose lines are drawn nearest to `name`'s label at row y, columns start to stop: the
    edges of the braille cells at the least distance, a row counted as two columns (a cell is
    about twice as tall as it is wide). A cell where its own line crosses another is left out;
    one where two other lines cross counts as theirs."""
    best, owners = None, set()
    for cy in range(max(0, y - 3), min(canvas.height, y + 4)):
        for cx in range(max(0, start - 8), min(canvas.width, stop + 8)):
            if not 0x2800 < ord(canvas.chars[cy][cx]) <= 0x28FF:
                continue
            if cy == y and start <= cx < stop:
                continue
            dx = max(0, start - cx, cx - (stop - 1))
            distance = dx * dx + 4 * (cy - y) ** 2
            owner = canvas.owners[cy][cx]
            if owner == "":
                users = lines[(cx, cy)]
                if name in users:
                    continue
                owner = " and ".join(sorted(users))
            if best is None or distance < best:
                best, owners = distance, {owner}
            elif distance == best:
                owners.add(owner)
    return owners


def _until_line(text: str) -> str:
    """The label's own text: what comes before the rest of its line (braille) resumes."""
    for k, ch in enumerate(text):
        if 0x2800 <= ord(ch) <= 0x28FF:
            return text[:k]
    return text


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("net", preset_names())
def test_no_label_collides_on_the_presets(net: str, size: tuple[int, int]) -> None:
    network = load_network(net)
    for frame in frames(network):
        step = frame.step
        hl = Highlights(frozenset(step.concerns), frozenset(step.uses), selected=frame.param)
        canvas = draw_network(frame, *size, 9, hl)
        check(layout(network, *size, 9), canvas, frame)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_no_label_collides_on_random_nets_of_up_to_8_neurons_a_layer(
    size: tuple[int, int],
) -> None:
    print(f"seed {WALK_SEED}")
    labelled = 0
    for network in random_nets(25, WALK_SEED):
        for frame in frames(network)[::2]:
            canvas = draw_network(frame, *size, 9)
            geometry = layout(network, *size, 9)
            check(geometry, canvas, frame)
            labelled += sum(edge.slot is not None for edge in geometry.edges)
    assert labelled > 0


def test_mazur_labels_every_weight_with_its_value_at_120x40() -> None:
    network = load_network("mazur")
    frame = frames(network)[0]
    canvas = draw_network(frame, 118, 12, 9)
    text = "\n".join("".join(row) for row in canvas.chars)
    for name, value in [("w1", "0.15"), ("w4", "0.3"), ("w5", "0.4"), ("w8", "0.55")]:
        assert f"{name} {value}" in text


# The canvas the app gives the diagram depends on the net and the terminal (Mazur's is 58×7 at
# 60×20, 78×10 at 80×24, 118×14 at 120×40, 198×22 at 200×60): every height at each width.
WIDTHS = (58, 78, 98, 118, 158, 198)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("net", preset_names())
def test_each_label_is_nearest_its_own_line_at_every_height(net: str, width: int) -> None:
    network = load_network(net)
    shown = frames(network)
    for height in range(5, 31):
        geometry = layout(network, width, height, 9)
        for frame in (shown[0], shown[-1]):
            check(geometry, draw_network(frame, width, height, 9), frame)
