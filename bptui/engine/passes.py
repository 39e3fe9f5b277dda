"""The numbers of one epoch: forward, error, backward and update for each sample.

`compute_epoch` works a whole epoch out as per-sample arrays (`SampleRecord`); the step trace
(`bptui.engine.trace`) turns those arrays into readable step records on demand, so the
arithmetic lives here only once.
"""

from __future__ import annotations

from functools import cached_property
from typing import cast

import numpy as np

from bptui.engine.network import Network, Params
from bptui.engine.updates import Moments, Update, apply, assemble, initial_moments, step_layer
from bptui.records import dataclass


@dataclass(frozen=True)
class SampleRecord:
    """Every number of one sample's pass, as arrays per layer (0-based layers)."""

    index: int
    x: np.ndarray
    t: np.ndarray
    params: Params  # the parameters this sample's forward pass saw
    back_weights: tuple[np.ndarray, ...]  # the W each layer back-propagates through (W or W⁺)
    nets: tuple[np.ndarray, ...]
    outs: tuple[np.ndarray, ...]
    e_terms: np.ndarray
    e_total: float
    de_dout: tuple[np.ndarray, ...]  # output: the loss derivative; hidden: the sum of the paths
    dout_dnet: tuple[np.ndarray, ...]  # elementwise (softmax: the diagonal of its Jacobian)
    deltas: tuple[np.ndarray, ...]
    # paths[li][m, j] = δ_m · w_mj of layer li + 1 (empty for the output layer)
    paths: tuple[np.ndarray, ...]
    grad_w: tuple[np.ndarray, ...]
    grad_b: tuple[np.ndarray, ...]
    update: Update | None  # online: this sample's optimizer step; batch: None

    @property
    def params_after(self) -> Params | None:
        """Online: the parameters after this sample's update; batch: None."""
        return None if self.update is None else self.update.after

    def layer_input(self, layer: int) -> np.ndarray:
        """The values that feed layer `layer`: the inputs for layer 0."""
        return self.x if layer == 0 else self.outs[layer - 1]

    @property
    def grads(self) -> Params:
        return Params(self.grad_w, self.grad_b)


@dataclass(frozen=True)
class EpochResult:
    """One epoch: the parameters before and after, and every sample's record."""

    network: Network
    params_before: Params
    samples: tuple[SampleRecord, ...]
    params_after: Params
    batch_grads: Params | None  # batch modes: the summed or averaged gradient the update used
    moments_before: Moments = ()  # the optimizer's state at the start (plain SGD keeps none)
    moments_after: Moments = ()
    batch_update: Update | None = None  # batch modes: the epoch's optimizer step
    steps_before: int = 0  # optimizer steps taken before this epoch

    @property
    def steps_after(self) -> int:
        """Optimizer steps taken by the end of this epoch."""
        return self.steps_before + (1 if self.batch_update is not None else len(self.samples))

    @cached_property
    def loss_after(self) -> float:
        """The loss summed over all samples at the parameters after the epoch."""
        return total_loss(self.network, self.params_after)


def bias_vector(layer_bias: np.ndarray, n_out: int) -> np.ndarray:
    """The bias each neuron adds: a shared bias repeated, no bias as zeros."""
    if layer_bias.size == 0:
        return np.zeros(n_out)
    if layer_bias.size == 1 and n_out != 1:
        return np.full(n_out, layer_bias[0])
    return layer_bias


def weighted_sums(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """`a @ w.T`: each neuron's Σ w·a. Where an overflow made a sum non-finite, the products
    are summed as written (BLAS's kernels differ by machine there: -inf + inf gave -inf on
    one and nan, the sum as written, on another)."""
    net = a @ w.T
    if not np.isfinite(net).all():
        net = np.sum(a[..., np.newaxis, :] * w, axis=-1)
    return net


def forward(network: Network, params: Params, x: np.ndarray) -> tuple[list, list]:
    """Nets and outs of every layer for inputs `x` (one sample, or a batch as rows)."""
    nets, outs = [], []
    a = x
    with np.errstate(all="ignore"):
        for layer, w, b in zip(network.layers, params.weights, params.biases, strict=True):
            net = weighted_sums(a, w) + bias_vector(b, layer.n_out)
            a = layer.op.forward(net, layer.p)
            nets.append(net)
            outs.append(a)
    return nets, outs


def sample_losses(network: Network, params: Params) -> np.ndarray:
    """E_total of every sample at `params`, all samples at once."""
    nets, outs = forward(network, params, network.inputs)
    with np.errstate(all="ignore"):
        terms = network.loss_op.terms(nets[-1], outs[-1], network.targets)
        return np.sum(terms, axis=-1)


def total_loss(network: Network, params: Params) -> float:
    return float(np.sum(sample_losses(network, params)))


def compute_sample(
    network: Network,
    params: Params,
    index: int,
    moments: Moments | None = None,
    t: int = 1,
) -> SampleRecord:
    """Forward, error and backward of sample `index` at `params` (and, online, its update:
    optimizer step `t` from state `moments`)."""
    x = network.inputs[index]
    t_sample = network.targets[index]
    layers = network.layers
    n_layers = len(layers)
    nets, outs = forward(network, params, x)
    loss = network.loss_op
    with np.errstate(all="ignore"):
        e_terms = loss.terms(nets[-1], outs[-1], t_sample)
        e_total = float(np.sum(e_terms))

    online = network.update == "online"
    eager_update = online and network.hidden_gradients == "after_output_update"
    if moments is None:
        moments = initial_moments(network, params)
    stepped: list = [None] * n_layers  # eager: each layer's step_layer result, as it is made
    de_dout: list = [None] * n_layers
    dout_dnet: list = [None] * n_layers
    deltas: list = [None] * n_layers
    paths: list = [np.zeros((0, 0))] * n_layers
    grad_w: list = [None] * n_layers
    grad_b: list = [None] * n_layers
    back_weights: list = [None] * n_layers

    with np.errstate(all="ignore"):
        for li in range(n_layers - 1, -1, -1):
            layer = layers[li]
            net, out = nets[li], outs[li]
            derivative = layer.op.derivative(net, out, layer.p)
            if li == n_layers - 1:
                g = loss.derivative(out, t_sample)
                delta = output_delta(network, net, out, t_sample, g, derivative)
            else:
                w_above = stepped[li + 1][0] if eager_update else params.weights[li + 1]
                back_weights[li + 1] = w_above
                paths[li] = deltas[li + 1][:, None] * w_above
                g = np.sum(paths[li], axis=0)
                delta = g * derivative
            de_dout[li] = g
            dout_dnet[li] = derivative
            deltas[li] = delta
            grad_w[li] = np.outer(delta, x if li == 0 else outs[li - 1])
            grad_b[li] = _bias_gradient(layer.bias, delta)
            if eager_update:
                stepped[li] = step_layer(network, li, params, grad_w[li], grad_b[li], moments, t)
    grads = Params(tuple(grad_w), tuple(grad_b))
    update = None
    if eager_update:
        update = assemble(network, t, params, grads, moments, stepped)
    elif online:
        update = apply(network, params, grads, moments, t)
    return SampleRecord(
        index=index,
        x=x,
        t=t_sample,
        params=params,
        back_weights=tuple(back_weights),
        nets=tuple(nets),
        outs=tuple(outs),
        e_terms=e_terms,
        e_total=e_total,
        de_dout=tuple(de_dout),
        dout_dnet=tuple(dout_dnet),
        deltas=tuple(deltas),
        paths=tuple(paths),
        grad_w=tuple(grad_w),
        grad_b=tuple(grad_b),
        update=update,
    )


def output_delta(
    network: Network,
    net: np.ndarray,
    out: np.ndarray,
    t: np.ndarray,
    de_dout: np.ndarray,
    dout_dnet: np.ndarray,
) -> np.ndarray:
    """δ_oK = ∂E_total/∂net_oK of the output layer (rows are samples if 2-D)."""
    if network.fused_output is not None:
        return out - t  # exact: the loader requires cross-entropy targets to sum to 1
    if not network.layers[-1].op.elementwise:
        # softmax: δ_k = Σ_m ∂E/∂out_m · out_m(1[m=k] − out_k) = out_k(g_k − Σ_m g_m out_m)
        dot = np.sum(de_dout * out, axis=-1, keepdims=True)
        return out * (de_dout - dot)
    return de_dout * dout_dnet


def _bias_gradient(kind: str, delta: np.ndarray) -> np.ndarray:
    if kind == "shared":
        return np.array([np.sum(delta)])
    if kind == "neuron":
        return delta.copy()
    return np.zeros(0)


def batch_gradient(network: Network, records: tuple[SampleRecord, ...]) -> Params:
    """The gradients of all samples summed (batch_sum) or averaged (batch_mean)."""
    with np.errstate(all="ignore"):
        layers = range(len(network.layers))
        weights = [cast(np.ndarray, sum(r.grad_w[li] for r in records)) for li in layers]
        biases = [cast(np.ndarray, sum(r.grad_b[li] for r in records)) for li in layers]
        if network.update == "batch_mean":
            weights = [w / len(records) for w in weights]
            biases = [b / len(records) for b in biases]
    return Params.of(weights, biases)


def compute_epoch(
    network: Network,
    params: Params,
    moments: Moments | None = None,
    steps_before: int = 0,
) -> EpochResult:
    """Work out one epoch from `params` (and the optimizer's state `moments` after
    `steps_before` optimizer steps), sample by sample, as the trace shows it."""
    if moments is None:
        moments = initial_moments(network, params)
    records = []
    current, state, t = params, moments, steps_before
    for s in range(network.n_samples):
        if network.update == "online":
            t += 1
        record = compute_sample(network, current, s, state, t)
        records.append(record)
        if record.update is not None:
            current, state = record.update.after, record.update.moments_after
    batch = batch_update = None
    if network.update != "online":
        batch = batch_gradient(network, tuple(records))
        batch_update = apply(network, params, batch, moments, t + 1)
        current, state = batch_update.after, batch_update.moments_after
    return EpochResult(
        network, params, tuple(records), current, batch, moments, state, batch_update, steps_before
    )
