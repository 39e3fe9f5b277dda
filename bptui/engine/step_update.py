"""The update's steps (`bptui.engine.stepmaker`): an optimizer's stages and the parameters' new
values, with the quantities of the optimizer step they belong to (the sample's, or the epoch's
batch one).
"""

from __future__ import annotations

from bptui.engine.ops.terms import Sym, Var, ident, plus, prefixed, quantity
from bptui.engine.passes import SampleRecord
from bptui.engine.step_names import ETA, StepNames
from bptui.engine.steps import Kind, Step


class UpdateSteps(StepNames):
    """The update's steps of one epoch; the base of `StepMaker`."""

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
