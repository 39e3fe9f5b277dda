"""The scalar backend's code generator: an epoch loop written out as Python for one network.

Why generate code: an epoch of Mazur's net is ~60 multiply-adds. Numpy spends about a
microsecond on each operation however small its arrays, a Python loop over lists spends more
on indexing than on arithmetic, but straight-line Python on local float variables runs each
operation in ~20 ns. So the epoch is written out for the exact shape, like `dataclasses` and
`namedtuple` write their methods: one line per neuron for the forward pass, one per weight for
the update, every parameter (and the optimizer's state) in locals for the whole run. What the
code depends on is a `ScalarConfig` (`bptui.engine.codegen_config`); the statements of an
epoch's parts are written by `EpochWriter` (`bptui.engine.codegen_parts`), which `ScalarSource`
here puts together into the function.

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
from collections.abc import Callable
from functools import lru_cache

from bptui.engine.codegen_config import _MATH_NAMES, ScalarConfig
from bptui.engine.codegen_parts import EpochWriter
from bptui.engine.network import Network


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


class ScalarSource(EpochWriter):
    """Writes `train_epochs` for one configuration (see the module's docstring)."""

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
