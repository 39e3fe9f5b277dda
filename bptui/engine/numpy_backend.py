"""The numpy backend of `train`: whole-layer arrays, for nets too big for generated code.

The batch modes push all samples through each layer at once (one matrix product per layer and
direction per epoch); `online` loops over the samples. The maths is the operation objects'
(`bptui.engine.ops`): an activation's `forward` and `derivative`, a loss's `terms` and
`derivative`, an optimizer's `step`. Runs under the caller's `np.errstate(all="ignore")`.

Given a `norms` array, the runner also appends, after each epoch, every layer's sum of squares
of its weight gradient as the update used it (batch: the summed or averaged gradient; online:
the per-sample gradients summed over the epoch), layer after layer.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from bptui.engine.network import Network, Params
from bptui.engine.updates import Moments


class NumpyRunner:
    """Runs epochs from its current parameters (and optimizer state)."""

    def __init__(
        self,
        network: Network,
        params: Params,
        moments: Moments,
        t: int,
        norms: array | None = None,
    ) -> None:
        self.network = network
        self.norms = norms  # each epoch's squared weight-gradient norms, layer by layer
        # Every parameter in one array (`Params.flat` order), each layer's weights and biases
        # views of it, so that one sum tests them all for non-finite values (`nonfinite`).
        # `step` keeps them views: an optimizer's new array is copied into its place.
        self.flat = np.array(params.flat(), dtype=np.float64)
        self.weights, self.biases = params.views(self.flat)
        n_weights = sum(w.size for w in self.weights)
        self.trained_flat = self.flat if network.train_biases else self.flat[:n_weights]
        self.layers = network.layers
        # the operation objects, looked up once (`Layer.op` asks the registry at every call)
        self.ops = [layer.op for layer in network.layers]
        self.op_params = [layer.p for layer in network.layers]
        self.inputs = np.ascontiguousarray(network.inputs, dtype=np.float64)
        self.targets = np.ascontiguousarray(network.targets, dtype=np.float64)
        self.rows = [self.inputs[s] for s in range(network.n_samples)]
        self.target_rows = [self.targets[s] for s in range(network.n_samples)]
        self.lr = float(network.learning_rate)
        self.loss = network.loss_op
        self.fused = network.fused_output is not None
        self.train_biases = network.train_biases
        self.opt = network.opt
        self.settings = network.opt_settings
        self.plain_sgd = network.optimizer == "sgd" and not self.opt.decays(self.settings)
        slots = self.opt.slots
        # the optimizer's state, per layer and slot: (weights, biases)
        self.state_w = [{s: np.array(m.weights[li]) for s, m in zip(slots, moments, strict=True)}
                        for li in range(len(self.weights))]  # fmt: skip
        self.state_b = [{s: np.array(m.biases[li]) for s, m in zip(slots, moments, strict=True)}
                        for li in range(len(self.weights))]  # fmt: skip
        self.t = t

    def params(self) -> Params:
        return Params.of(self.weights, self.biases)

    def moments(self) -> Moments:
        n = len(self.weights)
        return tuple(
            Params.of([self.state_w[li][slot] for li in range(n)],
                      [self.state_b[li][slot] for li in range(n)])
            for slot in self.opt.slots
        )  # fmt: skip

    # -- pieces ------------------------------------------------------------------------------
    def forward(self, a: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Nets and outs of every layer for a sample (1-D) or all samples (rows)."""
        nets, outs = [], []
        for w, b, op, p in zip(self.weights, self.biases, self.ops, self.op_params, strict=True):
            net = a @ w.T
            if b.size:
                net += b
            a = op.forward(net, p)
            nets.append(net)
            outs.append(a)
        return nets, outs

    def total_loss(self, net: np.ndarray, out: np.ndarray) -> float:
        """The loss summed over all samples (2-D nets and outs), as `passes.total_loss`."""
        # (np.add.reduce is what np.sum calls, without its wrapper's cost)
        return float(np.add.reduce(np.add.reduce(self.loss.terms(net, out, self.targets), -1)))

    def output_delta(self, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> np.ndarray:
        if self.fused:
            return out - t
        g = self.loss.derivative(out, t)
        op = self.ops[-1]
        if not op.elementwise:
            dot = np.sum(g * out, axis=-1, keepdims=True)
            return out * (g - dot)
        return g * op.derivative(net, out, self.op_params[-1])

    def hidden_delta(self, g: np.ndarray, li: int, net: np.ndarray, out: np.ndarray):
        """g · ∂out/∂net of layer li; `g` (δ·W, made for this) becomes the result in place."""
        g *= self.ops[li].derivative(net, out, self.op_params[li])
        return g

    def nonfinite(self, loss: float) -> bool:
        total = loss + float(np.add.reduce(self.trained_flat))
        if math.isfinite(total):
            return False
        return not (math.isfinite(loss) and bool(np.isfinite(self.trained_flat).all()))

    def step(self, li: int, grad_w: np.ndarray, grad_b) -> None:
        """Layer li's update from its gradients (an optimizer step counted by the caller):
        the optimizer's `train_step`, its `step` without the traced stages (Adam's in place)."""
        if self.plain_sgd:
            self.weights[li] -= self.lr * grad_w
            if grad_b is not None:
                self.biases[li] -= self.lr * grad_b
            return
        weights, biases = self.weights[li], self.biases[li]
        new, self.state_w[li] = self.opt.train_step(
            self.settings, self.lr, self.t, weights, grad_w, self.state_w[li]
        )
        if new is not weights:
            weights[...] = new
        if grad_b is not None:
            gradient = np.asarray(grad_b, dtype=np.float64).reshape(biases.shape)
            new, self.state_b[li] = self.opt.train_step(
                self.settings, self.lr, self.t, biases, gradient, self.state_b[li]
            )
            if new is not biases:
                biases[...] = new

    # -- epochs ------------------------------------------------------------------------------
    def run(self, epochs: int, losses: array) -> tuple[int, bool]:
        if self.network.update == "online":
            return self.run_online(epochs, losses)
        return self.run_batch(epochs, losses)

    def run_batch(self, epochs: int, losses: array) -> tuple[int, bool]:
        """Each epoch's forward pass gives the loss after the epoch before."""
        x = self.inputs
        n_layers = len(self.weights)
        mean = self.network.update == "batch_mean"
        count = x.shape[0]
        for epoch in range(epochs):
            nets, outs = self.forward(x)
            loss = self.total_loss(nets[-1], outs[-1])
            if epoch:  # the loss after the epoch before, which the chunk has not tested yet
                losses.append(loss)
                if self.nonfinite(loss):
                    return epoch, True
            delta = self.output_delta(nets[-1], outs[-1], self.targets)
            self.t += 1
            squares = [0.0] * n_layers
            for layer in range(n_layers - 1, -1, -1):
                below = x if layer == 0 else outs[layer - 1]
                grad_w = delta.T @ below
                grad_b = (
                    _bias_gradient(self.biases[layer], delta)
                    if self.train_biases and self.biases[layer].size
                    else None
                )
                if layer > 0:
                    g = delta @ self.weights[layer]
                    delta = self.hidden_delta(g, layer - 1, nets[layer - 1], below)
                if mean:
                    grad_w /= count
                    if grad_b is not None:
                        grad_b = grad_b / count
                if self.norms is not None:
                    squares[layer] = _squares(grad_w)
                self.step(layer, grad_w, grad_b)
            if self.norms is not None:
                self.norms.extend(squares)
        nets, outs = self.forward(x)
        loss = self.total_loss(nets[-1], outs[-1])
        if epochs:
            losses.append(loss)
        return epochs, bool(epochs) and self.nonfinite(loss)

    def run_online(self, epochs: int, losses: array) -> tuple[int, bool]:
        n_layers = len(self.weights)
        eager = self.network.hidden_gradients == "after_output_update"
        weights = self.weights
        deltas: list[np.ndarray] = [np.zeros(0)] * n_layers
        # the norms: each layer's weight gradients summed over the epoch's samples
        sums: list[np.ndarray] | None = None
        for epoch in range(epochs):
            if self.norms is not None:
                sums = [np.zeros_like(w) for w in weights]
            for x, t in zip(self.rows, self.target_rows, strict=True):
                nets, outs = self.forward(x)
                delta = self.output_delta(nets[-1], outs[-1], t)
                self.t += 1
                for layer in range(n_layers - 1, -1, -1):
                    if layer < n_layers - 1:
                        g = delta @ weights[layer + 1]  # already updated when eager
                        delta = self.hidden_delta(g, layer, nets[layer], outs[layer])
                    deltas[layer] = delta
                    if eager:
                        below = x if layer == 0 else outs[layer - 1]
                        self.update_one(layer, delta, below, sums)
                if not eager:
                    for layer in range(n_layers):
                        below = x if layer == 0 else outs[layer - 1]
                        self.update_one(layer, deltas[layer], below, sums)
            if self.norms is not None and sums is not None:
                self.norms.extend(_squares(s) for s in sums)
            nets, outs = self.forward(self.inputs)
            loss = self.total_loss(nets[-1], outs[-1])
            losses.append(loss)
            if self.nonfinite(loss):
                return epoch + 1, True
        return epochs, False

    def update_one(
        self,
        layer: int,
        delta: np.ndarray,
        below: np.ndarray,
        sums: list[np.ndarray] | None = None,
    ) -> None:
        """One sample's update of `layer` (its weight gradient added to `sums`, if given)."""
        bias = self.biases[layer]
        grad_b = _bias_gradient(bias, delta) if self.train_biases and bias.size else None
        grad_w = np.outer(delta, below)
        if sums is not None:
            sums[layer] += grad_w
        self.step(layer, grad_w, grad_b)


def _squares(gradient: np.ndarray) -> float:
    """The sum of squares of a gradient's entries (its squared L2 norm, unscaled: it
    overflows to inf past ~1.3e154, as numpy.linalg.norm does)."""
    return float(np.vdot(gradient, gradient))


def _bias_gradient(bias: np.ndarray, delta: np.ndarray) -> np.ndarray | float:
    """∂E/∂b of a layer's biases: δ (per neuron), or the sum of all δ (shared), summed over
    the samples when `delta` has one row per sample."""
    if bias.size == 1 and delta.shape[-1] != 1:
        return float(np.sum(delta))
    return np.add.reduce(delta, 0) if delta.ndim == 2 else delta
