"""Gradients checked against finite differences.

`numeric_gradient` differentiates a sample's E_total by central differences with Richardson
extrapolation, (f(p−h) − 8f(p−h/2) + 8f(p+h/2) − f(p+h)) / 6h, whose error is O(h⁴), and
evaluates the loss in extended precision (numpy.longdouble) with its own forward pass, so
that the check does not lean on the code it checks and rounding does not swamp gradients as
small as 1e-8. `true_gradient` is the backward pass with every gradient taken before any
update: what the finite differences should match even for `after_output_update` files, whose
hidden updates deliberately use another order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bptui.engine.network import Network, Params
from bptui.engine.passes import compute_sample

STEP = 1e-4
FLOOR = 1e-8
TOLERANCE = 1e-6


@dataclass(frozen=True)
class GradientCheck:
    """Analytic against numeric gradients of one sample, in `Params.flat()` order."""

    sample: int
    analytic: np.ndarray
    numeric: np.ndarray

    @property
    def errors(self) -> np.ndarray:
        return relative_error(self.analytic, self.numeric)

    @property
    def worst(self) -> float:
        return float(np.max(self.errors)) if self.errors.size else 0.0

    @property
    def ok(self) -> bool:
        return bool(np.all(self.errors <= TOLERANCE))


def relative_error(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """|a − n| / max(|a|, |n|, 1e-8), elementwise; nan where either is non-finite."""
    a = np.asarray(a, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(all="ignore"):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), FLOOR)
        return np.abs(a - n) / scale


def _activate(name: str, net: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1 / (1 + e), e / (1 + e))
    if name == "tanh":
        return np.tanh(net)
    if name == "relu":
        return np.maximum(net, 0)
    if name == "linear":
        return net
    shifted = net - np.max(net)
    e = np.exp(shifted)
    return e / np.sum(e)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def sample_loss(network: Network, flat: np.ndarray, shapes: Params, sample: int) -> np.longdouble:
    """E_total of one sample at the flat parameters `flat` (any float dtype), in longdouble."""
    dtype = np.longdouble
    a = network.inputs[sample].astype(dtype)
    t = network.targets[sample].astype(dtype)
    k = 0
    weights, biases = [], []
    for w in shapes.weights:
        weights.append(flat[k : k + w.size].reshape(w.shape))
        k += w.size
    for b in shapes.biases:
        biases.append(flat[k : k + b.size])
        k += b.size
    net = a
    for layer, w, b in zip(network.layers, weights, biases, strict=True):
        net = w @ a + (b if b.size else 0)
        a = _activate(layer.activation, net)
    loss = network.loss
    n = a.shape[0]
    if loss == "half_sse":
        return np.sum((t - a) ** 2) / 2
    if loss == "sse":
        return np.sum((t - a) ** 2)
    if loss == "mse":
        return np.sum((t - a) ** 2) / n
    if loss == "bce":
        return np.sum(t * _softplus(-net) + (1 - t) * _softplus(net))
    shifted = net - np.max(net)
    log_p = shifted - np.log(np.sum(np.exp(shifted)))
    return -np.sum(np.where(t == 0, 0, t * log_p))


def numeric_gradient(
    network: Network,
    params: Params,
    sample: int,
    indices: list[int] | None = None,
    step: float = STEP,
) -> np.ndarray:
    """∂E_total/∂p by finite differences for the parameters at `indices` (all by default)."""
    base = params.flat().astype(np.longdouble)
    chosen = range(base.size) if indices is None else indices
    result = np.zeros(len(chosen))
    h = np.longdouble(step)
    with np.errstate(all="ignore"):
        for out, index in enumerate(chosen):
            values = []
            for offset in (-h, -h / 2, h / 2, h):
                probe = base.copy()
                probe[index] += offset
                values.append(sample_loss(network, probe, params, sample))
            f_m1, f_mh, f_ph, f_p1 = values
            result[out] = float((f_m1 - 8 * f_mh + 8 * f_ph - f_p1) / (6 * h))
    return result


def true_gradient(network: Network, params: Params, sample: int) -> Params:
    """The exact gradient of the sample's E_total at `params`, every factor before any update."""
    plain = replace(
        network, hidden_gradients="before_update", update="online", param_refs=network.param_refs
    )
    return compute_sample(plain, params, sample).grads


def check_sample(network: Network, params: Params, sample: int) -> GradientCheck:
    analytic = true_gradient(network, params, sample).flat()
    return GradientCheck(sample, analytic, numeric_gradient(network, params, sample))
