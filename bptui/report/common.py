"""Words shared by the text and Markdown reports (plain strings, no rich)."""

from __future__ import annotations

from bptui.engine.network import Network
from bptui.engine.trace import EpochTrace
from bptui.fmt import num

PHASE_TITLES = {
    "forward": "The forward pass",
    "error": "The total error",
    "backward": "The backward pass",
    "update": "The update",
}


def describe(network: Network) -> str:
    """One line: name, shape, activations, loss, update mode and settings."""
    activations = "/".join(layer.activation for layer in network.layers)
    biases = "biases trained" if network.train_biases else "biases not trained"
    return (
        f"{network.name} · {network.shape_text()} {activations} · {network.loss} · "
        f"{network.update} · η = {num(network.learning_rate)} · {biases} · "
        f"hidden gradients {network.hidden_gradients}"
    )


def sample_heading(trace: EpochTrace, sample: int, precision: int) -> str:
    network = trace.network
    record = trace.epoch.samples[sample]
    inputs = ", ".join(
        f"{name} = {num(float(v), precision)}"
        for name, v in zip(network.input_names, record.x, strict=True)
    )
    targets = ", ".join(
        f"{name} → {num(float(v), precision)}"
        for name, v in zip(network.layers[-1].names, record.t, strict=True)
    )
    return (
        f"Epoch {trace.number:,} · sample {sample + 1} of {network.n_samples} · "
        f"inputs {inputs} · targets {targets}"
    )
