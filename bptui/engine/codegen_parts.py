"""The parts of the scalar backend's epoch written out as Python statements: the names of
neurons, parameters and optimizer slots, lines emitted at an indentation (a long one wrapped),
and each part of an epoch (the forward pass, the deltas, the gradients, the updates).
`bptui.engine.codegen.ScalarSource` puts them together into `train_epochs`.
"""

from __future__ import annotations

from typing import Any

from bptui.engine.codegen_config import ScalarConfig
from bptui.engine.network import default_neuron_names
from bptui.engine.ops import ACTIVATIONS, LOSSES, OPTIMIZERS

_WIDTH = 96  # the generated source's line width


class EpochWriter:
    """The names and the statements of an epoch's parts for one configuration (see
    `bptui.engine.codegen`'s docstring); `ScalarSource` writes the function from them."""

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
