"""The scalar backend's code generator: an epoch loop written out as Python for one network.

Why generate code: an epoch of Mazur's net is ~60 multiply-adds. Numpy spends about a
microsecond on each operation however small its arrays, a Python loop over lists spends more
on indexing than on arithmetic, but straight-line Python on local float variables runs each
operation in ~20 ns. So the epoch is written out for the exact shape, like `dataclasses` and
`namedtuple` write their methods: one line per neuron for the forward pass, one per weight for
the update, every parameter (and the optimizer's state) in locals for the whole run.

Every formula comes from the operation objects (`bptui.engine.ops`): an activation's `code`
and `code_derivative`, a loss's `code_forward`, `code_loss` and `code_gradient`, an optimizer's
`code` and `code_step_setup`. The generator checks its own inputs (`ScalarConfig.check`) rather
than trusting the loader: it refuses what it cannot write.

The names are Mazur's, by position (custom neuron names do not change the code): inputs i1..,
hidden h1.. (h1_1.. for several hidden layers), outputs o1..; weights w1.. layer by layer, row
by row; biases b1, b2 (shared) or b_h1, b_o1 (per neuron); net_X, out_X, the target t_X, the
residual r_X = out_X − t_X, the delta d_X, batch gradients g_w1, g_b1, optimizer slots m_w1,
v_w1.

The `norms` variant (`ScalarConfig.norms`, a cache key of its own) also hands back, after each
epoch, every layer's sum of squares of its weight gradient as the update uses it (`push_norms`,
one tuple per epoch): batch modes square the summed g_w (batch_mean divides the sum of squares
by n²); online adds each sample's δ·input into g_w over the epoch and squares that sum, but
with one sample the gradient is the outer product δ·inputᵀ, whose squared norm is
|δ|²·|input|² (the same number to a few ulps, for a fraction of the work). The arithmetic of
the training itself is the plain variant's, line for line, so both give the same bits.

The arithmetic follows `passes.compute_sample` operation by operation, sums left to right as
numpy sums short vectors. The exceptions change nothing: r = out − t is −(t − out) exactly;
½·Σr² is Σ½r² exactly; plain SGD online with η a power of two multiplies η·δ once per neuron
(see `online_update`).
"""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bptui.engine.network import HIDDEN_GRADIENTS, UPDATES, Network, default_neuron_names
from bptui.engine.ops import ACTIVATIONS, LOSSES, OPTIMIZERS

_WIDTH = 96  # the generated source's line width
BIAS_KINDS = ("none", "shared", "neuron")

# The math functions the generated code receives as arguments (locals are the fastest names).
MATH: tuple[Callable[[float], float], ...] = (
    math.exp,
    math.log,
    math.log1p,
    math.tanh,
    math.erf,
    math.expm1,
    math.sqrt,
)
_MATH_NAMES = "exp, log, log1p, tanh, erf, expm1, sqrt"

Settings = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ScalarConfig:
    """Everything the generated code depends on (the cache key); the numbers are arguments."""

    n_inputs: int
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    options: tuple[Settings, ...]  # each layer's activation parameters
    biases: tuple[str, ...]
    loss: str
    update: str
    hidden_gradients: str
    train_biases: bool
    single_sample: bool
    optimizer: str = "sgd"
    optimizer_settings: Settings = ()
    learning_rate_power_of_two: bool = False  # (η·δ)·x is then η·(δ·x) exactly
    norms: bool = False  # also push each layer's squared weight-gradient norm every epoch
    # The operation objects the names stand for, compared by identity: one registered under a
    # name already in use (bptui.engine.ops) gets code of its own, not the cached code of the
    # one it replaced.
    ops: tuple[object, ...] = ()

    @classmethod
    def of(cls, network: Network, norms: bool = False) -> ScalarConfig:
        config = cls(
            n_inputs=len(network.input_names),
            sizes=tuple(layer.n_out for layer in network.layers),
            activations=tuple(layer.activation for layer in network.layers),
            options=tuple(tuple(sorted(layer.p.items())) for layer in network.layers),
            biases=tuple(layer.bias for layer in network.layers),
            loss=network.loss,
            update=network.update,
            hidden_gradients=network.hidden_gradients,
            train_biases=network.train_biases,
            single_sample=network.n_samples == 1,
            optimizer=network.optimizer,
            optimizer_settings=tuple(sorted(network.opt_settings.items())),
            learning_rate_power_of_two=math.frexp(network.learning_rate)[0] == 0.5,
            norms=norms,
            ops=(*(layer.op for layer in network.layers), network.loss_op, network.opt),
        )
        config.check()
        return config

    def check(self) -> None:
        """Refuse a configuration the generator cannot write (a ValueError: a bug upstream)."""
        n = len(self.sizes)
        if self.n_inputs < 1 or n < 1 or min(self.sizes) < 1:
            raise ValueError(f"codegen: a shape of {self.n_inputs} inputs and {self.sizes}")
        if not len(self.activations) == len(self.options) == len(self.biases) == n:
            raise ValueError("codegen: one activation, options and bias kind per layer")
        for k, (name, options) in enumerate(zip(self.activations, self.options, strict=True)):
            op = ACTIVATIONS.get(name)
            if op is None:
                raise ValueError(f"codegen: unknown activation {name!r}")
            if not op.elementwise and k != n - 1:
                raise ValueError(f"codegen: {name} on a hidden layer")
            for key, value in options:
                if key not in op.parameters or not math.isfinite(float(value)):
                    raise ValueError(f"codegen: {name}'s parameter {key} = {value!r}")
        if any(kind not in BIAS_KINDS for kind in self.biases):
            raise ValueError(f"codegen: bias kinds {self.biases}")
        loss = LOSSES.get(self.loss)
        if loss is None:
            raise ValueError(f"codegen: unknown loss {self.loss!r}")
        if loss.requires_output not in (None, self.activations[-1]):
            raise ValueError(f"codegen: {self.loss} on {self.activations[-1]} outputs")
        if self.update not in UPDATES or self.hidden_gradients not in HIDDEN_GRADIENTS:
            raise ValueError(f"codegen: update {self.update!r}, order {self.hidden_gradients!r}")
        eager = self.hidden_gradients == "after_output_update"
        if eager and (self.update != "online" or self.optimizer != "sgd"):
            raise ValueError("codegen: after_output_update needs online plain SGD")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"codegen: unknown optimizer {self.optimizer!r}")

    @property
    def lagged(self) -> bool:
        """Whether each epoch's forward pass gives the loss after the previous epoch."""
        return self.update != "online" or self.single_sample

    @property
    def plain_sgd(self) -> bool:
        """Plain SGD without weight decay: the fast update (no optimizer step of its own)."""
        return self.optimizer == "sgd" and dict(self.optimizer_settings).get("weight_decay") == 0


def scalar_source(network: Network, checked: bool = False, norms: bool = False) -> str:
    """The Python source the scalar backend runs for `network` (for reading and debugging).

    The unchecked variant runs blocks of epochs; the checked one, which also tests every
    epoch for non-finite values, replays a block whose results were not all finite. `norms`:
    the variant that also pushes each layer's squared weight-gradient norm every epoch.
    """
    return ScalarSource(ScalarConfig.of(network, norms), checked).text()


@lru_cache(maxsize=64)
def compiled(config: ScalarConfig, checked: bool) -> Callable[..., tuple]:
    """The compiled `train_epochs` of a configuration (cached)."""
    source = ScalarSource(config, checked).text()
    variant = "checked" if checked else "unchecked"
    filename = f"<bptui.engine.codegen {variant} {config_label(config)}>"
    # Registered so that tracebacks and the debugger can show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {"repeat": itertools.repeat}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["train_epochs"]  # type: ignore[return-value]


def config_label(config: ScalarConfig) -> str:
    shape = "-".join(str(n) for n in (config.n_inputs, *config.sizes))
    optimizer = "" if config.plain_sgd else f" {config.optimizer}"
    return (
        f"{shape} {'/'.join(config.activations)} bias {'/'.join(config.biases)} {config.loss} "
        f"{config.update} {config.hidden_gradients}{optimizer}"
        f"{'' if config.train_biases else ' frozen-biases'}"
        f"{' one-sample' if config.single_sample else ''}"
        f"{' norms' if config.norms else ''}"
    )


class ScalarSource:
    """Writes `train_epochs` for one configuration (see the module's docstring)."""

    def __init__(self, config: ScalarConfig, checked: bool) -> None:
        config.check()
        self.c = config
        self.checked = checked
        self.names = default_neuron_names(config.n_inputs, list(config.sizes))
        self.n_layers = len(config.sizes)
        self.ops = [ACTIVATIONS[name] for name in config.activations]
        self.options: list[dict[str, Any]] = [dict(options) for options in config.options]
        self.loss_op = LOSSES[config.loss]
        self.opt = OPTIMIZERS[config.optimizer]
        self.opt_settings: dict[str, Any] = dict(config.optimizer_settings)
        self.lines: list[str] = []
        self.depth = 0
        # weights[layer][j][i]: the weight into neuron j of `layer` from neuron i below it
        self.weights: list[list[list[str]]] = []
        k = 0
        n_in = config.n_inputs
        for size in config.sizes:
            rows = []
            for _j in range(size):
                rows.append([f"w{k + i + 1}" for i in range(n_in)])
                k += n_in
            self.weights.append(rows)
            n_in = size
        self.bias_params: list[list[str]] = []
        for layer, kind in enumerate(config.biases):
            if kind == "shared":
                self.bias_params.append([f"b{layer + 1}"])
            elif kind == "neuron":
                self.bias_params.append([f"b_{name}" for name in self.names[layer + 1]])
            else:
                self.bias_params.append([])

    # -- names -------------------------------------------------------------------------------
    def neuron(self, layer: int, j: int) -> str:
        return self.names[layer + 1][j]

    def source(self, layer: int, i: int) -> str:
        """What neuron i of the layer below `layer` outputs (an input, below layer 0)."""
        return self.names[0][i] if layer == 0 else f"out_{self.names[layer][i]}"

    def bias_of(self, layer: int, j: int) -> str | None:
        params = self.bias_params[layer]
        if not params:
            return None
        return params[0] if self.c.biases[layer] == "shared" else params[j]

    @property
    def all_params(self) -> list[str]:
        """Every parameter in `Params.flat()` order."""
        flat = [w for rows in self.weights for row in rows for w in row]
        return flat + [b for params in self.bias_params for b in params]

    @property
    def trained_params(self) -> list[str]:
        flat = [w for rows in self.weights for row in rows for w in row]
        if self.c.train_biases:
            flat += [b for params in self.bias_params for b in params]
        return flat

    @property
    def state_vars(self) -> list[str]:
        """The optimizer's slots of every trained parameter, slot by slot (the state list)."""
        return [f"{slot}_{p}" for slot in self.opt.slots for p in self.trained_params]

    @property
    def sample_vars(self) -> str:
        outputs = [f"t_{name}" for name in self.names[-1]]
        return ", ".join([*self.names[0], *outputs])

    # -- writing -----------------------------------------------------------------------------
    def emit(self, *lines: str) -> None:
        for line in lines:
            self.lines.append("    " * self.depth + line if line else "")

    def emit_joined(
        self,
        head: str,
        items: list[str],
        joiner: str,
        tail: str = "",
        brackets: tuple[str, str] | None = ("(", ")"),
    ) -> None:
        """`head` + the items joined by `joiner` + `tail`: one line if it fits, else one item
        run per line inside `brackets` (None: `head` already ends with an opening bracket and
        `tail` starts with its closing one), so that Python continues the lines implicitly.
        """
        indent = "    " * self.depth
        line = head + joiner.join(items) + tail
        if len(indent) + len(line) <= _WIDTH:
            self.emit(line)
            return
        opening, closing = brackets or ("", "")
        self.emit(head + opening)
        self.depth += 1
        width = _WIDTH - len(indent) - 4
        operator = joiner.strip() if joiner.startswith(" ") else ""
        rows: list[str] = []
        row = ""
        for item in items:
            piece = item if not row else f"{row}{joiner}{item}"
            if row and len(piece) > width:
                rows.append(row)
                row = f"{operator} {item}" if operator else item
            else:
                row = piece
        rows.append(row)
        for k, text in enumerate(rows):
            self.emit(text + ("," if not operator and k < len(rows) - 1 else ""))
        self.depth -= 1
        self.emit(closing + tail)

    # -- the parts of an epoch ---------------------------------------------------------------
    def forward(self, with_loss: bool, total: str | None) -> None:
        """Every layer's nets and outs; then what the loss shares with its gradient; then
        (with_loss) E_total. `total`: the name to add this sample's E_total to (None: E)."""
        for layer in range(self.n_layers):
            op, p = self.ops[layer], self.options[layer]
            self.emit(f"# forward, layer {layer + 1} ({op.name})")
            for j in range(self.c.sizes[layer]):
                name = self.neuron(layer, j)
                terms = [
                    f"{w} * {self.source(layer, i)}" for i, w in enumerate(self.weights[layer][j])
                ]
                bias = self.bias_of(layer, j)
                if bias is not None:
                    terms.append(bias)
                self.emit_joined(f"net_{name} = ", terms, " + ")
                if op.elementwise:
                    self.emit(*op.code(f"net_{name}", f"out_{name}", p))
            if not op.elementwise:
                self.emit(*op.code_layer(self.names[layer + 1]))
        outputs = self.names[-1]
        self.emit(*self.loss_op.code_forward(outputs))
        if with_loss:
            self.emit(f"# error ({self.loss_op.name})")
            self.emit(*self.loss_op.code_loss(outputs, total))

    def derivative(self, layer: int, j: int) -> str | None:
        """∂out/∂net of neuron j of `layer` (None: 1)."""
        name = self.neuron(layer, j)
        return self.ops[layer].code_derivative(f"net_{name}", f"out_{name}", self.options[layer])

    def output_deltas(self) -> None:
        layer = self.n_layers - 1
        outputs = self.names[-1]
        op = self.ops[layer]
        self.emit(f"# backward, layer {layer + 1} (outputs)")
        if self.loss_op.fused_with == op.name:
            for name in outputs:
                self.emit(f"d_{name} = out_{name} - t_{name}")
            return
        n = len(outputs)
        if not op.elementwise:
            # δ_k = out_k·(g_k − Σ_m g_m·out_m), g = ∂E/∂out
            for name in outputs:
                self.emit(f"g_{name} = " + self.loss_op.code_gradient(name, n))
            self.emit("dot = " + " + ".join(f"g_{name} * out_{name}" for name in outputs))
            for name in outputs:
                self.emit(f"d_{name} = out_{name} * (g_{name} - dot)")
            return
        for j, name in enumerate(outputs):
            derivative = self.derivative(layer, j)
            g = self.loss_op.code_gradient(name, n)
            self.emit(f"d_{name} = {g}" + (f" * {derivative}" if derivative else ""))

    def hidden_deltas(self, layer: int) -> None:
        """δ of `layer` from the δ of the layer above and the weights between, as they are."""
        self.emit(f"# backward, layer {layer + 1} ({self.ops[layer].name})")
        above = self.weights[layer + 1]
        for j in range(self.c.sizes[layer]):
            name = self.neuron(layer, j)
            paths = [f"d_{self.neuron(layer + 1, m)} * {above[m][j]}" for m in range(len(above))]
            derivative = self.derivative(layer, j)
            head = f"d_{name} = ("
            tail = ")" + (f" * {derivative}" if derivative else "")
            self.emit_joined(head, paths, " + ", tail, brackets=None)

    def bias_gradient(self, layer: int, j: int) -> str:
        if self.c.biases[layer] == "shared":
            deltas = [f"d_{self.neuron(layer, m)}" for m in range(self.c.sizes[layer])]
            return deltas[0] if len(deltas) == 1 else "(" + " + ".join(deltas) + ")"
        return f"d_{self.neuron(layer, j)}"

    def optimizer_step(self, gradients: list[tuple[str, str]]) -> None:
        """One optimizer step: `t += 1`, its setup, then each (parameter, gradient)'s lines;
        from the optimizer's `steady_from` step on (Adam's bias corrections exactly 1.0), its
        `code_steady` lines instead, which need no setup."""
        s = self.opt_settings
        self.emit(f"# optimizer step ({self.opt.name})", "t += 1")
        steady = self.opt.steady_from(s)
        if steady is not None:
            self.emit(f"if t >= {steady}:")
            self.depth += 1
            for p, g in gradients:
                slots = {slot: f"{slot}_{p}" for slot in self.opt.slots}
                self.emit(*self.opt.code_steady(s, p, g, slots))
            self.depth -= 1
            self.emit("else:")
            self.depth += 1
        self.emit(*self.opt.code_step_setup(s))
        for p, g in gradients:
            slots = {slot: f"{slot}_{p}" for slot in self.opt.slots}
            self.emit(*self.opt.code(s, p, g, slots))
        if steady is not None:
            self.depth -= 1

    def online_update(self, layer: int) -> None:
        """Plain SGD: w −= η·(δ·input). With η a power of two, as Mazur's 0.5, (η·δ)·input is
        the same number: then η·δ is worked out once per neuron (a product saved per weight).
        """
        self.emit(f"# update, layer {layer + 1}")
        fast = self.c.learning_rate_power_of_two
        for j in range(self.c.sizes[layer]):
            name = self.neuron(layer, j)
            self.emit(f"step_{name} = lr * d_{name}")
            for i, w in enumerate(self.weights[layer][j]):
                source = self.source(layer, i)
                self.emit(
                    f"{w} -= step_{name} * {source}"
                    if fast
                    else f"{w} -= lr * (d_{name} * {source})"
                )
        if self.c.train_biases:
            for j, b in enumerate(self.bias_params[layer]):
                if self.c.biases[layer] == "neuron":
                    self.emit(f"{b} -= step_{self.neuron(layer, j)}")  # = lr * d exactly
                else:
                    self.emit(f"{b} -= lr * {self.bias_gradient(layer, j)}")

    def eager_update(self, layer: int) -> None:
        """after_output_update: one layer's update, before the layer below uses its weights."""
        if self.c.plain_sgd:
            self.online_update(layer)
            return
        self.emit(f"# update, layer {layer + 1} ({self.opt.name})")
        for p, g in self.sample_gradients(only=layer):
            slots = {slot: f"{slot}_{p}" for slot in self.opt.slots}
            self.emit(*self.opt.code(self.opt_settings, p, g, slots))

    def sample_gradients(self, only: int | None = None) -> list[tuple[str, str]]:
        """(parameter, this sample's gradient as an expression), every trained parameter (of
        layer `only`, if given)."""
        layers = range(self.n_layers) if only is None else [only]
        gradients = []
        for layer in layers:
            for j in range(self.c.sizes[layer]):
                name = self.neuron(layer, j)
                for i, w in enumerate(self.weights[layer][j]):
                    gradients.append((w, f"d_{name} * {self.source(layer, i)}"))
        if self.c.train_biases:
            for layer in layers:
                for j, b in enumerate(self.bias_params[layer]):
                    gradients.append((b, self.bias_gradient(layer, j)))
        return gradients

    def accumulate(self, first: bool) -> None:
        """Add this sample's gradients to g_... (`first`: the only sample, assign)."""
        op = "=" if first else "+="
        self.emit("# this sample's gradients")
        for p, g in self.sample_gradients():
            self.emit(f"g_{p} {op} {g}")

    def gradient_names(self) -> list[str]:
        return [f"g_{p}" for p in self.trained_params]

    def batch_update(self) -> None:
        self.emit(f"# update ({self.c.update})")
        mean = self.c.update == "batch_mean"
        if not self.c.plain_sgd:
            gradients = [(p, f"(g_{p} / n)" if mean else f"g_{p}") for p in self.trained_params]
            self.optimizer_step(gradients)
            return
        for p in self.trained_params:
            self.emit(f"{p} -= lr * (g_{p} / n)" if mean else f"{p} -= lr * g_{p}")

    def backward_and_update(self) -> None:
        """One sample's backward pass; online, its update too; batch, its gradients added."""
        top = self.n_layers - 1
        if self.c.update == "online" and self.c.hidden_gradients == "after_output_update":
            if not self.c.plain_sgd:  # SGD with weight decay: its step, a layer at a time
                self.emit(f"# optimizer step ({self.opt.name})", "t += 1")
                self.emit(*self.opt.code_step_setup(self.opt_settings))
            self.output_deltas()
            self.eager_update(top)
            for layer in range(top - 1, -1, -1):
                self.hidden_deltas(layer)
                self.eager_update(layer)
        else:
            self.output_deltas()
            for layer in range(top - 1, -1, -1):
                self.hidden_deltas(layer)
            if self.c.update != "online":
                self.accumulate(first=self.c.single_sample)
            elif self.c.plain_sgd:
                for layer in range(self.n_layers):
                    self.online_update(layer)
            else:
                self.optimizer_step(self.sample_gradients())
        if self.c.norms and self.c.update == "online" and not self.c.single_sample:
            self.norm_accumulate()

    # -- the norms variant -------------------------------------------------------------------
    def weight_gradients(self, layer: int) -> list[tuple[str, str]]:
        """(weight, this sample's gradient δ·input) of every weight of `layer`."""
        return [
            (w, f"d_{self.neuron(layer, j)} * {self.source(layer, i)}")
            for j, row in enumerate(self.weights[layer])
            for i, w in enumerate(row)
        ]

    def norm_accumulate(self) -> None:
        """Online with several samples: add this sample's weight gradients to g_w..."""
        self.emit("# this sample's weight gradients, summed over the epoch (for the norms)")
        for layer in range(self.n_layers):
            for w, g in self.weight_gradients(layer):
                self.emit(f"g_{w} += {g}")

    def squares(self, names: list[str]) -> list[str]:
        return [f"{name} * {name}" for name in names]

    def norm_reset(self) -> None:
        """Online with several samples: the epoch's weight-gradient sums start at zero."""
        for layer in range(self.n_layers):
            for w, _ in self.weight_gradients(layer):
                self.emit(f"g_{w} = 0.0")

    def push_norms(self) -> None:
        """Push each layer's sum of squares of its weight gradient g_w... (batch_mean: of the
        averaged gradient, the sum over n²)."""
        self.emit("# each layer's squared weight-gradient norm")
        mean = self.c.update == "batch_mean"
        names = []
        if self.c.update == "online" and self.c.single_sample:
            # the gradient is the outer product δ·inputᵀ: |δ·inputᵀ|² = |δ|²·|input|² (the
            # inputs' squares are summed once, before the epochs)
            for layer in range(self.n_layers):
                if layer:
                    sources = [self.source(layer, i) for i in range(len(self.weights[layer][0]))]
                    self.emit_joined(f"xx_{layer + 1} = ", self.squares(sources), " + ")
                deltas = self.squares(
                    [f"d_{self.neuron(layer, j)}" for j in range(self.c.sizes[layer])]
                )
                name = f"sq_{layer + 1}"
                self.emit_joined(f"{name} = (", deltas, " + ", f") * xx_{layer + 1}", None)
                names.append(name)
            self.emit_joined("push_norms((", names, ", ", ",))" if len(names) == 1 else "))", None)
            return
        for layer in range(self.n_layers):
            squares = [f"g_{w} * g_{w}" for w, _ in self.weight_gradients(layer)]
            name = f"sq_{layer + 1}"
            if mean:
                self.emit_joined(f"{name} = (", squares, " + ", ") / nn", brackets=None)
            else:
                self.emit_joined(f"{name} = ", squares, " + ")
            names.append(name)
        self.emit_joined("push_norms((", names, ", ", ",))" if len(names) == 1 else "))", None)

    def check(self, first_epoch_too: bool, done: str) -> None:
        """Return when the loss or a trained parameter is non-finite.

        `done` is the number of epochs completed to report. Only the checked variant tests.
        """
        if not self.checked:
            return
        self.emit_joined("s = ", ["E", *self.trained_params], " + ")
        self.emit("if s - s != 0.0:" if first_epoch_too else "if s - s != 0.0 and epoch:")
        self.depth += 1
        self.emit_joined("params = [", self.all_params, ", ", "]", brackets=None)
        self.emit("if not finite(E, *params):")
        self.depth += 1
        self.emit_joined("state = [", self.state_vars, ", ", "]", brackets=None)
        self.emit(f"return params, state, t, {done}, True")
        self.depth -= 2

    # -- the function ------------------------------------------------------------------------
    def text(self) -> str:
        c = self.c
        extra = ", push_norms" if c.norms else ""
        self.emit(
            "def train_epochs(params, state, t, samples, lr, epochs, push, "
            f"{_MATH_NAMES}, finite{extra}):"
        )
        self.depth = 1
        self.emit(
            '"""Up to `epochs` epochs from `params` (and the optimizer\'s `state` after `t`',
            "steps) for this configuration:",
            "",
            config_label(c),
            "",
            "Pushes the loss after each epoch; returns (params, state, t, epochs done,",
            "non-finite).",
        )
        if c.norms:
            self.emit(
                "Also pushes, after each epoch, a tuple of every layer's sum of squares of its",
                "weight gradient as the update uses it.",
            )
        if self.checked:
            self.emit("Stops after the first epoch that leaves a non-finite loss or parameter.")
        else:
            self.emit("Never stops early (the caller checks the results and replays a block")
            self.emit("with the checked variant if they are not all finite).")
        if c.lagged:
            self.emit(
                "Each epoch's forward pass gives the loss after the epoch before; the caller",
                "drops the first loss pushed (the loss before the first epoch).",
            )
        self.emit('"""')
        self.emit_joined("[", self.all_params, ", ", "] = params", brackets=None)
        if self.state_vars:
            self.emit_joined("[", self.state_vars, ", ", "] = state", brackets=None)
        if c.single_sample:
            self.emit(f"[({self.sample_vars})] = samples")
            if c.norms and c.update == "online":
                self.emit_joined("xx_1 = ", self.squares(list(self.names[0])), " + ")
        if c.update == "batch_mean":
            self.emit("n = len(samples)")
            if c.norms:
                self.emit("nn = n * n")
        # (repeat is a little faster than range where the epoch number is not needed)
        self.emit(
            "for epoch in range(epochs):" if self.checked else "for _ in repeat(None, epochs):"
        )
        self.depth += 1
        if c.lagged:
            self.lagged_epoch()
        else:
            self.online_epoch()
        self.depth -= 1
        if c.lagged:
            self.emit("# the loss after the last epoch")
            self.sample_pass(with_loss=True, train=False)
            self.emit("push(E)")
            self.check(first_epoch_too=True, done="epochs")
        self.emit_joined("params = [", self.all_params, ", ", "]", brackets=None)
        self.emit_joined("state = [", self.state_vars, ", ", "]", brackets=None)
        self.emit("return params, state, t, epochs, False")
        return "\n".join(self.lines) + "\n"

    def sample_pass(self, with_loss: bool, train: bool) -> None:
        """A loop over the samples (or the one sample): forward, and backward when `train`."""
        if self.c.single_sample:
            self.forward(with_loss, total=None)
            if train:
                self.backward_and_update()
            return
        if with_loss:
            self.emit("E = 0.0")
        if train and self.c.update != "online":
            for g in self.gradient_names():
                self.emit(f"{g} = 0.0")
        self.emit(f"for {self.sample_vars} in samples:")
        self.depth += 1
        self.forward(with_loss, total="E" if with_loss else None)
        if train:
            self.backward_and_update()
        self.depth -= 1

    def lagged_epoch(self) -> None:
        """Batch, or online with one sample: the forward pass sees the last epoch's params."""
        c = self.c
        if c.update == "online":
            # one sample: forward and loss, check, then backward and update
            self.forward(with_loss=True, total=None)
            self.emit("push(E)")
            self.check(first_epoch_too=False, done="epoch")
            self.backward_and_update()
            if c.norms:
                self.push_norms()
            return
        self.sample_pass(with_loss=True, train=True)
        self.emit("push(E)")
        self.check(first_epoch_too=False, done="epoch")
        if c.norms:
            self.push_norms()
        self.batch_update()

    def online_epoch(self) -> None:
        """Online with several samples: train on each in turn, then a loss-only pass."""
        if self.c.norms:
            self.norm_reset()
        self.emit(f"for {self.sample_vars} in samples:")
        self.depth += 1
        self.forward(with_loss=False, total=None)
        self.backward_and_update()
        self.depth -= 1
        if self.c.norms:
            self.push_norms()
        self.emit("# the loss after this epoch")
        self.sample_pass(with_loss=True, train=False)
        self.emit("push(E)")
        self.check(first_epoch_too=True, done="epoch + 1")
