"""The numbers of one epoch: forward, error, backward and update for each sample.

`compute_epoch` works a whole epoch out as per-sample arrays (`SampleRecord`); the step trace
(`bptui.engine.trace`) turns those arrays into readable step records on demand, so the
arithmetic lives here only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np

from bptui.engine import functions as fn
from bptui.engine.network import Network, Params


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
    params_after: Params | None  # online: after this sample's update; batch: None

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


def forward(network: Network, params: Params, x: np.ndarray) -> tuple[list, list]:
    """Nets and outs of every layer for inputs `x` (one sample, or a batch as rows)."""
    nets, outs = [], []
    a = x
    with np.errstate(all="ignore"):
        for layer, w, b in zip(network.layers, params.weights, params.biases, strict=True):
            net = a @ w.T + bias_vector(b, layer.n_out)
            a = fn.activate(layer.activation, net)
            nets.append(net)
            outs.append(a)
    return nets, outs


def sample_losses(network: Network, params: Params) -> np.ndarray:
    """E_total of every sample at `params`, all samples at once."""
    nets, outs = forward(network, params, network.inputs)
    last = network.layers[-1]
    terms = fn.loss_terms(network.loss, last.activation, nets[-1], outs[-1], network.targets)
    return np.sum(terms, axis=-1)


def total_loss(network: Network, params: Params) -> float:
    return float(np.sum(sample_losses(network, params)))


def update_layer(
    w: np.ndarray, b: np.ndarray, gw: np.ndarray, gb: np.ndarray, lr: float, train_biases: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Plain gradient descent on one layer: w⁺ = w − η·∂E/∂w."""
    with np.errstate(all="ignore"):
        new_w = w - lr * gw
        new_b = b - lr * gb if train_biases else b.copy()
    return new_w, new_b


def compute_sample(network: Network, params: Params, index: int) -> SampleRecord:
    """Forward, error and backward of sample `index` at `params` (and its update, online)."""
    x = network.inputs[index]
    t = network.targets[index]
    layers = network.layers
    n_layers = len(layers)
    nets, outs = forward(network, params, x)
    last = layers[-1]
    e_terms = fn.loss_terms(network.loss, last.activation, nets[-1], outs[-1], t)
    with np.errstate(all="ignore"):
        e_total = float(np.sum(e_terms))

    online = network.update == "online"
    eager_update = online and network.hidden_gradients == "after_output_update"
    new_w = list(params.weights)
    new_b = list(params.biases)
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
            if li == n_layers - 1:
                g = fn.loss_derivative(network.loss, out, t)
                delta = fn.output_delta(network.loss, layer.activation, net, out, t, g)
            else:
                w_above = new_w[li + 1] if eager_update else params.weights[li + 1]
                back_weights[li + 1] = w_above
                paths[li] = deltas[li + 1][:, None] * w_above
                g = np.sum(paths[li], axis=0)
                delta = g * fn.derivative(layer.activation, net, out)
            de_dout[li] = g
            dout_dnet[li] = fn.derivative(layer.activation, net, out)
            deltas[li] = delta
            grad_w[li] = np.outer(delta, x if li == 0 else outs[li - 1])
            grad_b[li] = _bias_gradient(layer.bias, delta)
            if eager_update:
                new_w[li], new_b[li] = update_layer(
                    params.weights[li],
                    params.biases[li],
                    grad_w[li],
                    grad_b[li],
                    network.learning_rate,
                    network.train_biases,
                )
    if online and not eager_update:
        for li in range(n_layers):
            new_w[li], new_b[li] = update_layer(
                params.weights[li],
                params.biases[li],
                grad_w[li],
                grad_b[li],
                network.learning_rate,
                network.train_biases,
            )
    return SampleRecord(
        index=index,
        x=x,
        t=t,
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
        params_after=Params.of(new_w, new_b) if online else None,
    )


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


def compute_epoch(network: Network, params: Params) -> EpochResult:
    """Work out one epoch from `params`, sample by sample, as the trace shows it."""
    records = []
    current = params
    for s in range(network.n_samples):
        record = compute_sample(network, current, s)
        records.append(record)
        if record.params_after is not None:
            current = record.params_after
    batch = None
    if network.update != "online":
        batch = batch_gradient(network, tuple(records))
        new = [
            update_layer(w, b, gw, gb, network.learning_rate, network.train_biases)
            for w, b, gw, gb in zip(
                params.weights, params.biases, batch.weights, batch.biases, strict=True
            )
        ]
        current = Params.of([w for w, _ in new], [b for _, b in new])
    return EpochResult(network, params, tuple(records), current, batch)
