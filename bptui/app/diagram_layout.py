"""Drawing the network as text: neurons in columns, edges as straight lines, labelled.

`draw_network` lays the network out on a character canvas of a given size: its rows as
segments and a map from cells to the parameter drawn there (for clicks). Each neuron is a
small block (its name, then `net` and `out` once this pass has computed them, `·` before);
each edge leaves its source from its own row ("port") with its label (`w5 0.4`, in the update
phase `w5 0.4→0.35891648`) right after the source, then runs straight to the target. Labels of
one column all start at the same x and sit on distinct rows, so they never collide. Layers of
more than `MAX_LABELLED` neurons collapse their middle into an ellipsis and their edges lose
their labels, shaded by sign and magnitude instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby

from rich.segment import Segment
from rich.style import Style

from bptui.engine.view import Frame
from bptui.fmt import num

MAX_LABELLED = 8  # a layer wider than this is collapsed: first 3, an ellipsis, last 3
KEEP = 3
NOT_COMPUTED = "·"
DIAGONALS = ("╱", "╲")

STYLE_NAME = Style(bold=True)
STYLE_CURRENT = Style(reverse=True, bold=True)
STYLE_USED = Style(underline=True, bold=True)
STYLE_EDGE_CURRENT = Style(bold=True, color="yellow")
STYLE_PENDING = Style(dim=True)
STYLE_NONFINITE = Style(bold=True, color="red", reverse=True)
STYLE_POSITIVE = Style(color="green")
STYLE_NEGATIVE = Style(color="red")
STYLE_MARKED = Style(color="magenta", bold=True)
STYLE_SELECTED = Style(bold=True)
STYLE_SHADES = {  # [positive][small]: an unlabelled edge's colour
    sign: {
        small: (STYLE_POSITIVE if sign else STYLE_NEGATIVE) + Style(dim=small)
        for small in (False, True)
    }
    for sign in (False, True)
}


@dataclass
class Canvas:
    width: int
    height: int
    chars: list[list[str]] = field(init=False)
    styles: list[list[Style | None]] = field(init=False)
    owners: list[list[str | None]] = field(init=False)

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[None] * self.width for _ in range(self.height)]
        self.owners = [[None] * self.width for _ in range(self.height)]

    def put(
        self,
        x: int,
        y: int,
        text: str,
        style: Style | None = None,
        owner: str | None = None,
        line: bool = False,
    ) -> None:
        if not 0 <= y < self.height:
            return
        for k, ch in enumerate(text):
            cx = x + k
            if not 0 <= cx < self.width:
                continue
            if line and self.chars[y][cx] != " ":
                # Lines meet: ╱ over ╲ is a crossing; otherwise the first line keeps the
                # cell. Either way the cell no longer belongs to one edge (for clicks).
                previous = self.chars[y][cx]
                if {previous, ch} == {"╱", "╲"}:
                    self.chars[y][cx] = "╳"
                if self.owners[y][cx] != owner:
                    self.owners[y][cx] = ""
                continue
            self.chars[y][cx] = ch
            if style is not None:
                self.styles[y][cx] = style
            if owner is not None:
                self.owners[y][cx] = owner

    def put_cells(
        self, cells: tuple[tuple[int, int, str], ...], style: Style | None, owner: str
    ) -> None:
        """A line's cells (x, y, character): as `put` with line=True, cell by cell."""
        chars, styles, owners = self.chars, self.styles, self.owners
        width, height = self.width, self.height
        for x, y, ch in cells:
            if not (0 <= y < height and 0 <= x < width):
                continue
            previous = chars[y][x]
            if previous != " ":
                if previous in DIAGONALS and ch in DIAGONALS and previous != ch:
                    chars[y][x] = "╳"
                if owners[y][x] != owner:
                    owners[y][x] = ""
                continue
            chars[y][x] = ch
            if style is not None:
                styles[y][x] = style
            owners[y][x] = owner

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
            segments = []
            x = 0
            # Runs of one style object (comparing objects is fast), then equal styles merged.
            for _, run in groupby(row_styles, key=id):
                run = list(run)
                text = "".join(row_chars[x : x + len(run)])
                if segments and segments[-1].style == run[0]:
                    segments[-1] = Segment(segments[-1].text + text, run[0])
                else:
                    segments.append(Segment(text, run[0]))
                x += len(run)
            rows.append(tuple(segments))
        return rows


@dataclass
class Highlights:
    """What to emphasise: the current step's neurons/edges and the symbols it uses."""

    concerns: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    marked: frozenset[str] = frozenset()  # parameters with a breakpoint
    selected: str | None = None  # the parameter the chain panel shows


def _shown(count: int) -> list[int | None]:
    """Indices of the neurons drawn; None is the ellipsis of a collapsed layer."""
    if count <= MAX_LABELLED:
        return list(range(count))
    return [*range(KEEP), None, *range(count - KEEP, count)]


def preferred_height(network) -> int:
    """Rows the diagram needs to show every neuron's block with a gap between blocks."""
    columns = [len(network.input_names)] + [layer.n_out for layer in network.layers]
    shown = [min(count, 2 * KEEP + 1) if count > MAX_LABELLED else count for count in columns]
    collapsed = any(count > MAX_LABELLED for count in columns)
    tallest = 0
    for c, count in enumerate(shown):
        fan = (
            1
            if collapsed
            else max(shown[c - 1] if c > 0 else 0, shown[c + 1] if c + 1 < len(shown) else 0)
        )
        block = max(2 if c == 0 else 3, fan)
        tallest = max(tallest, count * block + (count - 1))
    bias = any(layer.bias == "shared" for layer in network.layers)
    return tallest + (1 if bias else 0)


def _ports(top: int, height: int, count: int) -> list[int]:
    if count <= 1:
        return [top + (height - 1) // 2] * count
    return [top + round(k * (height - 1) / (count - 1)) for k in range(count)]


def _value(value: float | None, precision: int) -> str:
    return NOT_COMPUTED if value is None else num(value, precision)


def _is_finite_text(text: str) -> bool:
    return not any(word in text for word in ("nan", "inf"))


def draw_network(
    frame: Frame,
    width: int,
    height: int,
    precision: int = 9,
    highlights: Highlights | None = None,
    cache: dict | None = None,
) -> Canvas:
    """The diagram of `frame` on a width × height canvas. `cache`: a dict the caller keeps
    between drawings (the last drawing's edges, reused while they look the same)."""
    hl = highlights or Highlights()
    network = frame.trace.network
    canvas = Canvas(max(width, 1), max(height, 1))
    columns = [list(network.input_names)] + [list(layer.names) for layer in network.layers]
    shown = [_shown(len(names)) for names in columns]
    collapsed = any(len(names) > MAX_LABELLED for names in columns)
    value_width = precision + 4
    widths = [max(len(n) for n in columns[0]) + 3 + value_width]
    for c in range(1, len(columns)):
        name_width = max(len(n) for n in columns[c]) + 2
        widths.append(max(name_width + (7 if c == len(columns) - 1 else 0), 4 + value_width))
    bias_row = any(layer.bias == "shared" for layer in network.layers)
    usable_height = height - (1 if bias_row else 0)

    # Block heights and vertical placement, column by column.
    tops: list[dict[int, int]] = []
    block_height: list[int] = []
    for c, slots in enumerate(shown):
        fan_in = len(shown[c - 1]) if c > 0 else 0
        fan_out = len(shown[c + 1]) if c + 1 < len(shown) else 0
        base = 2 if c == 0 else 3
        h = max(base, fan_in if not collapsed else 1, fan_out if not collapsed else 1)
        if collapsed:
            h = base
        gap = 1
        total = len(slots) * h + (len(slots) - 1) * gap
        if total > usable_height and len(slots) > 1:
            gap = 0
            total = len(slots) * h
        if total > usable_height:
            h = max(1, usable_height // len(slots))
            total = len(slots) * h
        start = max(0, (usable_height - total) // 2)
        tops.append({k: start + k * (h + gap) for k in range(len(slots))})
        block_height.append(h)

    # Horizontal placement: blocks spread out, the gaps share what is left.
    spare = width - sum(widths)
    n_gaps = len(columns) - 1
    gap_width = spare // n_gaps if n_gaps else 0
    xs = []
    x = 0
    for c, w in enumerate(widths):
        xs.append(x)
        x += w + (gap_width if c < n_gaps else 0)

    # Edge labels: the longest form that leaves at least 3 columns of line.
    def label_for(layer: int, j: int, i: int, form: int) -> str:
        name = network.layers[layer].weight_names[j][i]
        if form == 3:
            return ""
        if form == 2:
            return name
        p = precision if form == 0 else min(precision, 3)
        old, new = frame.weight(layer, j, i)
        text = f"{name} {num(old, p)}"
        if new is not None:
            text += f"→{num(new, p)}"
        return text

    label_forms: list[int] = []
    for layer in range(len(network.layers)):
        if collapsed:
            label_forms.append(3)
            continue
        chosen = 3
        for form in (0, 1, 2):
            longest = max(
                len(label_for(layer, j, i, form))
                for j in range(network.layers[layer].n_out)
                for i in range(network.layers[layer].n_in)
            )
            if longest + 4 <= gap_width:
                chosen = form
                break
        label_forms.append(chosen)

    # Edges first, so that blocks and labels draw over line ends. What each edge looks like
    # (its label and styles) is worked out first; when every edge looks as it did in the last
    # drawing of the same layout, that drawing's edges are reused.
    olds = [record_weights.tolist() for record_weights in frame.record.params.weights]
    label_widths: list[int] = []
    edges: list[tuple[int, int, int, str, Style | None, str, Style | None]] = []
    for layer in range(len(network.layers)):
        form = label_forms[layer]
        labels = {}
        if form < 3:
            labels = {
                (j, i): label_for(layer, j, i, form)
                for j in range(network.layers[layer].n_out)
                for i in range(network.layers[layer].n_in)
            }
        label_widths.append(max(map(len, labels.values())) + 2 if labels else 0)
        for a, i in enumerate(shown[layer]):
            if i is None:
                continue
            for b, j in enumerate(shown[layer + 1]):
                if j is None:
                    continue
                name = network.layers[layer].weight_names[j][i]
                style = _edge_style(name, olds[layer][j][i], hl, collapsed)
                label, label_style = "", None
                if form < 3:
                    label = labels[j, i]
                    label_style = (
                        STYLE_CURRENT
                        if name in hl.concerns
                        else (STYLE_USED if name in hl.uses or f"{name}⁺" in hl.uses else None)
                    )
                    if name in hl.marked:
                        label_style = (label_style or Style()) + STYLE_MARKED
                    if not _is_finite_text(label):
                        label_style = STYLE_NONFINITE
                edges.append((layer, a, b, name, style, label, label_style))
    key = (
        width,
        height,
        precision,
        tuple(label_forms),
        tuple(label_widths),
        tuple(edge[4:] for edge in edges),
    )
    cached = cache.get("edges") if cache is not None else None
    if cached is not None and cached[0] is network and cached[1] == key:
        _, _, chars, styles, owners = cached
        canvas.chars = [row[:] for row in chars]
        canvas.styles = [row[:] for row in styles]
        canvas.owners = [row[:] for row in owners]
    else:
        for layer, a, b, name, style, label, label_style in edges:
            c_src, c_dst = layer, layer + 1
            x_start = xs[c_src] + widths[c_src]
            x_end = xs[c_dst] - 1
            out_ports = _ports(tops[c_src][a], block_height[c_src], len(shown[c_dst]))
            y0 = out_ports[b] if not collapsed else tops[c_src][a]
            y1 = tops[c_dst][b]  # every edge into a neuron ends at its name
            label_width = label_widths[layer]
            if label_forms[layer] < 3:
                canvas.put(x_start, y0, "─", style, owner=name)
                canvas.put(x_start + 1, y0, label, label_style, owner=name)
                canvas.put(
                    x_start + 1 + len(label),
                    y0,
                    "─" * (label_width - len(label) - 1),
                    style,
                    owner=name,
                )
            _line(canvas, x_start + label_width, y0, x_end, y1, style, name)
        if cache is not None:
            cache["edges"] = (
                network,
                key,
                [row[:] for row in canvas.chars],
                [row[:] for row in canvas.styles],
                [row[:] for row in canvas.owners],
            )

    # Neuron blocks.
    for c, slots in enumerate(shown):
        names = columns[c]
        for a, j in enumerate(slots):
            top = tops[c][a]
            if j is None:
                hidden = len(names) - 2 * KEEP
                canvas.put(xs[c], top, f"⋮ {hidden} more", STYLE_PENDING)
                continue
            _draw_block(canvas, frame, c, j, xs[c], top, block_height[c], names[j], precision, hl)
        # a shared bias sits under its layer's column
        if c > 0 and network.layers[c - 1].bias == "shared" and bias_row:
            layer = c - 1
            name = network.layers[layer].bias_names[0]
            old, new = frame.bias(layer, 0)
            text = f"[{name} {num(old, precision)}" + (
                f"→{num(new, precision)}]" if new is not None else "]"
            )
            style = (
                STYLE_CURRENT
                if name in hl.concerns
                else (STYLE_USED if name in hl.uses else STYLE_PENDING)
            )
            canvas.put(xs[c], height - 1, text, style, owner=name)
    return canvas


def _edge_style(name: str, weight: float, hl: Highlights, collapsed: bool) -> Style | None:
    if name in hl.concerns:
        return STYLE_EDGE_CURRENT
    if name == hl.selected:
        return STYLE_SELECTED
    if collapsed:
        return STYLE_SHADES[weight >= 0][abs(weight) < 0.1]
    return STYLE_PENDING


def _line(
    canvas: Canvas, x0: int, y0: int, x1: int, y1: int, style: Style | None, owner: str
) -> None:
    """A line from (x0, y0) to (x1, y1): level first, then one row a column into the target,
    so that the edges into a neuron fan in like the post's figure."""
    canvas.put_cells(_line_cells(x0, y0, x1, y1), style, owner)


@lru_cache(maxsize=4096)
def _line_cells(x0: int, y0: int, x1: int, y1: int) -> tuple[tuple[int, int, str], ...]:
    """The cells of the line from (x0, y0) to (x1, y1), in drawing order."""
    if x1 < x0:
        return ()
    cells: list[tuple[int, int, str]] = []
    rows = abs(y1 - y0)
    sign = 1 if y1 >= y0 else -1
    bend = max(x0, x1 - rows)
    cells += [(x, y0, "─") for x in range(x0, bend + (1 if rows == 0 else 0))]
    diagonal = "╲" if sign > 0 else "╱"
    y = y0
    for x in range(bend, x1 + 1):
        remaining = x1 - x + 1
        steps = max(1, (abs(y1 - y) + remaining - 1) // remaining) if y != y1 else 0
        for _ in range(steps):
            y += sign
            cells.append((x, y, diagonal))
        if steps == 0:
            cells.append((x, y, "─"))
    return tuple(cells)


def _draw_block(
    canvas: Canvas,
    frame: Frame,
    column: int,
    j: int,
    x: int,
    top: int,
    height: int,
    name: str,
    precision: int,
    hl: Highlights,
) -> None:
    network = frame.trace.network
    name_style = STYLE_CURRENT if name in hl.concerns else STYLE_NAME
    if column == 0:
        _, value = frame.neuron(-1, j)
        canvas.put(x, top, f"({name})", name_style)
        text = num(value, precision)
        canvas.put(x + len(name) + 3, top, text, STYLE_USED if name in hl.uses else None)
        return
    layer = column - 1
    spec = network.layers[layer]
    bias_owner = (
        spec.bias_names[0]
        if spec.bias == "shared"
        else (spec.bias_names[j] if spec.bias == "neuron" else None)
    )
    canvas.put(x, top, f"({name})", name_style, owner=bias_owner)
    after = x + len(name) + 2
    if layer == len(network.layers) - 1:
        target = float(frame.record.t[j])
        t_style = STYLE_USED if f"t_{name}" in hl.uses else STYLE_PENDING
        canvas.put(after, top, f" → {num(target, precision)}", t_style)
    elif spec.bias == "neuron":
        old, _ = frame.bias(layer, j)
        canvas.put(after, top, f" b {num(old, precision)}", STYLE_PENDING, owner=bias_owner)
    if height < 2:
        return
    net, out = frame.neuron(layer, j)
    for row, (label, value) in enumerate((("net", net), ("out", out)), start=1):
        if row >= height:
            break
        text = _value(value, precision)
        symbol = f"{label}_{name}"
        style = STYLE_PENDING if value is None else (STYLE_USED if symbol in hl.uses else None)
        if symbol == frame.step.symbol:
            style = STYLE_CURRENT
        if value is not None and not _is_finite_text(text):
            style = STYLE_NONFINITE
        canvas.put(x, top + row, f"{label} {text}", style)
