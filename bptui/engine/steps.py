"""Step records: one elementary operation of backprop, as a person works it by hand.

`StepMaker` turns a sample's arrays (`SampleRecord`) into `Step` records, one kind at a time:
the symbols are the post's (net_h1, out_o1, E_o1, E_total, δ_o1, ∂E_total/∂w5, w5⁺), each
step keeps its formula in symbols and a template that the formatter fills with its numbers at
whatever precision the reader wants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bptui.engine import functions as fn
from bptui.engine.network import Network
from bptui.engine.passes import EpochResult, SampleRecord

PHASES = ("forward", "error", "backward", "update")

# Step kinds by phase. The trace layout (bptui.engine.trace) orders them.
KIND_PHASE = {
    "net": "forward",
    "out": "forward",
    "e_term": "error",
    "e_total": "error",
    "de_dout": "backward",
    "dout_dnet": "backward",
    "delta": "backward",
    "path": "backward",
    "path_sum": "backward",
    "dnet_dw": "backward",
    "grad_w": "backward",
    "grad_b": "backward",
    "grad_b_shared": "backward",
    "update_w": "update",
    "update_b": "update",
}
GRADIENT_KINDS = ("grad_w", "grad_b", "grad_b_shared")


@dataclass(frozen=True, slots=True)
class Step:
    """One elementary operation: `symbol = formula = numbers = value`.

    `template` is the formula with `{0}`, `{1}`, ... where `args` go; `bptui.fmt.numbers`
    fills it at a chosen precision. `uses` are the symbols the formula reads (earlier steps,
    parameters, inputs, targets); `concerns` the neurons, edges (named by their weight) or bias
    units to highlight; `param` the parameter whose gradient or update this step is part of.
    """

    index: int
    sample: int  # 0-based; -1 for a batch update, which belongs to the whole epoch
    phase: str
    kind: str
    symbol: str
    formula: str
    template: str
    args: tuple[float, ...]
    value: float
    uses: tuple[str, ...]
    concerns: tuple[str, ...]
    param: str | None = None
    note: str = ""
    alt_formula: str = ""  # the delta-rule form of a gradient: δ_o1 × out_h1
    alt_template: str = ""
    alt_args: tuple[float, ...] = ()


def plus(weight_name: str) -> str:
    """The symbol of a parameter's updated value: w5 → w5⁺."""
    return weight_name + "⁺"


def _placeholders(count: int, start: int = 0) -> list[str]:
    return ["{" + str(k) + "}" for k in range(start, start + count)]


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

    def source_symbol(self, li: int, i: int) -> str:
        """What feeds layer l from position i: i1 for an input, out_h1 for a neuron."""
        names = self.net.source_names(li)
        return names[i] if li == 0 else f"out_{names[i]}"

    def weight(self, li: int, j: int, i: int) -> str:
        return self.net.layers[li].weight_names[j][i]

    def bias_name(self, li: int, j: int) -> str:
        layer = self.net.layers[li]
        return layer.bias_names[0] if layer.bias == "shared" else layer.bias_names[j]

    def back_weight(self, li: int, j: int, i: int) -> str:
        """The weight symbol used when back-propagating through layer l (w5 or w5⁺)."""
        name = self.weight(li, j, i)
        return plus(name) if self.eager_update else name

    def is_output(self, li: int) -> bool:
        return li == self.n_layers - 1

    def simplified(self, li: int) -> str | None:
        if not self.is_output(li):
            return None
        return fn.simplified_delta(self.net.loss, self.net.layers[li].activation)

    def grad_symbol(self, param: str) -> str:
        return f"∂E_total/∂{param}"

    def delta_symbol(self, li: int, j: int) -> str:
        return f"δ_{self.name(li, j)}"

    def path_symbol(self, li: int, j: int, m: int) -> str:
        return f"∂E_{self.name(li + 1, m)}/∂out_{self.name(li, j)}"

    # -- forward ----------------------------------------------------------------------------
    def net_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        layer = self.net.layers[li]
        w = r.params.weights[li][j]
        x = r.layer_input(li)
        formula, template, args, uses = [], [], [], []
        k = 0
        for i in range(layer.n_in):
            wn, xs = self.weight(li, j, i), self.source_symbol(li, i)
            formula.append(f"{wn}·{xs}")
            template.append(f"{{{k}}}·{{{k + 1}}}")
            args += [float(w[i]), float(x[i])]
            uses += [wn, xs]
            k += 2
        concerns = [self.name(li, j)]
        if layer.bias != "none":
            b = self.bias_name(li, j)
            formula.append(b)
            template.append(f"{{{k}}}")
            args.append(float(r.params.biases[li][0 if layer.bias == "shared" else j]))
            uses.append(b)
        return Step(
            index,
            r.index,
            "forward",
            "net",
            f"net_{self.name(li, j)}",
            " + ".join(formula),
            " + ".join(template),
            tuple(args),
            float(r.nets[li][j]),
            tuple(uses),
            tuple(concerns),
        )

    def out_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        activation = self.net.layers[li].activation
        x = self.name(li, j)
        net = f"net_{x}"
        value = float(r.outs[li][j])
        uses: tuple[str, ...] = (net,)
        args: tuple[float, ...] = (float(r.nets[li][j]),)
        if activation == "sigmoid":
            formula, template = f"1/(1 + e^(−{net}))", "1/(1 + e^(−{0}))"
        elif activation == "tanh":
            formula, template = f"tanh({net})", "tanh({0})"
        elif activation == "relu":
            formula, template = f"max(0, {net})", "max(0, {0})"
        elif activation == "linear":
            formula, template = net, "{0}"
        else:  # softmax
            names = self.net.layers[li].names
            formula = f"e^{net} / ({' + '.join(f'e^net_{n}' for n in names)})"
            holders = _placeholders(len(names), 1)
            template = "e^{0} / (" + " + ".join(f"e^{h}" for h in holders) + ")"
            args = (float(r.nets[li][j]), *(float(v) for v in r.nets[li]))
            uses = tuple(f"net_{n}" for n in names)
        return Step(
            index, r.index, "forward", "out", f"out_{x}", formula, template, args, value, uses, (x,)
        )

    # -- error ------------------------------------------------------------------------------
    def e_term_step(self, index: int, r: SampleRecord, k: int) -> Step:
        li = self.n_layers - 1
        x = self.name(li, k)
        t, o = f"t_{x}", f"out_{x}"
        n = self.net.layers[li].n_out
        formula, template = {
            "half_sse": (f"½({t} − {o})²", "½({0} − {1})²"),
            "sse": (f"({t} − {o})²", "({0} − {1})²"),
            "mse": (f"({t} − {o})²/{n}", "({0} − {1})²/" + str(n)),
            "bce": (
                f"−({t}·ln({o}) + (1 − {t})·ln(1 − {o}))",
                "−({0}·ln({1}) + (1 − {0})·ln(1 − {1}))",
            ),
            "cross_entropy": (f"−{t}·ln({o})", "−{0}·ln({1})"),
        }[self.net.loss]
        return Step(
            index,
            r.index,
            "error",
            "e_term",
            f"E_{x}",
            formula,
            template,
            (float(r.t[k]), float(r.outs[li][k])),
            float(r.e_terms[k]),
            (t, o),
            (x,),
        )

    def e_total_step(self, index: int, r: SampleRecord) -> Step:
        names = self.net.layers[-1].names
        symbols = tuple(f"E_{n}" for n in names)
        return Step(
            index,
            r.index,
            "error",
            "e_total",
            "E_total",
            " + ".join(symbols),
            " + ".join(_placeholders(len(names))),
            tuple(float(v) for v in r.e_terms),
            r.e_total,
            symbols,
            tuple(names),
        )

    # -- backward ---------------------------------------------------------------------------
    def de_dout_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        """∂E_total/∂out_X: from the loss for an output, the sum of the paths for a hidden X."""
        x = self.name(li, j)
        symbol = f"∂E_total/∂out_{x}"
        value = float(r.de_dout[li][j])
        if not self.is_output(li):
            n_next = self.net.layers[li + 1].n_out
            terms = tuple(self.path_symbol(li, j, m) for m in range(n_next))
            return Step(
                index,
                r.index,
                "backward",
                "path_sum",
                symbol,
                " + ".join(terms),
                " + ".join(_placeholders(n_next)),
                tuple(float(v) for v in r.paths[li][:, j]),
                value,
                terms,
                (x,),
            )
        t, o = f"t_{x}", f"out_{x}"
        n = self.net.layers[li].n_out
        formula, template = {
            "half_sse": (f"−({t} − {o})", "−({0} − {1})"),
            "sse": (f"−2({t} − {o})", "−2({0} − {1})"),
            "mse": (f"−2({t} − {o})/{n}", "−2({0} − {1})/" + str(n)),
            "bce": (f"−({t}/{o} − (1 − {t})/(1 − {o}))", "−({0}/{1} − (1 − {0})/(1 − {1}))"),
            "cross_entropy": (f"−{t}/{o}", "−{0}/{1}"),
        }[self.net.loss]
        return Step(
            index,
            r.index,
            "backward",
            "de_dout",
            symbol,
            formula,
            template,
            (float(r.t[j]), float(r.outs[li][j])),
            value,
            (t, o),
            (x,),
        )

    def dout_dnet_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        x = self.name(li, j)
        o, net = f"out_{x}", f"net_{x}"
        activation = self.net.layers[li].activation
        out_value, net_value = float(r.outs[li][j]), float(r.nets[li][j])
        args: tuple[float, ...]
        uses: tuple[str, ...]
        if activation in ("sigmoid", "softmax"):
            formula, template, args, uses = f"{o}(1 − {o})", "{0}(1 − {0})", (out_value,), (o,)
        elif activation == "tanh":
            formula, template, args, uses = f"1 − {o}²", "1 − {0}²", (out_value,), (o,)
        elif activation == "relu":
            formula, template, args, uses = (
                f"1 if {net} > 0 else 0",
                "1 if {0} > 0 else 0",
                (net_value,),
                (net,),
            )
        else:
            formula, template, args, uses = "1", "1", (), ()
        return Step(
            index,
            r.index,
            "backward",
            "dout_dnet",
            f"∂{o}/∂{net}",
            formula,
            template,
            args,
            float(r.dout_dnet[li][j]),
            uses,
            (x,),
        )

    def delta_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        x = self.name(li, j)
        value = float(r.deltas[li][j])
        symbol = self.delta_symbol(li, j)
        note = self.simplified(li)
        if note is not None:
            t, o = f"t_{x}", f"out_{x}"
            return Step(
                index,
                r.index,
                "backward",
                "delta",
                symbol,
                f"{o} − {t}",
                "{0} − {1}",
                (float(r.outs[li][j]), float(r.t[j])),
                value,
                (o, t),
                (x,),
                note=note,
            )
        if self.net.layers[li].activation == "softmax":
            return self._softmax_delta(index, r, li, j, symbol, value)
        g, d = f"∂E_total/∂out_{x}", f"∂out_{x}/∂net_{x}"
        return Step(
            index,
            r.index,
            "backward",
            "delta",
            symbol,
            f"{g} × {d}",
            "{0} × {1}",
            (float(r.de_dout[li][j]), float(r.dout_dnet[li][j])),
            value,
            (g, d),
            (x,),
        )

    def _softmax_delta(
        self, index: int, r: SampleRecord, li: int, j: int, symbol: str, value: float
    ) -> Step:
        """δ_oK = Σ_m ∂E_total/∂out_om · ∂out_om/∂net_oK: softmax's Jacobian is not diagonal."""
        names = self.net.layers[li].names
        x = names[j]
        formula, template, args, uses = [], [], [], []
        k = 0
        for m, name in enumerate(names):
            g = f"∂E_total/∂out_{name}"
            if m == j:
                formula.append(f"{g} × out_{x}(1 − out_{x})")
                template.append(f"{{{k}}} × {{{k + 1}}}(1 − {{{k + 1}}})")
                args += [float(r.de_dout[li][m]), float(r.outs[li][j])]
                k += 2
            else:
                formula.append(f"{g} × (−out_{name}·out_{x})")
                template.append(f"{{{k}}} × (−{{{k + 1}}}·{{{k + 2}}})")
                args += [float(r.de_dout[li][m]), float(r.outs[li][m]), float(r.outs[li][j])]
                k += 3
            uses.append(g)
        return Step(
            index,
            r.index,
            "backward",
            "delta",
            symbol,
            " + ".join(formula),
            " + ".join(template),
            tuple(args),
            value,
            tuple(uses),
            (x,),
            note="softmax: ∂out_om/∂net_oK = out_om(1[m=K] − out_oK)",
        )

    def path_step(self, index: int, r: SampleRecord, li: int, j: int, m: int) -> Step:
        """∂E_M/∂out_X = δ_M × w: the part of E_total that flows from X through M."""
        w = self.back_weight(li + 1, m, j)
        delta = self.delta_symbol(li + 1, m)
        note = ""
        if self.eager_update:
            note = f"after_output_update: {w} is the updated {self.weight(li + 1, m, j)}"
        return Step(
            index,
            r.index,
            "backward",
            "path",
            self.path_symbol(li, j, m),
            f"{delta} × {w}",
            "{0} × {1}",
            (float(r.deltas[li + 1][m]), float(r.back_weights[li + 1][m, j])),
            float(r.paths[li][m, j]),
            (delta, w),
            (self.weight(li + 1, m, j),),
            note=note,
        )

    def dnet_dw_step(self, index: int, r: SampleRecord, li: int, j: int, i: int) -> Step:
        w = self.weight(li, j, i)
        source = self.source_symbol(li, i)
        return Step(
            index,
            r.index,
            "backward",
            "dnet_dw",
            f"∂net_{self.name(li, j)}/∂{w}",
            source,
            "{0}",
            (float(r.layer_input(li)[i]),),
            float(r.layer_input(li)[i]),
            (source,),
            (w,),
            param=w,
        )

    def grad_w_step(self, index: int, r: SampleRecord, li: int, j: int, i: int) -> Step:
        w = self.weight(li, j, i)
        x = self.name(li, j)
        dnet = f"∂net_{x}/∂{w}"
        source = self.source_symbol(li, i)
        xi = float(r.layer_input(li)[i])
        delta = self.delta_symbol(li, j)
        value = float(r.grad_w[li][j, i])
        alt: dict[str, Any] = dict(
            alt_formula=f"{delta} × {source}",
            alt_template="{0} × {1}",
            alt_args=(float(r.deltas[li][j]), xi),
        )
        if self.simplified(li) is not None or self.net.layers[li].activation == "softmax":
            return Step(
                index,
                r.index,
                "backward",
                "grad_w",
                self.grad_symbol(w),
                f"{delta} × {dnet}",
                "{0} × {1}",
                (float(r.deltas[li][j]), xi),
                value,
                (delta, dnet),
                (w,),
                param=w,
                **alt,
            )
        g, d = f"∂E_total/∂out_{x}", f"∂out_{x}/∂net_{x}"
        return Step(
            index,
            r.index,
            "backward",
            "grad_w",
            self.grad_symbol(w),
            f"{g} × {d} × {dnet}",
            "{0} × {1} × {2}",
            (float(r.de_dout[li][j]), float(r.dout_dnet[li][j]), xi),
            value,
            (g, d, dnet),
            (w,),
            param=w,
            **alt,
        )

    def grad_b_step(self, index: int, r: SampleRecord, li: int, j: int) -> Step:
        b = self.bias_name(li, j)
        delta = self.delta_symbol(li, j)
        return Step(
            index,
            r.index,
            "backward",
            "grad_b",
            self.grad_symbol(b),
            f"{delta} × ∂net_{self.name(li, j)}/∂{b}",
            "{0} × 1",
            (float(r.deltas[li][j]),),
            float(r.grad_b[li][j]),
            (delta,),
            (b,),
            param=b,
        )

    def grad_b_shared_step(self, index: int, r: SampleRecord, li: int) -> Step:
        layer = self.net.layers[li]
        b = layer.bias_names[0]
        deltas = tuple(self.delta_symbol(li, j) for j in range(layer.n_out))
        return Step(
            index,
            r.index,
            "backward",
            "grad_b_shared",
            self.grad_symbol(b),
            " + ".join(deltas),
            " + ".join(_placeholders(layer.n_out)),
            tuple(float(v) for v in r.deltas[li]),
            float(r.grad_b[li][0]),
            deltas,
            (b,),
            param=b,
            note=f"{b} feeds every neuron of its layer: ∂net/∂{b} = 1 for each",
        )

    # -- update -----------------------------------------------------------------------------
    def _update(
        self,
        index: int,
        sample: int,
        kind: str,
        name: str,
        old: float,
        grad: float,
        new: float,
        concerns: tuple[str, ...],
    ) -> Step:
        g = self.grad_symbol(name)
        if self.net.update == "batch_sum":
            g_text, note = f"Σ {g}", "batch_sum: the gradients of every sample, summed"
        elif self.net.update == "batch_mean":
            g_text, note = f"mean {g}", "batch_mean: the gradients of every sample, averaged"
        else:
            g_text, note = g, ""
        return Step(
            index,
            sample,
            "update",
            kind,
            plus(name),
            f"{name} − η·{g_text}",
            "{0} − {1} × {2}",
            (old, self.eta, grad),
            new,
            (name, "η", g),
            concerns,
            param=name,
            note=note,
        )

    def _update_source(self, r: SampleRecord | None) -> tuple:
        """(params before, gradients used, params after) of an update."""
        if r is None:  # the epoch's batch update
            e = self.epoch
            return e.params_before, e.batch_grads, e.params_after
        if r.params_after is None:
            raise ValueError("a batch epoch has no per-sample update")
        return r.params, r.grads, r.params_after

    def update_w_step(self, index: int, r: SampleRecord | None, li: int, j: int, i: int) -> Step:
        before, grads, after = self._update_source(r)
        w = self.weight(li, j, i)
        return self._update(
            index,
            -1 if r is None else r.index,
            "update_w",
            w,
            float(before.weights[li][j, i]),
            float(grads.weights[li][j, i]),
            float(after.weights[li][j, i]),
            (w,),
        )

    def update_b_step(self, index: int, r: SampleRecord | None, li: int, j: int) -> Step:
        before, grads, after = self._update_source(r)
        b = self.net.layers[li].bias_names[j]
        return self._update(
            index,
            -1 if r is None else r.index,
            "update_b",
            b,
            float(before.biases[li][j]),
            float(grads.biases[li][j]),
            float(after.biases[li][j]),
            (b,),
        )
