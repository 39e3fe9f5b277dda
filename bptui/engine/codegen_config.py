"""What the scalar backend's generated code depends on: a `ScalarConfig` (the compiled code's
cache key, taken from a network and checked before any code is written) and the math functions
the code receives as arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bptui.engine.network import HIDDEN_GRADIENTS, UPDATES, Network
from bptui.engine.ops import ACTIVATIONS, LOSSES, OPTIMIZERS
from bptui.records import dataclass

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
