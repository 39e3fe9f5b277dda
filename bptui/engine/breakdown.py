"""Chain-rule breakdowns: where a parameter's gradient comes from, factor by factor.

`breakdown(trace, param, sample)` gives a tree whose root is ∂E_total/∂param: a product node
(∂E_total/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1), sum nodes where gradient flows along
several paths (∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1), and leaves. Each node knows
the trace step that computes it, so a viewer can show the numbers already reached and only the
symbols of those ahead. Paths multiply with depth: a δ is expanded in full only while the
paths below it are few (`MAX_PATHS`); otherwise it stays a leaf marked `expandable`, and
`delta_node` expands it one level on demand.
"""

from __future__ import annotations

from bptui.engine.network import ParamRef
from bptui.engine.ops.terms import Sym, partial, prefixed, times
from bptui.engine.steps import stage_kind
from bptui.engine.trace import EpochTrace, gradient_place, update_place, update_sample
from bptui.records import dataclass

MAX_PATHS = 8


@dataclass(frozen=True)
class Node:
    """One factor or term: its symbol, value, how its children combine, and its step."""

    sym: Sym
    value: float
    op: str = "leaf"  # "leaf" | "product" | "sum"
    children: tuple[Node, ...] = ()
    step: int | None = None  # the epoch index of the step computing it; None: known up front
    note: str = ""
    expandable: bool = False  # a δ whose expansion was cut; see delta_node
    layer: int = -1  # for a δ: its neuron's layer and index
    unit: int = -1

    @property
    def symbol(self) -> str:
        return self.sym.text

    def walk(self, depth: int = 0):
        """(depth, node) pairs, depth first."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class Breakdown:
    """A parameter's gradient for one sample: the chain, the delta rule and the update."""

    param: ParamRef
    sample: int
    tree: Node  # ∂E_total/∂param
    delta_rule: tuple[Node, Node]  # (δ of the neuron fed, the value on the edge's source side)
    update: int | None  # the epoch index of the param⁺ step (None: not trained)
    update_sample: int  # the sample whose update it is (-1: the epoch's batch update)
    stages: tuple[int, ...] = ()  # the optimizer's steps before param⁺ (Adam: m, v, m̂, v̂)


def _paths_below(trace: EpochTrace, layer: int) -> int:
    """How many paths lead from a neuron of `layer` to the outputs."""
    count = 1
    for later in trace.network.layers[layer + 1 :]:
        count *= later.n_out
    return count


def _leaf(trace: EpochTrace, sample: int, kind: str, layer: int, unit: int, rep: int = 0) -> Node:
    index = trace.index_of(sample, kind, layer, unit, rep)
    if index is None:  # pragma: no cover - every leaf asked for exists in the layout
        raise LookupError((sample, kind, layer, unit, rep))
    step = trace[index]
    return Node(step.sym, step.value, step=index, note=step.note)


def delta_node(
    trace: EpochTrace,
    sample: int,
    layer: int,
    unit: int,
    full: bool | None = None,
    expanded: frozenset[tuple[int, int]] = frozenset(),
) -> Node:
    """δ of neuron `unit` of `layer` as the product (or sum) it is.

    full=None expands recursively while the paths below are at most MAX_PATHS; full=False
    expands one level, leaving deeper δs as expandable leaves; a δ whose (layer, unit) is in
    `expanded` is expanded one level more wherever it appears (the user opened it).
    """
    net = trace.network
    m = trace.maker
    r = trace.epoch.samples[sample]
    index = trace.index_of(sample, "delta", layer, unit)
    step = trace[index]
    layer_spec = net.layers[layer]
    n_layers = len(net.layers)
    common = dict(step=index, note=step.note, layer=layer, unit=unit)
    if layer == n_layers - 1:
        if m.simplified(layer) is not None:
            return Node(step.sym, step.value, **common)  # out − t, a named closed form
        op = layer_spec.op
        if not op.elementwise:  # softmax: δ is the sum over every output it feeds
            terms = []
            for k in range(layer_spec.n_out):
                g = _leaf(trace, sample, "de_dout", layer, k)
                jacobian = op.jacobian(r.outs[layer], k, unit)
                d = Node(partial(m.out_sym(layer, k), m.net_sym(layer, unit)), jacobian)
                terms.append(Node(times(g.sym, d.sym), g.value * jacobian, "product", (g, d)))
            return Node(step.sym, step.value, "sum", tuple(terms), **common)
        return Node(
            step.sym,
            step.value,
            "product",
            (
                _leaf(trace, sample, "de_dout", layer, unit),
                _leaf(trace, sample, "dout_dnet", layer, unit),
            ),
            **common,
        )
    return Node(
        step.sym,
        step.value,
        "product",
        (
            out_gradient_node(trace, sample, layer, unit, full, expanded),
            _leaf(trace, sample, "dout_dnet", layer, unit),
        ),
        **common,
    )


def out_gradient_node(
    trace: EpochTrace,
    sample: int,
    layer: int,
    unit: int,
    full: bool | None = None,
    expanded: frozenset[tuple[int, int]] = frozenset(),
) -> Node:
    """∂E_total/∂out_X of a hidden neuron: the sum over the neurons it feeds."""
    m = trace.maker
    r = trace.epoch.samples[sample]
    index = trace.index_of(sample, "path_sum", layer, unit)
    step = trace[index]
    above = layer + 1
    expand = full is not False and _paths_below(trace, above) <= MAX_PATHS
    paths = []
    for k in range(trace.network.layers[above].n_out):
        path_index = trace.index_of(sample, "path", layer, unit, k)
        path = trace[path_index]
        if expand:
            delta = delta_node(trace, sample, above, k, full, expanded)
        elif (above, k) in expanded:
            delta = delta_node(trace, sample, above, k, False, expanded)
        else:
            d_index = trace.index_of(sample, "delta", above, k)
            d = trace[d_index]
            delta = Node(d.sym, d.value, step=d_index, expandable=True, layer=above, unit=k)
        w_step = trace.index_of(sample, "update_w", above, k, unit) if m.eager_update else None
        w = Node(
            m.back_weight_sym(above, k, unit),
            float(r.back_weights[above][k, unit]),
            step=w_step,
            note=path.note,
        )
        paths.append(
            Node(path.sym, path.value, "product", (delta, w), step=path_index, note=path.note)
        )
    return Node(step.sym, step.value, "sum", tuple(paths), step=index)


def breakdown(
    trace: EpochTrace,
    param: str,
    sample: int,
    expanded: frozenset[tuple[int, int]] = frozenset(),
) -> Breakdown:
    """The chain-rule breakdown of ∂E_total/∂param for one sample of the trace's epoch."""
    network = trace.network
    ref = network.param(param)
    m = trace.maker
    r = trace.epoch.samples[sample]
    li, j = ref.layer, ref.row
    layer = network.layers[li]
    grad_index = trace.index_at(sample, gradient_place(network, param))
    if ref.kind == "weight":
        i = ref.col
        dnet = _leaf(trace, sample, "dnet_dw", li, j, i)
        source = Node(m.source_sym(li, i), float(r.layer_input(li)[i]))
        if li < len(network.layers) - 1:
            factors: tuple[Node, ...] = (
                out_gradient_node(trace, sample, li, j, expanded=expanded),
                _leaf(trace, sample, "dout_dnet", li, j),
                dnet,
            )
        elif m.simplified(li) is not None or not layer.op.elementwise:
            factors = (delta_node(trace, sample, li, j), dnet)
        else:
            factors = (
                _leaf(trace, sample, "de_dout", li, j),
                _leaf(trace, sample, "dout_dnet", li, j),
                dnet,
            )
        delta_rule = (delta_node(trace, sample, li, j), source)
        tree = Node(m.grad_sym(param), float(r.grad_w[li][j, i]), "product", factors, grad_index)
    elif layer.bias == "shared":
        terms = []
        for k in range(layer.n_out):
            one = Node(m.dnet_dparam_sym(li, k, param), 1.0)
            delta = delta_node(trace, sample, li, k)
            product = times(delta.sym, one.sym)
            terms.append(Node(product, float(r.deltas[li][k]), "product", (delta, one)))
        tree = Node(m.grad_sym(param), float(r.grad_b[li][0]), "sum", tuple(terms), grad_index)
        if layer.n_out == 1:  # (`Σ δ over o1 × 1` read oddly for one neuron: the trial)
            delta_rule = (delta_node(trace, sample, li, 0), Node(Sym("1", "1"), 1.0))
        else:
            over = ", ".join(layer.names)
            names = Sym(over, rf"\mathrm{{{over}}}")
            total = prefixed("Σ δ over ", r"\sum \delta \text{ over } ", names)
            delta_rule = (Node(total, float(r.grad_b[li][0])), Node(Sym("1", "1"), 1.0))
    else:
        delta = delta_node(trace, sample, li, j)
        one = Node(m.dnet_dparam_sym(li, j, param), 1.0)
        tree = Node(m.grad_sym(param), float(r.grad_b[li][j]), "product", (delta, one), grad_index)
        delta_rule = (delta, one)
    sample_updated = update_sample(network, sample)
    place = update_place(network, param)
    update = trace.index_at(sample_updated, place)
    stages: tuple[int, ...] = ()
    if update is not None:
        target = "w" if ref.kind == "weight" else "b"
        found = (
            trace.index_of(sample_updated, stage_kind(stage, target), li, place.unit, place.rep)
            for stage in network.opt.stages(network.opt_settings)
        )
        stages = tuple(index for index in found if index is not None)
    return Breakdown(ref, sample, tree, delta_rule, update, sample_updated, stages)
