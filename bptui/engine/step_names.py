"""The names of one epoch's steps (`bptui.engine.stepmaker`): the symbols of the post (net_h1,
out_o1, δ_o1, ∂E_total/∂w5, w5⁺ once updated) as terms, and the quantities of a sample with
their values.
"""

from __future__ import annotations

from bptui.engine.network import Network
from bptui.engine.ops.terms import Sym, Var, ident, partial, plus, quantity
from bptui.engine.passes import EpochResult, SampleRecord

ETA = ident("η")
E_TOTAL = quantity("E", "total")


class StepNames:
    """The symbols of one epoch's steps and the quantities with their values; the base of
    `StepMaker`, whose methods make the steps."""

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
