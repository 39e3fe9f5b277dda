"""Finding where a run first went non-finite, in trace order."""

from __future__ import annotations

import math

from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace


def first_nonfinite_step(trace: EpochTrace):
    """The first step of the epoch whose value is nan or ±inf, or None."""
    for step in trace.eager_steps():
        if not math.isfinite(step.value):
            return step
    return None


def describe_nonfinite(network: Network, params: Params, epoch: int) -> str:
    """Where a run that went non-finite in `epoch` (which started at `params`) first met a
    non-finite value, in trace order: 'epoch 3, sample 1: out_o1 = nan'. When the epoch's
    own steps are finite but its update overflows the next forward pass, that next step is
    the one named."""
    trace = EpochTrace(compute_epoch(network, params), epoch)
    step = first_nonfinite_step(trace)
    if step is None:
        trace = EpochTrace(compute_epoch(network, trace.epoch.params_after), epoch + 1)
        step = first_nonfinite_step(trace)
    if step is None:
        return f"epoch {epoch}: the loss after the epoch is {trace.epoch.loss_after}"
    return (
        f"after epoch {epoch} the loss is not finite; the first non-finite value is at "
        f"{step_place(trace.number, step)}"
    )


def step_place(epoch: int, step) -> str:
    """'epoch 3, sample 1: out_o1 = nan' (or 'the batch update')."""
    where = "the batch update" if step.sample < 0 else f"sample {step.sample + 1}"
    return f"epoch {epoch}, {where}: {step.symbol} = {step.value}"


def first_nonfinite(network: Network, result, epoch: int) -> str:
    """Replay a training run to the start of `epoch` and describe its first non-finite step."""
    from bptui.engine.train import train

    params = network.params
    if epoch > 1:
        params = train(network, network.params, epoch - 1).params
    return describe_nonfinite(network, params, epoch)
