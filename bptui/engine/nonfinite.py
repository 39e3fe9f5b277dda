"""Finding where a run first went non-finite, in trace order."""

from __future__ import annotations

import math

from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_epoch
from bptui.engine.trace import EpochTrace
from bptui.engine.updates import Moments, steps_per_epoch


def first_nonfinite_step(trace: EpochTrace):
    """The first step of the epoch whose value is nan or ±inf, or None."""
    for step in trace.eager_steps():
        if not math.isfinite(step.value):
            return step
    return None


def describe_nonfinite(
    network: Network, params: Params, epoch: int, moments: Moments | None = None
) -> str:
    """Where a run that went non-finite in `epoch` (which started at `params`, and the
    optimizer's state `moments`) first met a non-finite value, in trace order: 'epoch 3,
    sample 1: out_o1 = nan'. When the epoch's own steps are finite but its update overflows
    the next forward pass, that next step is the one named."""
    steps = (epoch - 1) * steps_per_epoch(network)
    trace = EpochTrace(compute_epoch(network, params, moments, steps), epoch)
    step = first_nonfinite_step(trace)
    if step is None:
        result = trace.epoch
        following = compute_epoch(
            network, result.params_after, result.moments_after, result.steps_after
        )
        trace = EpochTrace(following, epoch + 1)
        step = first_nonfinite_step(trace)
    if step is None:
        return f"epoch {epoch}: the loss after the epoch is {trace.epoch.loss_after}"
    if trace.number == epoch:
        return (
            f"the loss after epoch {epoch} is not finite; the first non-finite value is at "
            f"{step_place(trace.number, step)}"
        )
    # (epoch's own steps were finite: its update overflowed what the next epoch computes first,
    # the very loss after it; "after epoch 42 … at epoch 43" read as a contradiction)
    return (
        f"the loss after epoch {epoch} is not finite: epoch {epoch}'s steps were finite, but "
        f"its update overflowed the next forward pass, whose first non-finite value is at "
        f"{step_place(trace.number, step)}"
    )


def step_place(epoch: int, step) -> str:
    """'epoch 3, sample 1: out_o1 = nan' (or 'the batch update')."""
    where = "the batch update" if step.sample < 0 else f"sample {step.sample + 1}"
    return f"epoch {epoch}, {where}: {step.symbol} = {step.value}"


def first_nonfinite(network: Network, result, epoch: int) -> str:
    """Replay a training run to the start of `epoch` and describe its first non-finite step."""
    from bptui.engine.train import train

    params, moments = network.params, None
    if epoch > 1:
        replayed = train(network, network.params, epoch - 1)
        params, moments = replayed.params, replayed.moments
    return describe_nonfinite(network, params, epoch, moments)
