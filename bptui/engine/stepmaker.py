"""`StepMaker` turns a sample's arrays (`SampleRecord`) into `Step` records, one kind at a time:
the forward pass, the error and the backward pass here, the update's steps in
`bptui.engine.step_update`, the symbols in `bptui.engine.step_names`. The formulas of
activations and losses come from their objects in `bptui.engine.ops`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from bptui.engine.errata import is_mazur
from bptui.engine.ops.terms import Diff, Group, Prod, Sum, Term, Var, ident, partial, quantity
from bptui.engine.passes import SampleRecord
from bptui.engine.step_names import E_TOTAL
from bptui.engine.step_update import UpdateSteps
from bptui.engine.steps import Kind, Step


def _sum(terms: Sequence[Term]) -> Term:
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


class StepMaker(UpdateSteps):
    """Builds the steps of one epoch from its numbers; each method makes one kind of step."""

    @cached_property
    def path_label(self) -> str:
        """What a path's other form is called: the post's own, on the post's network."""
        return "the post's form" if is_mazur(self.net) else "as the chain rule"

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
            alt_label=self.path_label,
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
