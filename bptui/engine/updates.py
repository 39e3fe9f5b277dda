"""One optimizer step on a network's parameters, recorded for the trace.

The optimizer (`bptui.engine.ops.optimizers`) works on arrays; this module applies it layer by
layer to a `Params` and keeps what the trace shows: the parameters before and after, the
gradient handed in, the optimizer's state before and after, and every stage's value. An
optimizer's state is one `Params`-shaped value per slot (`Moments`); untrained biases keep
none (their arrays are empty).
"""

from __future__ import annotations

import numpy as np

from bptui.engine.network import Network, Params
from bptui.records import dataclass

Moments = tuple[Params, ...]  # one per optimizer slot (Adam: m, v); () for plain SGD


@dataclass(frozen=True)
class Update:
    """One optimizer step (a sample's online, or the epoch's in the batch modes)."""

    t: int  # the optimizer step's number, from 1
    before: Params
    grads: Params  # as handed to the optimizer: the sample's, or the summed/averaged batch's
    after: Params
    moments_before: Moments
    moments_after: Moments
    stages: dict[str, Params]  # each traced stage's values (Adam: m, v, m_hat, v_hat)


def initial_moments(network: Network, params: Params | None = None) -> Moments:
    """The optimizer's state before its first step: zeros, none for untrained biases."""
    params = params or network.params
    slots = network.opt.slots
    return tuple(
        Params.of(
            [np.zeros_like(w) for w in params.weights],
            [np.zeros_like(b) if network.train_biases else np.zeros(0) for b in params.biases],
        )
        for _ in slots
    )


def steps_per_epoch(network: Network) -> int:
    """Optimizer steps in an epoch: one per sample online, one per epoch otherwise."""
    return network.n_samples if network.update == "online" else 1


def _trained(network: Network, bias: np.ndarray) -> bool:
    return network.train_biases and bias.size > 0


def step_layer(
    network: Network,
    li: int,
    params: Params,
    grad_w: np.ndarray,
    grad_b: np.ndarray,
    moments: Moments,
    t: int,
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]], dict[str, tuple]]:
    """Layer `li`'s step: (new weights, new biases, each slot's new (w, b), each stage's (w, b)).

    Runs under the caller's np.errstate."""
    opt, settings, lr = network.opt, network.opt_settings, network.learning_rate
    slots = opt.slots
    w_state = {name: moments[k].weights[li] for k, name in enumerate(slots)}
    w_new, w_state_new, w_stages = opt.step(settings, lr, t, params.weights[li], grad_w, w_state)
    b = params.biases[li]
    if _trained(network, b):
        b_state = {name: moments[k].biases[li] for k, name in enumerate(slots)}
        b_new, b_state_new, b_stages = opt.step(settings, lr, t, b, grad_b, b_state)
    else:
        b_new, b_stages = b.copy(), {}
        b_state_new = {name: moments[k].biases[li] for k, name in enumerate(slots)}
    new_slots = [(w_state_new[name], b_state_new[name]) for name in slots]
    stages = {
        name: (w_stages[name], b_stages.get(name, np.zeros(0))) for name in opt.stages(settings)
    }
    return w_new, b_new, new_slots, stages


def assemble(
    network: Network,
    t: int,
    before: Params,
    grads: Params,
    moments: Moments,
    layers: list[tuple],
) -> Update:
    """An `Update` from each layer's `step_layer` result (in layer order)."""
    slots = network.opt.slots
    after = Params.of([layer[0] for layer in layers], [layer[1] for layer in layers])
    moments_after = tuple(
        Params.of([layer[2][k][0] for layer in layers], [layer[2][k][1] for layer in layers])
        for k in range(len(slots))
    )
    stages = {
        name: Params.of(
            [layer[3][name][0] for layer in layers], [layer[3][name][1] for layer in layers]
        )
        for name in network.opt.stages(network.opt_settings)
    }
    return Update(t, before, grads, after, moments, moments_after, stages)


def apply(network: Network, params: Params, grads: Params, moments: Moments, t: int) -> Update:
    """One optimizer step on every layer."""
    with np.errstate(all="ignore"):
        layers = [
            step_layer(network, li, params, grads.weights[li], grads.biases[li], moments, t)
            for li in range(len(network.layers))
        ]
    return assemble(network, t, params, grads, moments, layers)
