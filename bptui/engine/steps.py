"""Step records: one elementary operation of backprop, as a person works it by hand.

`StepMaker` turns a sample's arrays (`SampleRecord`) into `Step` records, one kind at a time.
The symbols are the post's (net_h1, out_o1, E_o1, E_total, δ_o1, ∂E_total/∂w5, w5⁺); each step
keeps its formula as structured terms (`bptui.engine.ops.terms`), which give the formula in
symbols, with its numbers at any precision, and in LaTeX. The formulas of activations and
losses come from their objects in `bptui.engine.ops`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bptui.engine.network import Network
from bptui.engine.ops.terms import (
    Diff,
    Group,
    Prod,
    Sum,
    Sym,
    Term,
    Var,
    ident,
    partial,
    plus,
    prefixed,
    quantity,
)
from bptui.engine.passes import EpochResult, SampleRecord


class Phase(str, Enum):
    """The four phases of a sample's pass, in order."""

    FORWARD = "forward"
    ERROR = "error"
    BACKWARD = "backward"
    UPDATE = "update"

    def __str__(self) -> str:
        return self.value


PHASES = tuple(phase.value for phase in Phase)


class Kind(str, Enum):
    """What a step computes; each kind knows its phase (and an optimizer's stage, which
    parameter kind it updates: "w" or "b")."""

    phase: Phase
    stage: str | None
    target: str | None

    def __new__(
        cls, value: str, phase: Phase, stage: str | None = None, target: str | None = None
    ) -> Kind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.phase = phase
        member.stage = stage
        member.target = target
        return member

    def __str__(self) -> str:
        return self.value

    NET = "net", Phase.FORWARD
    OUT = "out", Phase.FORWARD
    E_TERM = "e_term", Phase.ERROR
    E_TOTAL = "e_total", Phase.ERROR
    DE_DOUT = "de_dout", Phase.BACKWARD  # an output's ∂E_total/∂out, from the loss
    DOUT_DNET = "dout_dnet", Phase.BACKWARD
    DELTA = "delta", Phase.BACKWARD
    PATH = "path", Phase.BACKWARD  # ∂E_M/∂out_X = δ_M × w
    PATH_SUM = "path_sum", Phase.BACKWARD  # a hidden ∂E_total/∂out_X, the sum of its paths
    DNET_DW = "dnet_dw", Phase.BACKWARD
    GRAD_W = "grad_w", Phase.BACKWARD
    GRAD_B = "grad_b", Phase.BACKWARD
    GRAD_B_SHARED = "grad_b_shared", Phase.BACKWARD
    UPDATE_W = "update_w", Phase.UPDATE, None, "w"
    UPDATE_B = "update_b", Phase.UPDATE, None, "b"
    # an optimizer's stages before a parameter's update (bptui.engine.ops.optimizers)
    DECAY_W = "decay_w", Phase.UPDATE, "decay", "w"
    DECAY_B = "decay_b", Phase.UPDATE, "decay", "b"
    SHRINK_W = "shrink_w", Phase.UPDATE, "shrink", "w"
    SHRINK_B = "shrink_b", Phase.UPDATE, "shrink", "b"
    NESTEROV_W = "nesterov_w", Phase.UPDATE, "nesterov", "w"
    NESTEROV_B = "nesterov_b", Phase.UPDATE, "nesterov", "b"
    M_W = "m_w", Phase.UPDATE, "m", "w"
    M_B = "m_b", Phase.UPDATE, "m", "b"
    V_W = "v_w", Phase.UPDATE, "v", "w"
    V_B = "v_b", Phase.UPDATE, "v", "b"
    M_HAT_W = "m_hat_w", Phase.UPDATE, "m_hat", "w"
    M_HAT_B = "m_hat_b", Phase.UPDATE, "m_hat", "b"
    V_HAT_W = "v_hat_w", Phase.UPDATE, "v_hat", "w"
    V_HAT_B = "v_hat_b", Phase.UPDATE, "v_hat", "b"


KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}


def stage_kind(stage: str, target: str) -> Kind:
    """The kind of an optimizer's stage step for a weight ("w") or a bias ("b")."""
    return KINDS[f"{stage}_{target}"]


def update_kinds(network: Network, target: str) -> tuple[Kind, ...]:
    """The update steps of one parameter, in order: the optimizer's stages, then p⁺."""
    stages = network.opt.stages(network.opt_settings)
    final = Kind.UPDATE_W if target == "w" else Kind.UPDATE_B
    return (*(stage_kind(stage, target) for stage in stages), final)


GRADIENT_KINDS = (Kind.GRAD_W, Kind.GRAD_B, Kind.GRAD_B_SHARED)
UPDATE_KINDS = frozenset(kind for kind in Kind if kind.phase is Phase.UPDATE)
PARAM_KINDS = frozenset({Kind.DNET_DW, *GRADIENT_KINDS, *UPDATE_KINDS})


@dataclass(frozen=True, slots=True)
class Step:
    """One elementary operation: `symbol = formula = numbers = value`.

    `expr` is the formula as terms (its quantities carry the numbers put in); `uses` are the
    symbols the formula reads (earlier steps, parameters, inputs, targets); `concerns` the
    neurons, edges (named by their weight) or bias units to highlight; `param` the parameter
    whose gradient or update this step is part of; `alt` the delta-rule form of a gradient
    (δ_o1 × out_h1).
    """

    index: int
    sample: int  # 0-based; -1 for a batch update, which belongs to the whole epoch
    kind: Kind
    sym: Sym
    expr: Term
    value: float
    uses: tuple[str, ...]
    concerns: tuple[str, ...]
    param: str | None = None
    note: str = ""
    alt: Term | None = None
    alt_label: str = "delta rule"  # what the other form is: "delta rule", "the post's form"

    @property
    def phase(self) -> Phase:
        return self.kind.phase

    @property
    def symbol(self) -> str:
        return self.sym.text

    @property
    def formula(self) -> str:
        return self.expr.text()

    @property
    def args(self) -> tuple[float, ...]:
        """The numbers the formula puts in, left to right."""
        return tuple(leaf.value for leaf in self.expr.leaves())

    @property
    def alt_formula(self) -> str:
        return "" if self.alt is None else self.alt.text()


def _sum(terms: Sequence[Term]) -> Term:
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


ETA = ident("η")
E_TOTAL = quantity("E", "total")


class StepMaker:
    """Builds the steps of one epoch from its numbers; each method makes one kind of step."""

    def __init__(self, epoch: EpochResult) -> None:
        self.epoch = epoch
        self.net: Network = epoch.network
        self.n_layers = len(self.net.layers)
        self.eager_update = self.net.hidden_gradients == "after_output_update"
        self.eta = self.net.learning_rate

    # -- names ------------------------------------------------------------------------------
    def name(self, li: int, j: int) -> str:
        return self.net.layers[li].names[j]

    def net_sym(self, li: int, j: int) -> Sym:
        return quantity("net", self.name(li, j))

    def out_sym(self, li: int, j: int) -> Sym:
        return quantity("out", self.name(li, j))

    def source_sym(self, li: int, i: int) -> Sym:
        """What feeds layer l from position i: i1 for an input, out_h1 for a neuron."""
        names = self.net.source_names(li)
        return ident(names[i]) if li == 0 else quantity("out", names[i])

    def source_symbol(self, li: int, i: int) -> str:
        return self.source_sym(li, i).text

    def weight(self, li: int, j: int, i: int) -> str:
        return self.net.layers[li].weight_names[j][i]

    def bias_name(self, li: int, j: int) -> str:
        layer = self.net.layers[li]
        return layer.bias_names[0] if layer.bias == "shared" else layer.bias_names[j]

    def back_weight_sym(self, li: int, j: int, i: int) -> Sym:
        """The weight used when back-propagating through layer l (w5, or w5⁺ once updated)."""
        symbol = ident(self.weight(li, j, i))
        return plus(symbol) if self.eager_update else symbol

    def back_weight(self, li: int, j: int, i: int) -> str:
        return self.back_weight_sym(li, j, i).text

    def is_output(self, li: int) -> bool:
        return li == self.n_layers - 1

    def simplified(self, li: int) -> str | None:
        """The note of the fused output δ = out − target, if layer li uses it."""
        return self.net.fused_output if self.is_output(li) else None

    def grad_sym(self, param: str) -> Sym:
        return partial(E_TOTAL, ident(param))

    def grad_symbol(self, param: str) -> str:
        return self.grad_sym(param).text

    def delta_sym(self, li: int, j: int) -> Sym:
        return quantity("δ", self.name(li, j))

    def delta_symbol(self, li: int, j: int) -> str:
        return self.delta_sym(li, j).text

    def de_dout_sym(self, li: int, j: int) -> Sym:
        return partial(E_TOTAL, self.out_sym(li, j))

    def dout_dnet_sym(self, li: int, j: int) -> Sym:
        return partial(self.out_sym(li, j), self.net_sym(li, j))

    def dnet_dparam_sym(self, li: int, j: int, param: str) -> Sym:
        return partial(self.net_sym(li, j), ident(param))

    def path_sym(self, li: int, j: int, m: int) -> Sym:
        return partial(quantity("E", self.name(li + 1, m)), self.out_sym(li, j))

    def path_symbol(self, li: int, j: int, m: int) -> str:
        return self.path_sym(li, j, m).text

    # -- quantities with their values -------------------------------------------------------
    def var_out(self, r: SampleRecord, li: int, j: int) -> Var:
        return Var(self.out_sym(li, j), float(r.outs[li][j]))

    def var_net(self, r: SampleRecord, li: int, j: int) -> Var:
        return Var(self.net_sym(li, j), float(r.nets[li][j]))

    def var_target(self, r: SampleRecord, j: int) -> Var:
        return Var(quantity("t", self.name(self.n_layers - 1, j)), float(r.t[j]))

    def var_delta(self, r: SampleRecord, li: int, j: int) -> Var:
        return Var(self.delta_sym(li, j), float(r.deltas[li][j]))

    def var_source(self, r: SampleRecord, li: int, i: int) -> Var:
        return Var(self.source_sym(li, i), float(r.layer_input(li)[i]))

    # -- forward ----------------------------------------------------------------------------
    def net_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        layer = self.net.layers[li]
        w = r.params.weights[li][j]
        terms: list[Term] = []
        uses: list[str] = []
        for i in range(layer.n_in):
            name = self.weight(li, j, i)
            source = self.var_source(r, li, i)
            terms.append(Prod((Var(ident(name), float(w[i])), source), "·"))
            uses += [name, source.sym.text]
        if layer.bias != "none":
            b = self.bias_name(li, j)
            value = float(r.params.biases[li][0 if layer.bias == "shared" else j])
            terms.append(Var(ident(b), value))
            uses.append(b)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.NET,
            sym=self.net_sym(li, j),
            expr=_sum(terms),
            value=float(r.nets[li][j]),
            uses=tuple(uses),
            concerns=(self.name(li, j),),
        )

    def out_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        layer = self.net.layers[li]
        op = layer.op
        nets = [self.var_net(r, li, k) for k in range(layer.n_out)]
        expr = op.formula(nets, j, layer.p)
        if op.elementwise:
            uses = tuple(dict.fromkeys(leaf.sym.text for leaf in expr.leaves()))
        else:
            uses = tuple(net.sym.text for net in nets)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.OUT,
            sym=self.out_sym(li, j),
            expr=expr,
            value=float(r.outs[li][j]),
            uses=uses,
            concerns=(self.name(li, j),),
        )

    # -- error ------------------------------------------------------------------------------
    def e_term_step(self, index: int, r: SampleRecord, k: int) -> Step:
        li = self.n_layers - 1
        x = self.name(li, k)
        t, o = self.var_target(r, k), self.var_out(r, li, k)
        n = self.net.layers[li].n_out
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.E_TERM,
            sym=quantity("E", x),
            expr=self.net.loss_op.term_formula(t, o, n),
            value=float(r.e_terms[k]),
            uses=(t.sym.text, o.sym.text),
            concerns=(x,),
        )

    def e_total_step(self, index: int, r: SampleRecord) -> Step:
        names = self.net.layers[-1].names
        terms = [Var(quantity("E", n), float(v)) for n, v in zip(names, r.e_terms, strict=True)]
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.E_TOTAL,
            sym=E_TOTAL,
            expr=_sum(terms),  # (one output: E_total = E_o1)
            value=r.e_total,
            uses=tuple(term.sym.text for term in terms),
            concerns=tuple(names),
        )

    # -- backward ---------------------------------------------------------------------------
    def de_dout_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        """∂E_total/∂out_X: from the loss for an output, the sum of the paths for a hidden X."""
        x = self.name(li, j)
        value = float(r.de_dout[li][j])
        if not self.is_output(li):
            n_next = self.net.layers[li + 1].n_out
            paths = [Var(self.path_sym(li, j, m), float(r.paths[li][m, j])) for m in range(n_next)]
            return Step(
                index=index,
                sample=r.index,
                kind=Kind.PATH_SUM,
                sym=self.de_dout_sym(li, j),
                expr=_sum(paths),
                value=value,
                uses=tuple(path.sym.text for path in paths),
                concerns=(x,),
            )
        t, o = self.var_target(r, j), self.var_out(r, li, j)
        n = self.net.layers[li].n_out
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.DE_DOUT,
            sym=self.de_dout_sym(li, j),
            expr=self.net.loss_op.derivative_formula(t, o, n),
            value=value,
            uses=(t.sym.text, o.sym.text),
            concerns=(x,),
        )

    def dout_dnet_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        layer = self.net.layers[li]
        expr = layer.op.derivative_formula(self.var_net(r, li, j), self.var_out(r, li, j), layer.p)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.DOUT_DNET,
            sym=self.dout_dnet_sym(li, j),
            expr=expr,
            value=float(r.dout_dnet[li][j]),
            uses=tuple(dict.fromkeys(leaf.sym.text for leaf in expr.leaves())),
            concerns=(self.name(li, j),),
        )

    def delta_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        x = self.name(li, j)
        value = float(r.deltas[li][j])
        note = self.simplified(li)
        sym = self.delta_sym(li, j)
        definition = f"{sym.text} = ∂E_total/∂net_{x}: how E_total changes with {x}'s input"
        if note is not None:
            o, t = self.var_out(r, li, j), self.var_target(r, j)
            return Step(
                index=index,
                sample=r.index,
                kind=Kind.DELTA,
                sym=sym,
                expr=Diff(o, t),
                value=value,
                uses=(o.sym.text, t.sym.text),
                concerns=(x,),
                note=f"{definition}; {note}",
            )
        if not self.net.layers[li].op.elementwise:
            return self._softmax_delta(index, r, li, j, value)
        g = Var(self.de_dout_sym(li, j), float(r.de_dout[li][j]))
        d = Var(self.dout_dnet_sym(li, j), float(r.dout_dnet[li][j]))
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.DELTA,
            sym=sym,
            expr=Prod((g, d)),
            value=value,
            uses=(g.sym.text, d.sym.text),
            concerns=(x,),
            note=definition,
        )

    def _softmax_delta(self, index: int, r: SampleRecord, li: int, j: int, value: float) -> Step:
        """δ_oK = Σ_m ∂E_total/∂out_om · ∂out_om/∂net_oK: softmax's Jacobian is not diagonal."""
        layer = self.net.layers[li]
        op = layer.op
        terms: list[Term] = []
        uses: list[str] = []
        out_j = self.var_out(r, li, j)
        for m in range(layer.n_out):
            g = Var(self.de_dout_sym(li, m), float(r.de_dout[li][m]))
            jacobian = op.jacobian_formula(self.var_out(r, li, m), out_j, m == j)
            factor = jacobian if m == j else Group(jacobian)
            terms.append(Prod((g, factor)))
            uses.append(g.sym.text)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.DELTA,
            sym=self.delta_sym(li, j),
            expr=_sum(terms),
            value=value,
            uses=tuple(uses),
            concerns=(self.name(li, j),),
            note="softmax: ∂out_om/∂net_oK = out_om(1[m=K] − out_oK)",
        )

    def path_step(self, index: int, r: SampleRecord, li: int, j: int, m: int) -> Step:
        """∂E_M/∂out_X = δ_M × w: the part of E_total that flows from X through M."""
        w = Var(self.back_weight_sym(li + 1, m, j), float(r.back_weights[li + 1][m, j]))
        delta = self.var_delta(r, li + 1, m)
        above = quantity("net", self.name(li + 1, m))
        post = Prod(  # ∂E_o1/∂net_o1 × ∂net_o1/∂out_h1: δ_o1 is ∂E_o1/∂net_o1, the weight ∂net/∂out
            (
                Var(partial(quantity("E", self.name(li + 1, m)), above), delta.value),
                Var(partial(above, self.out_sym(li, j)), w.value),
            )
        )
        note = ""
        if self.eager_update:
            note = f"after_output_update: {w.sym.text} is the updated {self.weight(li + 1, m, j)}"
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.PATH,
            sym=self.path_sym(li, j, m),
            expr=Prod((delta, w)),
            value=float(r.paths[li][m, j]),
            uses=(delta.sym.text, w.sym.text),
            concerns=(self.weight(li + 1, m, j),),
            note=note,
            alt=post,
            alt_label="the post's form",
        )

    def dnet_dw_step(self, index: int, r: SampleRecord, li: int, j: int, i: int) -> Step:
        w = self.weight(li, j, i)
        source = self.var_source(r, li, i)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.DNET_DW,
            sym=self.dnet_dparam_sym(li, j, w),
            expr=source,
            value=source.value,
            uses=(source.sym.text,),
            concerns=(w,),
            param=w,
        )

    def grad_w_step(self, index: int, r: SampleRecord, li: int, j: int, i: int) -> Step:
        w = self.weight(li, j, i)
        source = self.var_source(r, li, i)
        dnet = Var(self.dnet_dparam_sym(li, j, w), source.value)
        delta = self.var_delta(r, li, j)
        if self.simplified(li) is not None or not self.net.layers[li].op.elementwise:
            factors: tuple[Var, ...] = (delta, dnet)
        else:
            factors = (
                Var(self.de_dout_sym(li, j), float(r.de_dout[li][j])),
                Var(self.dout_dnet_sym(li, j), float(r.dout_dnet[li][j])),
                dnet,
            )
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.GRAD_W,
            sym=self.grad_sym(w),
            expr=Prod(factors),
            value=float(r.grad_w[li][j, i]),
            uses=tuple(factor.sym.text for factor in factors),
            concerns=(w,),
            param=w,
            alt=Prod((delta, source)),
        )

    def grad_b_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        b = self.bias_name(li, j)
        delta = self.var_delta(r, li, j)
        one = Var(self.dnet_dparam_sym(li, j, b), 1.0)
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.GRAD_B,
            sym=self.grad_sym(b),
            expr=Prod((delta, one)),
            value=float(r.grad_b[li][j]),
            uses=(delta.sym.text,),
            concerns=(b,),
            param=b,
        )

    def grad_b_shared_step(self, index: int, r: SampleRecord, li: int) -> Step:
        layer = self.net.layers[li]
        b = layer.bias_names[0]
        deltas = [self.var_delta(r, li, j) for j in range(layer.n_out)]
        return Step(
            index=index,
            sample=r.index,
            kind=Kind.GRAD_B_SHARED,
            sym=self.grad_sym(b),
            expr=_sum(deltas),
            value=float(r.grad_b[li][0]),
            uses=tuple(delta.sym.text for delta in deltas),
            concerns=(b,),
            param=b,
            note=f"{b} feeds every neuron of its layer: ∂net/∂{b} = 1 for each",
        )

    # -- update -----------------------------------------------------------------------------
    def _update_of(self, r: SampleRecord | None):
        """The optimizer step an update belongs to: the sample's, or the epoch's batch one."""
        if r is None:
            return self.epoch.batch_update
        if r.update is None:
            raise ValueError("a batch epoch has no per-sample update")
        return r.update

    def _quantities(self, update, name: str, get) -> dict[str, Var]:
        """Everything an optimizer's formulas for parameter `name` may name, with its value
        (`get(params)` picks the parameter's number out of a Params)."""
        network = self.net
        opt = network.opt
        g_sym = self.grad_sym(name)
        if network.update == "batch_sum":
            g_sym = prefixed("Σ ", r"\sum ", g_sym)
        elif network.update == "batch_mean":
            g_sym = prefixed("mean ", r"\operatorname{mean} ", g_sym)
        grad = Var(g_sym, get(update.grads))
        q = {
            "p": Var(ident(name), get(update.before)),
            "grad": grad,
            "η": Var(ETA, self.eta),
            "t": Var(Sym("t", "t"), float(update.t)),
        }
        for k, slot in enumerate(opt.slots):
            sym = quantity(slot, name)
            q[slot] = Var(sym, get(update.moments_before[k]))
            q[slot + "+"] = Var(sym, get(update.moments_after[k]))
        for stage, values in update.stages.items():
            if stage not in opt.slots:  # (a slot's stage is its value after: `m+`)
                q[stage] = Var(opt.stage_sym(stage, name), get(values))
        q["g"] = q.get("decay", grad)
        return q

    def _param_getter(self, li: int, j: int, i: int | None):
        if i is None:
            return lambda params: float(params.biases[li][j])
        return lambda params: float(params.weights[li][j, i])

    def _update_note(self) -> str:
        if self.net.update == "batch_sum":
            return "batch_sum: the gradients of every sample, summed"
        if self.net.update == "batch_mean":
            return "batch_mean: the gradients of every sample, averaged"
        return ""

    def stage_step(
        self, index: int, r: SampleRecord | None, li: int, j: int, i: int | None, kind: Kind
    ) -> Step:
        """One of an optimizer's stages for a parameter (Adam's m_w5, v_w5, m̂_w5, v̂_w5)."""
        update = self._update_of(r)
        name = self.weight(li, j, i) if i is not None else self.net.layers[li].bias_names[j]
        q = self._quantities(update, name, self._param_getter(li, j, i))
        opt = self.net.opt
        assert kind.stage is not None
        expr = opt.stage_formula(kind.stage, self.net.opt_settings, q)
        return Step(
            index=index,
            sample=-1 if r is None else r.index,
            kind=kind,
            sym=opt.stage_sym(kind.stage, name),
            expr=expr,
            value=q[kind.stage + "+" if kind.stage in opt.slots else kind.stage].value,
            uses=tuple(dict.fromkeys(leaf.sym.text for leaf in expr.leaves())),
            concerns=(name,),
            param=name,
        )

    def _update(self, index: int, r: SampleRecord | None, kind: Kind, name: str, get) -> Step:
        update = self._update_of(r)
        q = self._quantities(update, name, get)
        net = self.net
        expr = net.opt.update_formula(net.opt_settings, q)
        plain = net.optimizer == "sgd" and "decay" not in update.stages
        uses = (
            (name, "η", self.grad_symbol(name))
            if plain
            else tuple(dict.fromkeys(leaf.sym.text for leaf in expr.leaves()))
        )
        return Step(
            index=index,
            sample=-1 if r is None else r.index,
            kind=kind,
            sym=plus(ident(name)),
            expr=expr,
            value=get(update.after),
            uses=uses,
            concerns=(name,),
            param=name,
            note=self._update_note(),
        )

    def update_w_step(self, index: int, r: SampleRecord | None, li: int, j: int, i: int) -> Step:
        name = self.weight(li, j, i)
        return self._update(index, r, Kind.UPDATE_W, name, self._param_getter(li, j, i))

    def update_b_step(self, index: int, r: SampleRecord | None, li: int, j: int) -> Step:
        name = self.net.layers[li].bias_names[j]
        return self._update(index, r, Kind.UPDATE_B, name, self._param_getter(li, j, None))
