"""Activations and losses, computed stably in float64.

Every function here works on whole layers (1-D arrays) or on batches (2-D arrays, one row
per sample) and never overflows for |net| up to 1e3, never takes the log of 0, and never lets
a RuntimeWarning escape: the engine runs with numpy's floating-point errors silenced and
reports non-finite values itself.
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "softmax")
LOSSES = ("half_sse", "sse", "mse", "bce", "cross_entropy")
UPDATES = ("online", "batch_sum", "batch_mean")
HIDDEN_GRADIENTS = ("before_update", "after_output_update")


def sigmoid(net: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow on either side."""
    net = np.asarray(net, dtype=np.float64)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(net: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum so that exp never overflows."""
    net = np.asarray(net, dtype=np.float64)
    with np.errstate(all="ignore"):
        shifted = net - np.max(net, axis=-1, keepdims=True)
        e = np.exp(shifted)
        return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(net: np.ndarray) -> np.ndarray:
    """log(softmax(net)), exact where softmax underflows to 0."""
    net = np.asarray(net, dtype=np.float64)
    with np.errstate(all="ignore"):
        shifted = net - np.max(net, axis=-1, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow: -log(sigmoid(-x))."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def activate(name: str, net: np.ndarray) -> np.ndarray:
    """out = f(net) for the activation called `name`."""
    with np.errstate(all="ignore"):
        if name == "sigmoid":
            return sigmoid(net)
        if name == "tanh":
            return np.tanh(net)
        if name == "relu":
            return np.maximum(net, 0.0)
        if name == "linear":
            return np.array(net, dtype=np.float64, copy=True)
        if name == "softmax":
            return softmax(net)
    raise ValueError(f"unknown activation {name!r}")


def derivative(name: str, net: np.ndarray, out: np.ndarray) -> np.ndarray:
    """∂out/∂net, elementwise (for softmax: the diagonal of its Jacobian)."""
    with np.errstate(all="ignore"):
        if name in ("sigmoid", "softmax"):
            return out * (1.0 - out)
        if name == "tanh":
            return 1.0 - out * out
        if name == "relu":
            return (net > 0).astype(np.float64)
        if name == "linear":
            return np.ones_like(net, dtype=np.float64)
    raise ValueError(f"unknown activation {name!r}")


def loss_terms(
    loss: str, activation: str, net: np.ndarray, out: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """Each output's term E_oK of the per-sample loss (their sum is E_total).

    bce and cross_entropy are computed from the nets, so that a saturated output gives a
    large finite loss instead of log(0).
    """
    n = out.shape[-1]
    with np.errstate(all="ignore"):
        if loss == "half_sse":
            return 0.5 * (target - out) ** 2
        if loss == "sse":
            return (target - out) ** 2
        if loss == "mse":
            return (target - out) ** 2 / n
        if loss == "bce":
            # -[t log σ(z) + (1-t) log(1-σ(z))] = t·softplus(-z) + (1-t)·softplus(z)
            return target * softplus(-net) + (1.0 - target) * softplus(net)
        if loss == "cross_entropy":
            # -t·log softmax(z); a zero target contributes exactly 0 (not 0·-inf).
            logp = log_softmax(net)
            return np.where(target == 0, 0.0, -target * logp)
    raise ValueError(f"unknown loss {loss!r}")


def loss_derivative(loss: str, out: np.ndarray, target: np.ndarray) -> np.ndarray:
    """∂E_total/∂out_oK for each output (may be infinite for a saturated bce/ce output)."""
    n = out.shape[-1]
    with np.errstate(all="ignore"):
        if loss == "half_sse":
            return -(target - out)
        if loss == "sse":
            return -2.0 * (target - out)
        if loss == "mse":
            return -2.0 * (target - out) / n
        if loss == "bce":
            return -(target / out - (1.0 - target) / (1.0 - out))
        if loss == "cross_entropy":
            return np.where(target == 0, 0.0, -target / out)
    raise ValueError(f"unknown loss {loss!r}")


def simplified_delta(loss: str, activation: str) -> str | None:
    """The name of the closed form used for the output δ, or None for the plain product.

    sigmoid with bce and softmax with cross-entropy both give δ = out − target; the engine
    uses that form because it is exact where ∂E/∂out overflows.
    """
    if loss == "bce" and activation == "sigmoid":
        return "sigmoid with binary cross-entropy: δ = out − target"
    if loss == "cross_entropy" and activation == "softmax":
        return "softmax with cross-entropy: δ = out − target"
    return None


def output_delta(
    loss: str,
    activation: str,
    net: np.ndarray,
    out: np.ndarray,
    target: np.ndarray,
    de_dout: np.ndarray,
) -> np.ndarray:
    """δ_oK = ∂E_total/∂net_oK for the output layer (rows are samples if 2-D)."""
    with np.errstate(all="ignore"):
        if simplified_delta(loss, activation) is not None:
            # Exact: the loader requires cross-entropy targets to sum to 1.
            return out - target
        if activation == "softmax":
            # δ_k = Σ_m ∂E/∂out_m · out_m(1[m=k] − out_k) = out_k(g_k − Σ_m g_m out_m)
            dot = np.sum(de_dout * out, axis=-1, keepdims=True)
            return out * (de_dout - dot)
        return de_dout * derivative(activation, net, out)
