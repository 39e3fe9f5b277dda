"""Every operation in one place: activations, losses and optimizers, each one object, by name.

To add an activation, subclass `Activation` (bptui/engine/ops/activations.py shows nine) and
pass an instance to `register_activation`; the loader, the step trace, the chain-rule
breakdown, the Markdown export, `train` (both backends) and `check` all read it from here.
The same for a loss (`Loss`, `register_loss`).
"""

from __future__ import annotations

from bptui.engine.ops import activations as _activations
from bptui.engine.ops import losses as _losses
from bptui.engine.ops import optimizers as _optimizers
from bptui.engine.ops.activations import Activation
from bptui.engine.ops.losses import Loss
from bptui.engine.ops.optimizers import Optimizer

ACTIVATIONS: dict[str, Activation] = {}
LOSSES: dict[str, Loss] = {}
OPTIMIZERS: dict[str, Optimizer] = {}


def register_activation(op: Activation) -> Activation:
    """Make `op` available to network files by its `name` (a new name, or a replacement)."""
    if not op.name.isidentifier():
        raise ValueError(f"an activation's name must be an identifier, found {op.name!r}")
    for key in op.parameters:
        if not key.isidentifier():
            raise ValueError(f"{op.name}: parameter names must be identifiers, found {key!r}")
    ACTIVATIONS[op.name] = op
    return op


def register_loss(op: Loss) -> Loss:
    if not op.name.isidentifier():
        raise ValueError(f"a loss's name must be an identifier, found {op.name!r}")
    LOSSES[op.name] = op
    return op


def register_optimizer(op: Optimizer) -> Optimizer:
    if not op.name.isidentifier():
        raise ValueError(f"an optimizer's name must be an identifier, found {op.name!r}")
    OPTIMIZERS[op.name] = op
    return op


def unregister_activation(name: str) -> None:
    """Forget an activation (tests that register their own clean up with this)."""
    ACTIVATIONS.pop(name, None)


def activation(name: str) -> Activation:
    return ACTIVATIONS[name]


def loss(name: str) -> Loss:
    return LOSSES[name]


def optimizer(name: str) -> Optimizer:
    return OPTIMIZERS[name]


def fused_note(loss_name: str, activation_name: str) -> str | None:
    """The note of the closed-form output δ = out − target this pair uses, or None."""
    op = LOSSES[loss_name]
    return op.fused_note if op.fused_with == activation_name else None


for _op in _activations.BUILTIN:
    register_activation(_op)
for _loss in _losses.BUILTIN:
    register_loss(_loss)
for _optimizer in _optimizers.BUILTIN:
    register_optimizer(_optimizer)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Loss",
    "Optimizer",
    "activation",
    "fused_note",
    "loss",
    "optimizer",
    "register_activation",
    "register_loss",
    "register_optimizer",
    "unregister_activation",
]
