"""Where everything of the network diagram goes: boxes, edges as straight braille lines, and a
place for each edge's label on or beside its own line, never where another line passes.

The geometry depends on the network's shape and names, the canvas size and how much detail
fits (`Detail`), never on the numbers shown: it is worked out once per size and reused while
the user steps. Edges are straight lines at the resolution of braille dots (2 × 4 per cell),
each from its own port on the right of its source to its own port on the left of its target,
so that a line can be followed from one neuron to the other; lines cross as in the post's
figure. A label's slot is chosen along its edge (from near the source towards the middle):
the first place, on the edge's row or the row above or below it, whose cells no other edge,
box or label uses. A label that finds no place in its longest form tries a shorter one (the
weight's name alone), then goes without (the parameter table lists every weight).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

MAX_SHOWN = 8  # a layer wider than this is collapsed: first 3, an ellipsis, last 3
KEEP = 3
BRAILLE = 0x2800
# braille dot bits by (column 0-1, row 0-3) within a cell
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
BOX_LINES = ("name", "net", "out", "dout", "delta")  # a neuron's lines, most needed first
GAP = 1  # cells between a box and the lines leaving or entering it


@dataclass(frozen=True)
class Detail:
    """How much a drawing shows: the decimals of its numbers, a neuron's lines, labels."""

    precision: int
    lines: int  # how many of BOX_LINES a neuron shows (inputs: their value on the name line)
    labels: bool


@dataclass(frozen=True)
class Box:
    """One neuron's place (or a collapsed layer's ellipsis: unit None)."""

    column: int
    layer: int  # -1: the inputs
    unit: int | None
    name: str
    x: int
    top: int
    width: int
    height: int
    hidden: frozenset[str] = frozenset()  # an ellipsis: the names of the neurons it stands for
    label: str = ""  # the name as drawn, when the column is too narrow for it: `input_al…`

    @property
    def shown(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Slot:
    """Where a label goes: from (x, y), at most `width` cells (the drawing writes the longest
    form of the label that fits)."""

    x: int
    y: int
    width: int


@dataclass(frozen=True)
class Edge:
    name: str  # the weight's name
    layer: int  # the layer it feeds
    source: int  # unit in the layer below
    target: int  # unit of `layer`
    cells: tuple[tuple[int, int, int], ...]  # (x, y, braille dot bits)
    slot: Slot | None


@dataclass
class Geometry:
    width: int
    height: int
    detail: Detail
    boxes: list[Box] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    bias_row: int | None = None  # the row of the shared biases' labels
    column_x: list[int] = field(default_factory=list)
    column_width: list[int] = field(default_factory=list)

    def box(self, layer: int, unit: int) -> Box | None:
        for box in self.boxes:
            if box.layer == layer and box.unit == unit:
                return box
        return None


def shown_units(count: int, room: int = MAX_SHOWN) -> list[int | None]:
    """Indices of the neurons drawn; None is the ellipsis of a collapsed layer. A layer of
    more than MAX_SHOWN neurons, or of more than the `room` boxes its column has, shows its
    first and last neurons around the ellipsis (KEEP of each while there is room)."""
    limit = max(3, min(MAX_SHOWN, room))
    if count <= limit:
        return list(range(count))
    first = min(KEEP, limit // 2)
    last = min(KEEP, limit - 1 - first)
    return [*range(first), None, *range(count - last, count)]


def value_width(precision: int) -> int:
    """The widest number `num` writes at this precision: −1.234567891e+07."""
    return precision + 7


def box_width(
    names: tuple[str, ...],
    column: int,
    output: bool,
    bias: bool,
    detail: Detail,
    constants: tuple[tuple[float, ...], ...] = (),
) -> int:
    """A column's box width: its longest name line or value line (`constants`: the samples'
    inputs for the first column, targets for the last, whose widths are known)."""
    from bptui.fmt import num

    longest = max(len(name) for name in names) + 2  # (h1)
    if not detail.lines:
        return longest
    vw = value_width(detail.precision)
    fixed = max((len(num(v, detail.precision)) for row in constants for v in row), default=vw)
    if column == 0:
        return longest + (1 + fixed if detail.lines else 0)
    if output:
        longest += 3 + fixed  # " → 0.01"
    elif bias:
        longest += 3 + vw  # " b 0.35"
    labels = {"net": 4, "out": 4, "dout": 8, "delta": 2}
    widest = max((labels[line] + vw for line in BOX_LINES[1 : detail.lines]), default=0)
    return max(longest, widest)


def box_height(column: int, detail: Detail) -> int:
    return 1 if column == 0 else max(1, detail.lines)


def label_widths(name: str, detail: Detail) -> tuple[int, int]:
    """(the least room a label takes, the most it can use): the name and a short number
    (`w5 0.4`), up to `w5 0.593269992→0.358916480` at the diagram's precision."""
    least = len(name) + 5
    most = len(name) + 3 + 2 * (detail.precision + 3)
    return least, most


def needed_height(network, detail: Detail) -> int:
    """Rows a drawing needs to show every neuron's box with a row between boxes."""
    columns = [len(network.input_names)] + [layer.n_out for layer in network.layers]
    tallest = 0
    for c, count in enumerate(columns):
        shown = len(shown_units(count))
        tallest = max(tallest, shown * box_height(c, detail) + (shown - 1))
    bias = any(layer.bias == "shared" for layer in network.layers)
    return tallest + (1 if bias else 0)


DETAILS = tuple(
    Detail(precision, lines, labels)
    for precision, lines, labels in (
        (9, 5, True),
        (9, 3, True),
        (6, 5, True),
        (6, 3, True),
        (4, 3, True),
        (3, 3, True),
        (3, 1, True),
        (3, 1, False),
        (3, 0, False),  # the names alone: every neuron still in its place
    )
)
MIN_CHANNEL = 12  # cells between two columns of boxes, at least


def choose_detail(network, width: int, height: int, precision: int) -> Detail:
    """The most detailed drawing that fits: every channel between columns at least
    MIN_CHANNEL wide and every box in the height (the last resort fits what it can)."""
    candidates = [d for d in DETAILS if d.precision <= precision] or [DETAILS[-1]]
    if precision < candidates[0].precision or precision not in {d.precision for d in DETAILS}:
        first = candidates[0]
        candidates.insert(0, Detail(precision, first.lines, first.labels))
    for detail in candidates:
        widths = _column_widths(network, detail)
        channels = len(widths) - 1
        if sum(widths) + channels * MIN_CHANNEL > width:
            continue
        if needed_height(network, detail) > height:
            continue
        return detail
    return candidates[-1]


def _fitted(widths: list[int], width: int) -> list[int]:
    """Column widths that leave at least GAP_COLUMNS cells between columns within `width`:
    the widest give up cells first (their names are drawn shortened, with …), none below
    MIN_BOX. Widths that fit already are kept."""
    widths = list(widths)
    gaps = GAP_COLUMNS * (len(widths) - 1)
    while sum(widths) + gaps > width and max(widths) > MIN_BOX:
        widths[widths.index(max(widths))] -= 1
    return widths


GAP_COLUMNS = 3  # cells between two columns, at least: room for an edge to show
MIN_BOX = 5  # `(a…)`


def _column_widths(network, detail: Detail) -> list[int]:
    names = [tuple(network.input_names)] + [tuple(layer.names) for layer in network.layers]
    last = len(names) - 1
    widths = []
    for c, column in enumerate(names):
        layer = network.layers[c - 1] if c else None
        bias = layer is not None and layer.bias == "neuron"
        constants = network.inputs if c == 0 else (network.targets if c == last else ())
        widths.append(box_width(column, c, c == last, bias, detail, constants))
    return widths


@dataclass(frozen=True)
class Shape:
    """What the geometry depends on in a network: its neurons' names, weights' names and
    bias kinds (hashable, unlike the network with its arrays)."""

    input_names: tuple[str, ...]
    layers: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...], str], ...]
    inputs: tuple[tuple[float, ...], ...] = ()  # the samples' inputs and targets: what the
    targets: tuple[tuple[float, ...], ...] = ()  # first and last columns show, never changing

    @classmethod
    def of(cls, network) -> Shape:
        return cls(
            tuple(network.input_names),
            tuple((layer.names, layer.weight_names, layer.bias) for layer in network.layers),
            tuple(map(tuple, network.inputs.tolist())),
            tuple(map(tuple, network.targets.tolist())),
        )


@dataclass(frozen=True)
class _Layer:
    names: tuple[str, ...]
    weight_names: tuple[tuple[str, ...], ...]
    bias: str

    @property
    def n_out(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class _Network:
    """A network's shape with the attributes the layout reads."""

    input_names: tuple[str, ...]
    layers: tuple[_Layer, ...]
    inputs: tuple[tuple[float, ...], ...] = ()
    targets: tuple[tuple[float, ...], ...] = ()


def layout(network, width: int, height: int, precision: int) -> Geometry:
    """The geometry of `network` on a width × height canvas (cached by the network's shape,
    names and the size: the numbers never change it)."""
    return _layout(Shape.of(network), width, height, precision)


@lru_cache(maxsize=32)
def _layout(shape: Shape, width: int, height: int, precision: int) -> Geometry:
    network = _Network(
        shape.input_names,
        tuple(_Layer(*layer) for layer in shape.layers),
        shape.inputs,
        shape.targets,
    )
    detail = choose_detail(network, width, height, precision)
    geometry = Geometry(width, height, detail)
    widths = _fitted(_column_widths(network, detail), width)
    columns = [list(network.input_names)] + [list(layer.names) for layer in network.layers]
    bias_row = any(layer.bias == "shared" for layer in network.layers)
    usable = height - (1 if bias_row else 0)
    geometry.bias_row = height - 1 if bias_row else None
    # (as many boxes as the height holds with a row between them: none drawn over another)
    shown = [
        shown_units(len(names), (usable + 1) // (box_height(c, detail) + 1))
        for c, names in enumerate(columns)
    ]

    # Columns spread over the width: the channels share what the boxes leave.
    spare = max(0, width - sum(widths))
    channels = len(columns) - 1
    xs, x = [], 0
    for c, w in enumerate(widths):
        xs.append(x)
        x += w + (spare // channels + (1 if c < spare % channels else 0) if channels else 0)
    geometry.column_x, geometry.column_width = xs, widths

    # Boxes spread over the height, each column on its own.
    for c, units in enumerate(shown):
        h = box_height(c, detail)
        count = len(units)
        free = usable - count * h
        for k, unit in enumerate(units):
            top = (free // 2) if count == 1 else round(k * free / (count - 1)) + k * h
            top = max(0, min(top, usable - h))
            if unit is not None:
                name = columns[c][unit]
                room = widths[c] - 2  # (inside the parentheses)
                label = name if len(name) <= room else name[: max(1, room - 1)] + "…"
                box = Box(c, c - 1, unit, name, xs[c], top, widths[c], h, label=label)
            else:
                hidden = frozenset(columns[c]) - {columns[c][u] for u in units if u is not None}
                name = f"⋮ {len(hidden)} more"
                box = Box(c, c - 1, None, name, xs[c], top, widths[c], h, hidden)
            geometry.boxes.append(box)

    # Edges between shown neurons, from a port on the source's right to one on the target's
    # left, each port at its own dot row.
    boxes = {(box.column, box.unit): box for box in geometry.boxes if box.unit is not None}
    occupied = _box_cells(geometry)
    raw: list[tuple[str, int, int, int, tuple]] = []
    for li, layer in enumerate(network.layers):
        sources = [u for u in shown[li] if u is not None]
        targets = [u for u in shown[li + 1] if u is not None]
        for j in targets:
            for i in sources:
                source, target = boxes[(li, i)], boxes[(li + 1, j)]
                y0 = _port(source, targets.index(j), len(targets))
                y1 = _port(target, sources.index(i), len(sources))
                x0 = 2 * (source.x + source.width + GAP)
                x1 = 2 * (target.x - GAP) - 1
                cells = _line(x0, y0, x1, y1)
                raw.append((layer.weight_names[j][i], li, i, j, cells))

    # Labels: each on or beside its own line, clear of every other line, box and label.
    taken = set(occupied)
    line_cells: dict[tuple[int, int], set[str]] = {}
    for name, _, _, _, cells in raw:
        for cx, cy, _ in cells:
            line_cells.setdefault((cx, cy), set()).add(name)
    for name, li, i, j, cells in raw:
        slot = None
        if detail.labels:
            least, most = label_widths(name, detail)
            slot = _place(cells, name, least, most, line_cells, taken, width, usable)
            if slot is None:  # the name alone
                slot = _place(cells, name, len(name), len(name), line_cells, taken, width, usable)
        if slot is not None:
            taken.update((slot.x + k, slot.y) for k in range(slot.width))
        geometry.edges.append(Edge(name, li, i, j, cells, slot))
    return geometry


def _box_cells(geometry: Geometry) -> set[tuple[int, int]]:
    """The cells of every box and a column either side of it (so that no label touches a
    neuron's text)."""
    cells = set()
    for box in geometry.boxes:
        for y in range(box.top, box.top + box.height):
            for x in range(box.x - 1, box.x + box.width + 1):
                cells.add((x, y))
    return cells


def _port(box: Box, k: int, count: int) -> int:
    """The dot row of port k of `count` on a box's side, spread over its rows."""
    dots = 4 * box.height
    return 4 * box.top + min(dots - 1, int((k + 0.5) * dots / count))


@lru_cache(maxsize=4096)
def _line(x0: int, y0: int, x1: int, y1: int) -> tuple[tuple[int, int, int], ...]:
    """The braille cells of a straight line between two dots (Bresenham), as (x, y, bits)."""
    cells: dict[tuple[int, int], int] = {}
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x1 >= x0 else -1), (1 if y1 >= y0 else -1)
    error = dx + dy
    x, y = x0, y0
    while True:
        key = (x // 2, y // 4)
        cells[key] = cells.get(key, 0) | _DOTS[x % 2][y % 4]
        if x == x1 and y == y1:
            break
        e2 = 2 * error
        if e2 >= dy:
            error += dy
            x += sx
        if e2 <= dx:
            error += dx
            y += sy
    return tuple((cx, cy, bits) for (cx, cy), bits in cells.items())


def _place(
    cells: tuple[tuple[int, int, int], ...],
    name: str,
    width: int,
    most: int,
    line_cells: dict[tuple[int, int], set[str]],
    taken: set[tuple[int, int]],
    canvas_width: int,
    usable_height: int,
) -> Slot | None:
    """A free place of at least `width` cells for a label along its line, stretched to the
    right while free up to `most` cells: the first that holds all `most`, else the roomiest
    (places tried from a fifth of the way towards the far end, then further along; on the
    line's row, then just above or below it)."""
    by_column: dict[int, list[int]] = {}
    for cx, cy, _ in cells:
        by_column.setdefault(cx, []).append(cy)
    columns = sorted(by_column)
    if not columns:
        return None
    span = len(columns)
    fractions = (0.2, 0.3, 0.1, 0.4, 0.5, 0.6, 0.05, 0.7, 0.8, *(k / 20 for k in range(1, 19)))
    best: Slot | None = None
    for start in dict.fromkeys(max(0, min(span - 1, round(span * f))) for f in fractions):
        x = columns[start]
        row = sorted(by_column[x])[len(by_column[x]) // 2]
        for y in (row, row - 1, row + 1):
            if not 0 <= y < usable_height or x + width > canvas_width:
                continue
            if _free(x, y, width, name, y == row, line_cells, taken, by_column):
                room = width
                while (
                    room < most
                    and x + room < canvas_width
                    and _free(x + room, y, 1, name, True, line_cells, taken, by_column)
                ):
                    room += 1
                if room >= most:
                    return Slot(x, y, room)
                if best is None or room > best.width:
                    best = Slot(x, y, room)
    return best


def _free(
    x: int,
    y: int,
    width: int,
    name: str,
    on_line: bool,
    line_cells: dict[tuple[int, int], set[str]],
    taken: set[tuple[int, int]],
    own: dict[int, list[int]],
) -> bool:
    """No box, label or other line in the cells; beside the line: touching it."""
    touching = on_line
    for k in range(width):
        cell = (x + k, y)
        if cell in taken:
            return False
        users = line_cells.get(cell)
        if users and users != {name}:
            return False
        if not touching and x + k in own and any(abs(row - y) <= 1 for row in own[x + k]):
            touching = True
    return touching
