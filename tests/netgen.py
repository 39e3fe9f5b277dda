"""Random network documents for property tests: every activation, loss, bias kind and update."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from bptui.engine.loader import parse_document
from bptui.engine.network import Network

HIDDEN_ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
OUTPUT_BY_LOSS = {
    "half_sse": ["sigmoid", "tanh", "relu", "linear", "softmax"],
    "sse": ["sigmoid", "tanh", "linear", "softmax"],
    "mse": ["sigmoid", "tanh", "linear"],
    "bce": ["sigmoid"],
    "cross_entropy": ["softmax"],
}


def document(
    draw_seed: int,
    loss: str,
    output: str,
    hidden: list[str],
    sizes: list[int],
    bias_kinds: list[str],
    update: str,
    order: str,
    train_biases: bool,
    n_samples: int,
    scale: float = 0.8,
) -> dict[str, Any]:
    """A network document with weights and samples drawn from a seeded generator."""
    rng = np.random.default_rng(draw_seed)
    n_inputs = sizes[0]
    layers = []
    n_in = n_inputs
    activations = [*hidden, output]
    for size, activation, bias in zip(sizes[1:], activations, bias_kinds, strict=True):
        layer: dict[str, Any] = {
            "activation": activation,
            "weights": rng.uniform(-scale, scale, (size, n_in)).round(6).tolist(),
        }
        if bias == "shared":
            layer["bias"] = round(float(rng.uniform(-0.5, 0.5)), 6)
        elif bias == "neuron":
            layer["biases"] = rng.uniform(-0.5, 0.5, size).round(6).tolist()
        layers.append(layer)
        n_in = size
    samples = []
    n_out = sizes[-1]
    for _ in range(n_samples):
        inputs = rng.uniform(-1, 1, n_inputs).round(6).tolist()
        if loss == "cross_entropy":
            targets = [0.0] * n_out
            targets[int(rng.integers(n_out))] = 1.0
        elif loss == "bce" or output == "sigmoid":
            targets = rng.uniform(0.05, 0.95, n_out).round(6).tolist()
        else:
            targets = rng.uniform(-0.9, 0.9, n_out).round(6).tolist()
        samples.append({"inputs": inputs, "targets": targets})
    return {
        "name": "random",
        "learning_rate": 0.3,
        "loss": loss,
        "update": update,
        "hidden_gradients": order,
        "train_biases": train_biases,
        "layers": layers,
        "samples": samples,
    }


@st.composite
def networks(draw, max_layers: int = 3, max_width: int = 4, max_samples: int = 3) -> Network:
    """A random valid network (every combination the file format allows)."""
    loss = draw(st.sampled_from(sorted(OUTPUT_BY_LOSS)))
    output = draw(st.sampled_from(OUTPUT_BY_LOSS[loss]))
    n_layers = draw(st.integers(1, max_layers))
    hidden = [draw(st.sampled_from(HIDDEN_ACTIVATIONS)) for _ in range(n_layers - 1)]
    min_out = 2 if output == "softmax" else 1
    sizes = [draw(st.integers(1, max_width))]
    sizes += [draw(st.integers(1, max_width)) for _ in range(n_layers - 1)]
    sizes.append(draw(st.integers(min_out, max_width)))
    bias_kinds = [draw(st.sampled_from(["none", "shared", "neuron"])) for _ in range(n_layers)]
    update = draw(st.sampled_from(["online", "batch_sum", "batch_mean"]))
    order = "before_update"
    if update == "online":
        order = draw(st.sampled_from(["before_update", "after_output_update"]))
    doc = document(
        draw(st.integers(0, 2**32 - 1)),
        loss,
        output,
        hidden,
        sizes,
        bias_kinds,
        update,
        order,
        draw(st.booleans()),
        draw(st.integers(1, max_samples)),
    )
    return parse_document(doc, source="random", default_name="random")
