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

from dataclasses import replace

import numpy as np

from bptui.engine.network import Layer, Network, Params
from bptui.engine.passes import compute_sample
from bptui.records import dataclass

STEP = 1e-4
FLOOR = 1e-8
TOLERANCE = 1e-6
CHECK_SECONDS = 5.0  # about how long `check` takes at most
PASS_SECONDS = 1e-4  # a parameter's finite difference, a sample: this (numpy's calls)…
PARAM_SECONDS = 7e-8  # …and this for each parameter of the net (2-4096-2: 1.4 ms)
MIN_CHECKED = 20
MAX_CHECKED_SAMPLES = 10


@dataclass(frozen=True)
class GradientCheck:
    """Analytic against numeric gradients of one sample, in `Params.flat()` order."""

    sample: int
    analytic: np.ndarray  # every parameter's gradient
    numeric: np.ndarray  # the finite differences of the checked ones
    indices: np.ndarray | None = None  # the checked parameters (None: every one)

    @property
    def checked(self) -> np.ndarray:
        """The analytic gradients of the checked parameters (in `numeric`'s order)."""
        return self.analytic if self.indices is None else self.analytic[self.indices]

    @property
    def errors(self) -> np.ndarray:
        return relative_error(self.checked, self.numeric)

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


def _activate(layer: Layer, net: np.ndarray) -> np.ndarray:
    """The layer's activation of `net` (longdouble), by this module's own formulas.

    An activation it has no formula for (one a user registered) falls back to the activation
    object's own `forward`: then the check leans on that code, and on its precision (numpy
    keeps longdouble through its ufuncs; a `forward` that casts to float64 makes the finite
    differences coarser).
    """
    name = layer.activation
    if name == "sigmoid":
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1 / (1 + e), e / (1 + e))
    if name == "tanh":
        return np.tanh(net)
    if name == "relu":
        return np.maximum(net, 0)
    if name == "linear":
        return net
    if name == "softmax":
        shifted = net - np.max(net)
        e = np.exp(shifted)
        return e / np.sum(e)
    if name == "leaky_relu":
        return np.where(net > 0, net, np.longdouble(layer.p["alpha"]) * net)
    if name == "elu":
        return np.where(
            net > 0, net, np.longdouble(layer.p["alpha"]) * np.expm1(np.minimum(net, 0))
        )
    if name == "softplus":
        return _softplus(net)
    if name == "gelu":  # x·Φ(x), Φ(x) = erfc(−x/√2)/2
        return net * (_erfc(-net / np.sqrt(np.longdouble(2))) / 2)
    return layer.op.forward(net, layer.p)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


_SQRT_PI = np.sqrt(4 * np.arctan(np.longdouble(1)))


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc(x) in longdouble (numpy has no erf; math.erf is float64 only), to about its
    epsilon: below |x| = 3 as 1 − erf(x), erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!
    (positive terms, no cancellation); above, erfc(|x|) by its continued fraction
    e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), and erfc(−x) = 2 − erfc(x)."""
    x = np.asarray(x, dtype=np.longdouble)
    z = np.abs(x)
    near = z < 3
    # the series where |x| < 3
    s = np.where(near, x, 0)
    term = s.copy()
    total = s.copy()
    for n in range(1, 100):  # converged by n = 70 for |x| < 3
        term = term * (2 * s * s) / (2 * n + 1)
        total = total + term
        if np.all(np.abs(term) <= np.abs(total) * 1e-21):
            break
    erf_near = 2 / _SQRT_PI * np.exp(-s * s) * total
    if near.all():
        return 1 - erf_near
    # the continued fraction where |x| ≥ 3 (60 terms: converged to epsilon from 3 on)
    c = np.where(near, 3, z)
    fraction = c.copy()
    for k in range(60, 0, -1):
        fraction = c + np.longdouble(k) / 2 / fraction
    tail = np.exp(-c * c) / (_SQRT_PI * fraction)
    return np.where(near, 1 - erf_near, np.where(x > 0, tail, 2 - tail))


def sample_loss(network: Network, flat: np.ndarray, shapes: Params, sample: int) -> np.longdouble:
    """E_total of one sample at the flat parameters `flat` (any float dtype), in longdouble."""
    dtype = np.longdouble
    a = network.inputs[sample].astype(dtype)
    t = network.targets[sample].astype(dtype)
    weights, biases = shapes.views(flat)
    net = a
    for layer, w, b in zip(network.layers, weights, biases, strict=True):
        net = w @ a + (b if b.size else 0)
        a = _activate(layer, net)
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
    if loss == "cross_entropy":
        shifted = net - np.max(net)
        log_p = shifted - np.log(np.sum(np.exp(shifted)))
        return -np.sum(np.where(t == 0, 0, t * log_p))
    # a loss registered by a user: its own `terms` (as `_activate` falls back)
    return np.sum(network.loss_op.terms(net, a, t))


def numeric_gradient(
    network: Network,
    params: Params,
    sample: int,
    indices: list[int] | None = None,
    step: float = STEP,
) -> np.ndarray:
    """∂E_total/∂p by finite differences for the parameters at `indices` (all by default)."""
    probe = params.flat().astype(np.longdouble)
    chosen = range(probe.size) if indices is None else indices
    result = np.zeros(len(chosen))
    h = np.longdouble(step)
    with np.errstate(all="ignore"):
        for out, index in enumerate(chosen):
            value = probe[index]
            values = []
            for offset in (-h, -h / 2, h / 2, h):
                probe[index] = value + offset  # (one parameter moved; the others as given)
                values.append(sample_loss(network, probe, params, sample))
            probe[index] = value
            f_m1, f_mh, f_ph, f_p1 = values
            result[out] = float((f_m1 - 8 * f_mh + 8 * f_ph - f_p1) / (6 * h))
    return result


def checked_samples(network: Network) -> list[int]:
    """The samples `bptui check` checks: every one, or MAX_CHECKED_SAMPLES spread evenly (the
    first and the last among them; 100,000 samples took 7 minutes and printed 900,000 rows)."""
    count = network.n_samples
    if count <= MAX_CHECKED_SAMPLES:
        return list(range(count))
    return sorted(
        {round(k * (count - 1) / (MAX_CHECKED_SAMPLES - 1)) for k in range(MAX_CHECKED_SAMPLES)}
    )


def checked_indices(network: Network) -> np.ndarray | None:
    """The parameters `bptui check` checks: every one (None), unless that would take long.
    A finite difference costs forward passes over every parameter, so checking them all is
    P² work a sample; more than about CHECK_SECONDS of it, MIN_CHECKED or more spread evenly
    over `Params.flat()` (the first and the last among them), as many as CHECK_SECONDS allows
    by a parameter's cost measured on wide and deep nets (the work alone, P² against a budget,
    left numpy's cost a call out: a 2-4096-2 net took 19.5 s, the hostile trial)."""
    total = network.n_params
    samples = len(checked_samples(network))
    count = int(CHECK_SECONDS / (samples * (PASS_SECONDS + PARAM_SECONDS * total)))
    if total <= count:
        return None
    count = max(MIN_CHECKED, count)
    return np.unique(np.linspace(0, total - 1, min(count, total)).round().astype(np.int64))


def true_gradient(network: Network, params: Params, sample: int) -> Params:
    """The exact gradient of the sample's E_total at `params`, every factor before any update."""
    plain = replace(
        network, hidden_gradients="before_update", update="online", param_refs=network.param_refs
    )
    return compute_sample(plain, params, sample).grads


def check_sample(
    network: Network, params: Params, sample: int, indices: np.ndarray | None = None
) -> GradientCheck:
    """The sample's gradients against finite differences: of the parameters at `indices`
    (every one by default)."""
    analytic = true_gradient(network, params, sample).flat()
    chosen = None if indices is None else [int(k) for k in indices]
    numeric = numeric_gradient(network, params, sample, chosen)
    return GradientCheck(sample, analytic, numeric, indices)
