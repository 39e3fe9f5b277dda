"""Where everything of the network diagram goes: boxes, edges as straight braille lines, and a
place for each edge's label on or beside its own line, never where another line passes.

The geometry depends on the network's shape and names, the canvas size and how much detail
fits (`Detail`), never on the numbers shown: it is worked out once per size and reused while
the user steps. Edges are straight lines at the resolution of braille dots (2 × 4 per cell),
each from its own port on the right of its source to its own port on the left of its target,
so that a line can be followed from one neuron to the other; lines cross as in the post's
figure. A label's slot is chosen along its edge (from near the source towards the middle):
a place, on the edge's row or the row above or below it, whose cells no other edge, box or
label uses, and where the line drawn nearest to the label is its own, whatever the length of
its text: a reader takes a label for the line it touches. Places with no other line near
(`MARGIN`) come first. A label that finds no place in its longest form tries a shorter one
(the weight's name alone), then goes without (the parameter table lists every weight).
"""

from __future__ import annotations

from dataclasses import field
from functools import lru_cache

from bptui.records import dataclass

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
    precision: int = 9  # the screen's decimals (the detail's may be fewer)

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
    if bias:
        longest += 3 + vw  # " b 0.35" (an output neuron's after its target)
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
    geometry = Geometry(width, height, detail, precision=precision)
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
        labels = shortened(tuple(columns[c]), widths[c] - 2)  # (inside the parentheses)
        free = usable - count * h
        for k, unit in enumerate(units):
            top = (free // 2) if count == 1 else round(k * free / (count - 1)) + k * h
            top = max(0, min(top, usable - h))
            if unit is not None:
                name = columns[c][unit]
                box = Box(c, c - 1, unit, name, xs[c], top, widths[c], h, label=labels[unit])
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

    # Labels: each on or beside its own line, clear of every other line, box and label. When
    # the roomiest places of the first labels leave a later one without its number, every
    # label is placed again in at most CAPS cells, then stretched where it is.
    users: dict[tuple[int, int], set[str]] = {}
    for name, _, _, _, cells in raw:
        for cx, cy, _ in cells:
            users.setdefault((cx, cy), set()).add(name)
    slots: list[Slot | None] = [None] * len(raw)
    if detail.labels:
        slots = _labels(raw, detail, users, occupied, width, usable, None)
        for cap in CAPS if len(raw) <= MAX_REPLACED else ():
            if _score(raw, slots) == (len(raw), len(raw)):
                break
            other = _labels(raw, detail, users, occupied, width, usable, cap)
            if _score(raw, other) > _score(raw, slots):
                slots = other
    for (name, li, i, j, cells), slot in zip(raw, slots, strict=True):
        geometry.edges.append(Edge(name, li, i, j, cells, slot))
    return geometry


MAX_REPLACED = 48  # edges, at most, whose labels are placed again (each time costs a layout)
CAPS = (12, 9)  # the label's room beyond its name when placed again: `w5 0.4 ∂−0.082`, `w1⁺ ≈0.15`


def _score(raw: list, slots: list[Slot | None]) -> tuple[int, int]:
    """(how many labels have room for a number after an update, `w1⁺ ≈0.15`, how many are
    placed)."""
    numbered = sum(
        slot is not None and slot.width >= len(name) + 8
        for (name, *_), slot in zip(raw, slots, strict=True)
    )
    return numbered, sum(slot is not None for slot in slots)


def _labels(
    raw: list,
    detail: Detail,
    users: dict[tuple[int, int], set[str]],
    occupied: set[tuple[int, int]],
    width: int,
    usable: int,
    cap: int | None,
) -> list[Slot | None]:
    """Each edge's label place, in the edges' order, each label at most `cap` cells beyond its
    name and then stretched to the right while clear (None: as long as it can use)."""
    lines = _Lines(users, set(occupied), set(), set())
    slots: list[Slot | None] = []
    for name, _, _, _, cells in raw:
        least, most = label_widths(name, detail)
        if cap is not None:
            most = max(least, min(most, len(name) + cap))
        slot = _choose(cells, name, least, most, lines, width, usable)
        if slot is None:  # the name alone
            slot = _choose(cells, name, len(name), len(name), lines, width, usable)
        if slot is not None:
            lines.take(slot, name)
        slots.append(slot)
    if cap is None:
        return slots
    for k, ((name, *_), slot) in enumerate(zip(raw, slots, strict=True)):
        if slot is None:
            continue
        most = label_widths(name, detail)[1]
        room = slot.width
        while (
            room < most
            and slot.x + room < width
            and _free(slot.x + room, slot.y, 1, name, True, lines, {})
            and not {(slot.x + room + 1, slot.y), (slot.x + room + 2, slot.y)} & lines.labels
            and _clear(slot.x, slot.y, len(name), room + 1, name, lines, width)[1] == room + 1
        ):
            room += 1
        if room > slot.width:
            slots[k] = Slot(slot.x, slot.y, room)
            lines.take(slots[k], name)
    return slots


def shortened(names: tuple[str, ...], room: int) -> tuple[str, ...]:
    """A column's names as drawn in `room` cells: whole where they fit, else cut with `…` so
    that they stay told apart: the start kept (`input_al…`), else the end (`…3_1`, `…3_2` for
    h13_1 and h13_2, which read `h1…` alike: the hostile trial), else both (`h…_1`)."""
    if all(len(name) <= room for name in names):
        return names
    keep = max(1, room - 1)

    def start(name: str) -> str:
        return name if len(name) <= room else name[:keep] + "…"

    def end(name: str) -> str:
        return name if len(name) <= room else "…" + name[-keep:]

    def both(name: str) -> str:
        head = max(1, keep // 2)
        return name if len(name) <= room else name[:head] + "…" + name[-max(1, keep - head) :]

    for form in (start, end, both):
        labels = tuple(form(name) for name in names)
        if len(set(labels)) == len(labels):
            return labels
    return tuple(start(name) for name in names)


def _box_cells(geometry: Geometry) -> set[tuple[int, int]]:
    """The cells of every box, a column right of it and two left of it (so that no label
    touches a neuron's text, nor ends a space before it: `w8 ∂≈−0.023 δ −0.038098237` read as
    o2's, the newcomer trial)."""
    cells = set()
    for box in geometry.boxes:
        for y in range(box.top, box.top + box.height):
            for x in range(box.x - 2, box.x + box.width + 1):
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


def _choose(
    cells: tuple[tuple[int, int, int], ...],
    name: str,
    least: int,
    most: int,
    lines: _Lines,
    width: int,
    usable: int,
) -> Slot | None:
    """A label's place: where no other line comes near it (MARGIN) when one there holds its
    weight and gradient at 3 decimals (`w5 0.4 ∂0.082`), else the roomier of that and a place
    where its own line is merely the nearest."""
    clear, near = _place(cells, name, least, most, lines, width, usable)
    if clear is not None and clear.width >= min(most, len(name) + CAPS[0]):
        return clear
    if near is not None and (clear is None or near.width > clear.width):
        return near
    return clear


@dataclass
class _Lines:
    """What a label's place is chosen among: which edges' lines use each cell, the cells no
    label may use (boxes with a column either side, and the labels placed so far), and the
    labels' own cells, and of those the cells a label's text covers however short it is (its
    line is drawn on in the rest of its place when the text is shorter)."""

    users: dict[tuple[int, int], set[str]]
    taken: set[tuple[int, int]]
    labels: set[tuple[int, int]]
    covered: set[tuple[int, int]]

    def take(self, slot: Slot, name: str) -> None:
        cells = [(slot.x + k, slot.y) for k in range(slot.width)]
        self.taken.update(cells)
        self.labels.update(cells)
        self.covered.update(cells[: len(name)])


def _place(
    cells: tuple[tuple[int, int, int], ...],
    name: str,
    width: int,
    most: int,
    lines: _Lines,
    canvas_width: int,
    usable_height: int,
) -> tuple[Slot | None, Slot | None]:
    """Free places of at least `width` cells for a label along its line, stretched to the
    right while free up to `most` cells: (where no other line is nearer than MARGIN, where its
    own line is merely the nearest), each the first that holds all `most`, else the roomiest
    (places tried from a fifth of the way towards the far end, then further along; on the
    line's row, then just above or below it). A place is free when no box, label or other
    line uses its cells, and clear when its own line is the one drawn nearest to the label
    however long the label's text is (`_clear`): a label by a crossing read as the other
    line's (the second newcomer trial: `w6 0.45` followed w7's line at 60×20)."""
    by_column, places = _along(cells)
    best: list[Slot | None] = [None, None]  # (clear by MARGIN, clear)
    done = [False, False]  # (a place that holds `most` found)
    taken, users = lines.taken, lines.users
    for x, row in places:
        for y in (row, row - 1, row + 1):
            if not 0 <= y < usable_height or x + width > canvas_width:
                continue
            if {(x - 1, y), (x - 2, y)} & lines.labels:
                continue  # (a space between labels)
            if not _free(x, y, width, name, y == row, lines, by_column):
                continue
            if not _led_by_own(x, y, name, lines):
                continue
            room = width
            while room < most and x + room < canvas_width:  # (stretched while free)
                cell = (x + room, y)
                if cell in taken or not users.get(cell, {name}) <= {name}:
                    break
                room += 1
            if all(done[k] or (b is not None and room <= b.width) for k, b in enumerate(best)):
                continue  # (no roomier than the best so far, however clear)
            for k, clear in enumerate(_clear(x, y, len(name), room, name, lines, canvas_width)):
                while clear >= width and {(x + clear, y), (x + clear + 1, y)} & lines.labels:
                    clear -= 1
                if done[k] or clear < width:
                    continue
                current = best[k]
                if current is None or clear > current.width:
                    best[k] = Slot(x, y, clear)
                done[k] = clear >= most
            if done[0]:
                return best[0], best[1]
    return best[0], best[1]


def _led_by_own(x: int, y: int, name: str, lines: _Lines) -> bool:
    """Whether the first line drawn left of (x, y) on its row, up to a box or the edge, is
    the label's own (or none): a label is read as the line that leads into it, however far
    (`⠔⠊⠁   w18`, right of h3's lines, was read as leaving h3: the newcomer trial)."""
    users, taken = lines.users, lines.taken
    for cx in range(x - 1, -1, -1):
        cell = (cx, y)
        found = users.get(cell)
        if found:
            return name in found
        if cell in taken and cell not in lines.labels:
            return True  # (a box)
    return True


FRACTIONS = (0.2, 0.3, 0.1, 0.4, 0.5, 0.6, 0.05, 0.7, 0.8, *(k / 20 for k in range(1, 19)))


@lru_cache(maxsize=4096)
def _along(
    cells: tuple[tuple[int, int, int], ...],
) -> tuple[dict[int, list[int]], tuple[tuple[int, int], ...]]:
    """A line's rows by column, and the places a label along it is tried at, in order: (the
    column, the line's middle row there) at FRACTIONS of the way from its start."""
    by_column: dict[int, list[int]] = {}
    for cx, cy, _ in cells:
        by_column.setdefault(cx, []).append(cy)
    columns = sorted(by_column)
    if not columns:
        return by_column, ()
    span = len(columns)
    starts = dict.fromkeys(max(0, min(span - 1, round(span * f))) for f in FRACTIONS)
    places = []
    for start in starts:
        x = columns[start]
        places.append((x, sorted(by_column[x])[len(by_column[x]) // 2]))
    return by_column, tuple(places)


NEAR = 5  # a label's own line is drawn at most this far from it (a row counts as two columns)
LEADS = 4  # cells right of a label in which another line reads as leading on from it
MARGIN = 10  # a label clear of other lines: none in the three cells either side of it on its
# row, in the two either side on the rows above and below, or nearer


def _clear(
    x: int, y: int, shortest: int, room: int, name: str, lines: _Lines, canvas_width: int
) -> tuple[int, int]:
    """The longest texts, of `shortest` to `room` cells from (x, y), for which every text from
    `shortest` cells up has its own line drawn nearer to it than any other line, no further
    than NEAR, and the first line right of it on its row, up to a box, its own or none (a
    label is read as leading into the line after it, as `_led_by_own` says of the line before
    it): (with every other line at least MARGIN away too, without); 0 when the shortest is not
    clear. The label's own cells hide the lines under them; a cell two lines share counts for
    neither. A distance is dx² + (2·dy)²."""
    far = 100
    own_left = other_left = far  # the nearest cells left of the text (never nearer)
    own_under = other_under = room  # the first offset of a line above or below the text
    right: dict[int, list[tuple[int, bool]]] = {}  # offset from x → (4·dy², own?)
    users, covered = lines.users, lines.covered
    for cy in (y - 1, y, y + 1):  # (a line further off is at least 16 away: never nearer)
        for cx in range(x - 3, x + room + 3):
            found = users.get((cx, cy))
            if not found or (cx, cy) in covered or (name in found and len(found) > 1):
                continue
            mine, a, rows = name in found, cx - x, 4 * (cy - y) ** 2
            if a < 0:
                if mine:
                    own_left = min(own_left, a * a + rows)
                else:
                    other_left = min(other_left, a * a + rows)
                continue
            if rows and mine:
                own_under = min(own_under, a)
            elif rows:
                other_under = min(other_under, a)
            right.setdefault(a, []).append((rows, mine))
    # the lines on the label's row from its start to the next box: (offset, its own?)
    after: list[tuple[int, bool]] = []
    for cx in range(x + shortest, canvas_width):
        cell = (cx, y)
        found = users.get(cell)
        if found and cell not in covered:
            after.append((cx - x, name in found))
        elif cell in lines.taken and cell not in lines.labels:
            break  # (a box)
    clear = wide = 0
    wide_still = True  # (every text so far clear by MARGIN too)
    k = 0
    for length in range(shortest, room + 1):
        end = length - 1  # the text's last offset
        while k < len(after) and after[k][0] <= end:
            k += 1
        if k < len(after) and not after[k][1] and after[k][0] - end <= LEADS:
            break  # (another line leads on from the label)
        own = 4 if own_under <= end else own_left
        other = 4 if other_under <= end else other_left
        own, other = min(own, own_left), min(other, other_left)
        for a in range(end + 1, end + 4):
            for rows, mine in right.get(a, ()):
                distance = (a - end) ** 2 + rows
                if mine:
                    own = min(own, distance)
                else:
                    other = min(other, distance)
        if own > NEAR or own >= other:
            break
        clear = length
        wide_still = wide_still and other >= MARGIN
        if wide_still:
            wide = length
    return wide, clear


def _free(
    x: int,
    y: int,
    width: int,
    name: str,
    on_line: bool,
    lines: _Lines,
    own: dict[int, list[int]],
) -> bool:
    """No box, label or other line in the cells; beside the line: touching it."""
    touching = on_line
    for k in range(width):
        cell = (x + k, y)
        if cell in lines.taken:
            return False
        users = lines.users.get(cell)
        if users and users != {name}:
            return False
        if not touching and x + k in own and any(abs(row - y) <= 1 for row in own[x + k]):
            touching = True
    return touching
