"""Drawing the network: the geometry (`geometry.layout`) filled with this pass's values.

Each neuron's box shows its name (and target or own bias), then net, out, ∂E_total/∂out and δ
once this sample's pass has computed them (`·` before). Each edge's label shows the weight, its
gradient ∂ once the backward pass has it, and old→new once it is updated. The current step's
neuron or edge is in reverse (an edge: its line bright, and both its neurons' names), the
values it uses underlined, everything else dimmed. Styles come from a `Palette` (the widget
fills one from the theme's component classes).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import field
from itertools import groupby

from rich.segment import Segment
from rich.style import Style

from bptui.app.diagram.geometry import BRAILLE, Box, Geometry, layout
from bptui.engine.numtext import rounded
from bptui.engine.view import Frame
from bptui.fmt import num
from bptui.records import dataclass

NOT_COMPUTED = "·"


_BOLD = Style(bold=True)
_REVERSE = Style(reverse=True, bold=True)
_UNDERLINE = Style(underline=True, bold=True)
_DIM = Style(dim=True)
_ACCENT = Style(bold=True, color="yellow")
_MARKED = Style(color="magenta", bold=True)
_ALARM = Style(bold=True, color="red", reverse=True)
_ITALIC = Style(italic=True)
_GREEN = Style(color="green", dim=True)
_RED = Style(color="red", dim=True)


@dataclass(frozen=True)
class Palette:
    """The diagram's styles (the widget takes them from the theme)."""

    name: Style = _BOLD
    current: Style = _REVERSE
    used: Style = _UNDERLINE
    pending: Style = _DIM
    edge: Style = _DIM
    edge_current: Style = _ACCENT
    edge_selected: Style = _BOLD
    marked: Style = _MARKED
    nonfinite: Style = _ALARM
    backward: Style = _ITALIC
    positive: Style = _GREEN
    negative: Style = _RED


DEFAULT_PALETTE = Palette()


@dataclass(frozen=True)
class Highlights:
    """What to emphasise: the current step's neurons/edges and the symbols it uses."""

    concerns: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    marked: frozenset[str] = frozenset()  # parameters with a breakpoint
    selected: str | None = None  # the parameter the chain panel shows


@dataclass
class Canvas:
    width: int
    height: int
    chars: list[list[str]] = field(default_factory=list)
    styles: list[list[Style | None]] = field(default_factory=list)
    owners: list[list[str | None]] = field(default_factory=list)
    columns_cut: int = 0
    """Columns of neurons past the right edge (a net of more layers than the width holds: 65
    columns need 520 cells at the least), of `columns` in all."""
    columns: int = 0

    def __post_init__(self) -> None:
        # (blank unless given: draw_network gives copies of the geometry's lines)
        if not self.chars:
            self.chars = [[" "] * self.width for _ in range(self.height)]
        if not self.styles:
            self.styles = [[None] * self.width for _ in range(self.height)]
        if not self.owners:
            self.owners = [[None] * self.width for _ in range(self.height)]

    def put(
        self, x: int, y: int, text: str, style: Style | None = None, owner: str | None = None
    ) -> None:
        if not 0 <= y < self.height:
            return
        row_chars, row_styles, row_owners = self.chars[y], self.styles[y], self.owners[y]
        for k, ch in enumerate(text):
            cx = x + k
            if 0 <= cx < self.width:
                row_chars[cx] = ch
                row_styles[cx] = style
                if owner is not None:
                    row_owners[cx] = owner

    def to_segments(
        self, previous: tuple[Canvas, list[tuple[Segment, ...]]] | None = None
    ) -> list[tuple[Segment, ...]]:
        """Each row as segments of equal style (what a Line API widget draws). `previous`: an
        earlier canvas and its rows, whose rows are reused where this canvas's are the same."""
        rows = []
        before, before_rows = previous if previous is not None else (None, [])
        for y, (row_chars, row_styles) in enumerate(zip(self.chars, self.styles, strict=True)):
            if (
                before is not None
                and y < len(before_rows)
                and before.chars[y] == row_chars
                and before.styles[y] == row_styles
            ):
                rows.append(before_rows[y])
                continue
            segments: list[Segment] = []
            x = 0
            for _, run in groupby(row_styles, key=id):
                styles = list(run)
                text = "".join(row_chars[x : x + len(styles)])
                if segments and segments[-1].style == styles[0]:
                    segments[-1] = Segment(segments[-1].text + text, styles[0])
                else:
                    segments.append(Segment(text, styles[0]))
                x += len(styles)
            rows.append(tuple(segments))
        return rows


def preferred_height(network) -> int:
    """Rows the diagram needs at its most detailed (the screen gives it at most that)."""
    from bptui.app.diagram.geometry import DETAILS, needed_height

    return needed_height(network, DETAILS[0])


def _value(value: float | None, precision: int, full: int | None = None) -> str:
    if value is None:
        return NOT_COMPUTED
    return num(value, precision) if full is None else rounded(value, precision, full)


def _finite(text: str) -> bool:
    return not any(word in text for word in ("nan", "inf"))


@dataclass
class _Base:
    """The lines of a geometry, drawn once: their characters and which edge owns each cell."""

    chars: list[list[str]]
    owners: list[list[str | None]]
    users: dict[tuple[int, int], tuple[str, ...]]


def _base(geometry: Geometry) -> _Base:
    width, height = geometry.width, geometry.height
    bits: dict[tuple[int, int], int] = {}
    users: dict[tuple[int, int], list[str]] = {}
    for edge in geometry.edges:
        for x, y, mask in edge.cells:
            if 0 <= x < width and 0 <= y < height:
                bits[(x, y)] = bits.get((x, y), 0) | mask
                users.setdefault((x, y), []).append(edge.name)
    chars = [[" "] * width for _ in range(height)]
    owners: list[list[str | None]] = [[None] * width for _ in range(height)]
    for (x, y), mask in bits.items():
        chars[y][x] = chr(BRAILLE + mask)
        names = users[(x, y)]
        owners[y][x] = names[0] if len(set(names)) == 1 else ""
    return _Base(chars, owners, {cell: tuple(names) for cell, names in users.items()})


_BASES: dict[int, tuple[Geometry, _Base]] = {}


def _base_of(geometry: Geometry) -> _Base:
    cached = _BASES.get(id(geometry))
    if cached is None or cached[0] is not geometry:
        if len(_BASES) > 16:
            _BASES.clear()
        cached = _BASES[id(geometry)] = (geometry, _base(geometry))
    return cached[1]


def draw_network(
    frame: Frame,
    width: int,
    height: int,
    precision: int = 9,
    highlights: Highlights | None = None,
    cache: dict | None = None,
    palette: Palette = DEFAULT_PALETTE,
) -> Canvas:
    """The diagram of `frame` on a width × height canvas. (`cache` is kept for callers that
    pass one; the geometry and its lines are cached by size and shape.)"""
    hl = highlights or Highlights()
    network = frame.trace.network
    width, height = max(width, 1), max(height, 1)
    geometry = layout(network, width, height, precision)
    p = geometry.detail.precision
    base = _base_of(geometry)

    # Which edge looks how: the current one bright, the selected bold, the rest dim (a
    # collapsed layer's unlabelled edges by their weight's sign). The lines' styles depend on
    # that alone: they are worked out once per look and copied.
    current = next((e for e in geometry.edges if e.name in hl.concerns), None)
    collapsed = any(box.unit is None for box in geometry.boxes)
    signs: tuple[bool, ...] = ()
    if collapsed:
        olds = [w.tolist() for w in frame.record.params.weights]
        signs = tuple(
            olds[e.layer][e.target][e.source] >= 0 for e in geometry.edges if e.slot is None
        )
    concerned = tuple(e.name for e in geometry.edges if e.name in hl.concerns)
    key = (id(base), concerned, hl.selected, signs, palette)
    cached = _LINE_STYLES.get(key)
    if cached is not None and cached[0] is base:  # (an id is only unique while it lives)
        styles = cached[1]
    else:
        styles = _line_styles(geometry, base, concerned, hl.selected, signs, palette)
        if len(_LINE_STYLES) > 256:
            _LINE_STYLES.clear()
        _LINE_STYLES[key] = (base, styles)
    canvas = Canvas(
        width,
        height,
        [row[:] for row in base.chars],
        [row[:] for row in styles],
        [row[:] for row in base.owners],
        columns_cut=sum(
            x + w > width for x, w in zip(geometry.column_x, geometry.column_width, strict=True)
        ),
        columns=len(geometry.column_x),
    )

    # Labels on their slots.
    for edge in geometry.edges:
        slot = edge.slot
        if slot is None:
            continue
        text = _label(
            frame, edge.layer, edge.target, edge.source, edge.name, slot.width, p, precision
        )
        style: Style | None = None
        if edge.name in hl.concerns:
            style = palette.current
        elif edge.name in hl.uses or f"{edge.name}⁺" in hl.uses:
            style = palette.used
        elif edge.name == hl.selected:
            style = palette.edge_selected
        if edge.name in hl.marked:
            style = (style or Style()) + palette.marked
        if not _finite(text):
            style = palette.nonfinite
        canvas.put(slot.x, slot.y, text[: slot.width], style, owner=edge.name)

    # The neurons: the current edge's two neurons are named in reverse too.
    ends: set[tuple[int, int]] = set()
    if current is not None:
        ends = {(current.layer - 1, current.source), (current.layer, current.target)}
    for box in geometry.boxes:
        _draw_box(canvas, frame, box, geometry, hl, ends, palette)
    if geometry.bias_row is not None:
        _draw_biases(canvas, frame, geometry, hl, palette)
    return canvas


_LINE_STYLES: dict[tuple, tuple[object, list[list[Style | None]]]] = {}
"""The lines' styles by look: (base's id, the current edges, the selected one, signs,
palette) → (the base, the styles), the base kept to tell it from a later one of the same id."""


def _line_styles(
    geometry: Geometry,
    base,
    concerned: tuple[str, ...],
    selected: str | None,
    signs: tuple[bool, ...],
    palette: Palette,
) -> list[list[Style | None]]:
    """Every cell's style from the edges drawn through it (the brightest wins)."""
    sign = iter(signs)
    edge_style: dict[str, Style] = {}
    for edge in geometry.edges:
        if edge.name in concerned:
            style = palette.edge_current
        elif edge.name == selected:
            style = palette.edge_selected
        elif signs and edge.slot is None:
            style = palette.positive if next(sign) else palette.negative
        else:
            style = palette.edge
        edge_style[edge.name] = style
    rank = {palette.edge_current: 3, palette.edge_selected: 2}
    styles: list[list[Style | None]] = [[None] * geometry.width for _ in range(geometry.height)]
    for (x, y), names in base.users.items():
        if 0 <= x < geometry.width and 0 <= y < geometry.height:
            styles[y][x] = max((edge_style[name] for name in names), key=lambda s: rank.get(s, 0))
    return styles


def _label(
    frame: Frame, layer: int, j: int, i: int, name: str, room: int, p: int, full: int = 9
) -> str:
    """The longest form of an edge's label that fits `room` cells: the weight, then its
    gradient ∂ (backward) or its new value (update), at the diagram's precision, else at
    fewer decimals (3, 4, 5… while an update would read unchanged: `0.2→0.2`), else the
    weight alone, else the name."""
    old, new = frame.weight(layer, j, i)
    gradient = frame.gradient(name) if new is None else None
    forms = _label_forms(name, old, new, gradient, p, full)
    return next((text for text in forms if len(text) <= room), name)


def _label_forms(
    name: str, old: float, new: float | None, gradient: float | None, p: int, full: int = 0
) -> Iterator[str]:
    """An edge label's forms, longest first (made one at a time: the first usually fits). A
    number written with fewer decimals than the diagram's reads `≈0.15` (0.149780716 written
    `0.15` read as w1 before its update: the newcomer trial). An update that leaves the weight
    exactly as it was (a gradient under its last bit) reads `unchanged`, not `≈−4.23→≈−4.23`.
    Where two numbers do not fit, the one the phase is about: the gradient once known (`w5
    ∂≈0.0822`), the new value once made (`w1⁺ 0.1498`), with as many decimals as it takes to
    differ from the old (`w1⁺ 0.15` and `w8⁺ 0.8`, for 0.149780716 and 0.799791499, read as
    unchanged: the second newcomer trial)."""

    def shown(value: float, q: int) -> str:
        text = num(value, q)
        if q < p and text != num(value, p):
            # (with the zeros that rounding leaves: `≈0.378510`, not `≈0.37851` beside
            # `≈0.378506`, read as a weight written less exactly: the newcomer trial)
            return f"≈{rounded(value, q, max(full, p))}"
        return rounded(value, q, max(full, p))  # (0.200, not 0.2, for 0.200377163)

    def significant(value: float, q: int) -> int:
        """q decimals, or more for a small gradient to keep two digits (0.00088, not 0.001)."""
        if not math.isfinite(value) or value == 0:
            return q
        return max(q, min(max(p, 9), 1 - math.floor(math.log10(abs(value)))))

    for q in _precisions(p):
        if new is not None and old == new:  # (an update too small to move it: say so)
            yield f"{name} {shown(old, q)} unchanged"
        elif new is not None:
            before, after = num(old, q), num(new, q)
            if before != after:  # (an update never reads as none)
                yield f"{name} {shown(old, q)}→{shown(new, q)}"
        elif gradient is not None:
            # (a small gradient keeps two digits: `∂0.001` read 0.000528816 as twice itself)
            yield f"{name} {shown(old, q)} ∂{shown(gradient, significant(gradient, q))}"
    if new is None and gradient is not None:
        for q in _precisions(p):
            yield f"{name} ∂{shown(gradient, significant(gradient, q))}"
        if math.isfinite(gradient) and gradient != 0:  # (one digit: 0.0004 for 0.000438568)
            yield f"{name} ∂{shown(gradient, max(0, -math.floor(math.log10(abs(gradient)))))}"
    if new is None:
        for q in dict.fromkeys((p, min(p, 3))):
            yield f"{name} {shown(old, q)}"
    elif old == new:
        yield f"{name} unchanged"
    else:
        # (the decimals that tell the new value from the old: the diagram's, fewer while they
        # do, else the fewest more that do)
        fewer = [q for q in _precisions(p) if num(new, q) != num(old, q)]
        more = [q for q in range(p + 1, 18) if num(new, q) != num(old, q)][:1]
        for q in fewer or more:
            yield f"{name}⁺ {shown(new, q)}"
    yield name


BOX_ORDER = ("net", "out", "dout", "delta")
BACKWARD_FIRST = ("delta", "out", "dout", "net")  # what a small box keeps in the backward pass


def _box_lines(room: int, phase: str) -> tuple[str, ...]:
    """The value lines a neuron's box shows in `room` lines: all four when they fit; else the
    first ones in the forward and error phases, and from the backward phase on δ first, then
    out (what the δ and the gradients are made of), in the box's order."""
    if room >= len(BOX_ORDER) or phase in ("forward", "error"):
        return BOX_ORDER[:room]
    kept = set(BACKWARD_FIRST[:room])
    return tuple(line for line in BOX_ORDER if line in kept)


def _precisions(p: int) -> tuple[int, ...]:
    """The decimals a label tries, most first: the diagram's, then 6 down to 3."""
    return tuple(dict.fromkeys((p, *range(min(p, 6), min(p, 3) - 1, -1))))


def _draw_box(
    canvas: Canvas,
    frame: Frame,
    box: Box,
    geometry: Geometry,
    hl: Highlights,
    ends: set[tuple[int, int]],
    palette: Palette,
) -> None:
    network = frame.trace.network
    p, full = geometry.detail.precision, geometry.precision
    x, top = box.x, box.top
    if box.unit is None:  # (in the current step's style when the step is about one of its own)
        style = palette.current if _about_hidden(network, box, hl) else palette.pending
        canvas.put(x, top, box.name, style)
        return
    j = box.unit
    name = box.name
    named = name in hl.concerns or (box.layer, j) in ends
    name_style = palette.current if named else palette.name
    if box.layer < 0:
        canvas.put(x, top, f"({box.shown})", name_style)
        if geometry.detail.lines:
            _, value = frame.neuron(-1, j)
            shown = _value(value, p, geometry.precision)
            style = palette.used if name in hl.uses else None
            canvas.put(x + len(box.shown) + 3, top, shown, style)
        return
    layer = box.layer
    spec = network.layers[layer]
    bias_owner = (
        spec.bias_names[0]
        if spec.bias == "shared"
        else (spec.bias_names[j] if spec.bias == "neuron" else None)
    )
    canvas.put(x, top, f"({box.shown})", name_style, owner=bias_owner)
    after = x + len(box.shown) + 2
    if not geometry.detail.lines:  # (the names alone)
        return
    if layer == len(network.layers) - 1:
        target = float(frame.record.t[j])
        t_style = palette.used if f"t_{name}" in hl.uses else palette.pending
        text = f" → {rounded(target, p, full)}"
        canvas.put(after, top, text, t_style)
        after += len(text)
    if spec.bias == "neuron":
        # (its new value once the update has made it, marked ⁺ as the weights' are: `b 0.1`
        # stayed through the update, the newcomer trial)
        old, new = frame.bias(layer, j)
        style = palette.used if spec.bias_names[j] in hl.uses else palette.pending
        text = f" b {rounded(old, p, full)}"
        if new is not None and num(new, p) != num(old, p):
            updated = f" b⁺ {rounded(new, p, full)}"
            if after + len(updated) <= box.x + box.width:
                text, style = updated, palette.used if bias_owner in hl.concerns else style
        canvas.put(after, top, text, style, owner=bias_owner)
    net, out = frame.neuron(layer, j)
    rows = {
        "net": ("net", net, f"net_{name}"),
        "out": ("out", out, f"out_{name}"),
        "dout": ("∂E/∂out", frame.out_gradient(layer, j), f"∂E_total/∂out_{name}"),
        "delta": ("δ", frame.delta(layer, j), f"δ_{name}"),
    }
    for k, line in enumerate(_box_lines(box.height - 1, frame.step.phase), start=1):
        label, value, symbol = rows[line]
        text = _value(value, p, full)
        if value is None:
            style: Style | None = palette.pending
        elif symbol == frame.step.symbol:
            style = palette.current
        elif symbol in hl.uses:
            style = palette.used
        else:
            style = palette.backward if line in ("dout", "delta") else None
        if value is not None and not _finite(text):
            style = palette.nonfinite
        canvas.put(x, top + k, f"{label} {text}", style)


def _about_hidden(network, box: Box, hl: Highlights) -> bool:
    """Is the step about a neuron an ellipsis stands for, or a parameter of one?"""
    for name in hl.concerns:
        name = name.rstrip("⁺")
        if name in box.hidden:
            return True
        try:
            ref = network.param(name)
        except KeyError:
            continue
        if ref.source in box.hidden or ref.target in box.hidden:
            return True
    return False


def _draw_biases(
    canvas: Canvas, frame: Frame, geometry: Geometry, hl: Highlights, palette: Palette
) -> None:
    network = frame.trace.network
    p = geometry.detail.precision
    free = 0  # the first cell after the labels drawn
    for c in range(1, len(geometry.column_x)):
        layer = network.layers[c - 1]
        if layer.bias != "shared":
            continue
        name = layer.bias_names[0]
        old, new = frame.bias(c - 1, 0)
        full = geometry.precision
        text = f"[{name} {rounded(old, p, full)}" + (
            f"→{rounded(new, p, full)}]" if new is not None else "]"
        )
        if name in hl.concerns:
            style = palette.current
        elif name in hl.uses:
            style = palette.used
        else:
            style = palette.pending
        # under its layer's column, or further left as far as it must to end inside the
        # canvas (the output column of a narrow diagram is narrower than `[b3 0.25]`)
        x = max(free, min(geometry.column_x[c], canvas.width - len(text)))
        canvas.put(x, geometry.bias_row or 0, text, style, owner=name)
        free = x + len(text) + 1
